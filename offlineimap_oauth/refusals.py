"""What Exchange Online's and outlook.com's IMAP/SMTP refusals mean, for one account.

``refusal(text, account, token_user=None)`` turns a server's words into one
of our errors (its class gives the category: fix the configuration, log in
again, or try again later) with what happened and the fix.  The rules are
matched in order on the text, not only on the status code: Exchange uses
``535 5.7.139`` both for "a password was sent" and "SMTP AUTH is off".
Collected from failures users reported (tests/data/field_failures.json).
"""

from __future__ import annotations

import re

from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater

OUTLOOK_RESOURCE = "https://outlook.office.com/"
OUTLOOK_IMAP_SETTING = ("Outlook.com: Settings -> Mail -> Forwarding and IMAP -> 'Let devices "
                        "and apps use IMAP'; Microsoft 365: the admin enables IMAP for the user "
                        "(Microsoft 365 admin center -> Users -> Active users -> Mail -> Manage "
                        "email apps)")
USE_THE_TOKEN = ("msmtp must send the token: the msmtprc account needs 'auth xoauth2' and "
                 "'passwordeval offlineimap-oauth token {name}', and no later 'auth on', "
                 "'auth plain', 'auth login' or 'password' line overriding them (also not from "
                 "'defaults'); offlineimap needs auth_mechanisms = XOAUTH2 in its remote "
                 "repository.")
RELOGIN = ("Sign in again as {user}: offlineimap-oauth logout {name} && offlineimap-oauth login "
           "{name} (a private browser window avoids the browser's remembered account).")
# Words of a temporary refusal: the same request may work later.
TRANSIENT = re.compile(r"(^|\s)(4\d\d|4\.\d\.\d+)\s|try again later|temporar|service not "
                       r"available|server busy|unavailable", re.I)


def refusal(text: str, account, token_user: str | None = None) -> Error:
    """Our error for a server's refusal ``text`` (IMAP tagged answer or SMTP reply)."""
    if getattr(account, "provider", "microsoft") == "google":
        return _google(text, account)
    said = " ".join(text.split())
    lowered = said.lower()
    fields = {"name": account.name, "user": account.user,
              "source": getattr(account, "source", None) or "accounts.conf"}
    for matches, build in RULES:
        if matches(lowered):
            kind, what, fix = build(account, token_user)
            return kind(what.format(**fields), hint=fix.format(**fields))
    return Error("The server refused: %s" % said[:200],
                 hint="Run: offlineimap-oauth check %s -v, and see README's troubleshooting."
                 % account.name)


def _google(text: str, account) -> Error:
    """Gmail's refusals: providers/google/explain.py's table; the class from the words."""
    from offlineimap_oauth.providers.google import explain

    what, fix = explain.server_refusal(text, account)
    if TRANSIENT.search(" ".join(text.split())):
        return TryLater(what, hint=fix)
    if explain.xoauth2_challenge(text) is not None or re.search(
            r"535|authenticationfailed|invalid credentials", text, re.I):
        return LoginRequired(what, hint=fix)
    return Error(what, hint=fix)


def _send_as(account, token_user):
    return (ConfigError, "Exchange refused to send as the message's From address: {user} may "
            "send only as itself or as addresses it has Send As rights for.",
            "Set 'from {user}' (or an address {user} may send as) in the msmtprc account, and "
            "send from that address in Gnus (user-mail-address or gnus-posting-styles).")


def _password_smtp(account, token_user):
    return (ConfigError, "The server received a password, not a token: basic authentication "
            "is disabled for {user}, so every password login is refused.", USE_THE_TOKEN)


def _password_mechanism(account, token_user):
    return (ConfigError, "The server was offered a password login (PLAIN/LOGIN), a method it "
            "does not accept for {user}.", USE_THE_TOKEN)


def _password_imap(account, token_user):
    return (ConfigError, "The IMAP server got a password login (LOGIN), which Microsoft "
            "refuses.",
            "Set auth_mechanisms = XOAUTH2 and oauth2_access_token_eval in the remote "
            "repository of offlineimaprc (offlineimap-oauth convert writes both); Microsoft "
            "accepts no passwords.")


def _smtp_auth_off(account, token_user):
    return (ConfigError, "SMTP AUTH is disabled for {user}'s mailbox (SmtpClientAuthentication).",
            "An admin must enable Authenticated SMTP: Microsoft 365 admin center -> Users -> "
            "Active users -> {user} -> Mail -> Manage email apps -> Authenticated SMTP (or "
            "for the whole organisation, Settings -> Org settings -> Modern authentication).")


def _not_connected(account, token_user):
    if token_user and token_user.lower() != account.user.lower():
        return (LoginRequired, "The token belongs to %s, not to {user}: the server accepted it "
                "but did not connect the mailbox." % token_user, RELOGIN)
    return (TryLater, "The server accepted the token for {user} but did not connect the "
            "mailbox.",
            "This often passes by itself: try again later. If it persists, IMAP may be "
            "switched off for the mailbox: " + OUTLOOK_IMAP_SETTING + ".")


def _expired(account, token_user):
    return (TryLater, "The server says the access token expired.",
            "Check the computer's clock; then run: offlineimap-oauth token {name} --refresh")


def _smtp_token(account, token_user):
    scopes = " ".join(getattr(account, "scopes", ()) or ()).lower()
    if "smtp.send" not in scopes:
        return (ConfigError, "The SMTP server refused the token for {user}: its scopes lack "
                "SMTP.Send.",
                "Add " + OUTLOOK_RESOURCE + "SMTP.Send to scopes in [account {name}] ({source}), "
                "then run: offlineimap-oauth login {name}")
    fix = RELOGIN
    if "pop.accessasuser.all" not in scopes:
        fix += (" If that does not help, add " + OUTLOOK_RESOURCE + "POP.AccessAsUser.All to "
                "scopes (the seed's SMTP needed it).")
    return (LoginRequired, "The SMTP server refused the token for {user}: it belongs to another "
            "user, or lacks a permission the mailbox needs.", fix)


def _no_login(account, token_user):
    return (ConfigError, "The server got no login before sending: the client did not "
            "authenticate.",
            "In the msmtprc account set 'auth xoauth2', 'passwordeval offlineimap-oauth token "
            "{name}' and 'tls_starttls on'.")


def _transient(account, token_user):
    return (TryLater, "The server refused for now: a temporary failure on its side.",
            "Try again later; nothing needs changing here.")


def _imap_token(account, token_user):
    return (ConfigError, "The IMAP server refused the token for {user}.",
            "In order of likelihood: (1) the token is for another resource than Outlook: "
            "scopes in [account {name}] must be " + OUTLOOK_RESOURCE + "... ones "
            "(offlineimap-oauth check {name} shows the token's audience); (2) IMAP is switched "
            "off: " + OUTLOOK_IMAP_SETTING + "; (3) a stale token: offlineimap-oauth logout "
            "{name} && offlineimap-oauth login {name}.")


RULES = (
    (lambda t: "sendas" in t or "5.7.60" in t or "5.2.252" in t, _send_as),
    (lambda t: "5.7.139" in t and "basic authentication" in t, _password_smtp),
    (lambda t: "5.7.139" in t, _smtp_auth_off),
    (lambda t: "5.7.4 " in t + " " or "unrecognized authentication type" in t,
     _password_mechanism),
    (lambda t: "login failed" in t, _password_imap),
    (lambda t: "not connected" in t, _not_connected),
    (lambda t: "accesstokenexpired" in t, _expired),
    (lambda t: "5.7.3" in t, _smtp_token),  # also "5.7.57 ... 535 5.7.3": a refused token
    (lambda t: "5.7.57" in t, _no_login),
    (lambda t: TRANSIENT.search(" " + t + " ") is not None, _transient),
    (lambda t: "authenticate failed" in t or "authenticationfailed" in t, _imap_token),
)
