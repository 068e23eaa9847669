"""Known failures -> what happened and the exact fix, phrased for one account.

The one place that turns Microsoft's error answers (MSAL result dicts with
``error``, ``error_description`` and ``error_codes``) into our exceptions,
marking each as "fix the configuration", "log in again" or "try again later".
Unknown codes keep Microsoft's code, first line of text, and lookup link.
"""

from __future__ import annotations

import re

from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater, login_hint

ERROR_LOOKUP = "https://login.microsoftonline.com/error?code=%s"
APP_PORTAL = "Azure Portal -> App registrations -> your app"

# AADSTS code -> (exception class, what happened, what to do).  The texts are
# formatted with the account's fields: name, user, tenant, client_id,
# redirect, source.
KNOWN = {
    9002331: (ConfigError, "App {client_id} is registered for personal Microsoft accounts only, "
              "but [account {name}] uses tenant '{tenant}'.",
              "Set tenant = consumers in [account {name}] ({source}), then run: "
              "offlineimap-oauth login {name}"),
    9002332: (ConfigError, "App {client_id} is registered for work or school accounts only, "
              "but [account {name}] uses tenant '{tenant}'.",
              "Set tenant = organizations (or your organisation's domain or tenant ID) in "
              "[account {name}]; for an outlook.com address register an app that allows "
              "personal Microsoft accounts."),
    50020: (ConfigError, "{user} is not an account of tenant '{tenant}'.",
            "For outlook.com/hotmail/live addresses set tenant = consumers (with an app that "
            "allows personal accounts); for Microsoft 365 use your organisation's tenant."),
    500200: (ConfigError, "{user} is a personal Microsoft account, and app {client_id} accepts "
             "work or school accounts only.",
             "For an outlook.com/hotmail/live address use an app registered for personal "
             "accounts and set tenant = consumers in [account {name}]."),
    500208: (ConfigError, "{user} cannot sign in on tenant '{tenant}' (wrong kind of account "
             "for this endpoint).",
             "Personal addresses need tenant = consumers; work addresses need organizations "
             "or the organisation's tenant."),
    50194: (ConfigError, "App {client_id} is single-tenant, so tenant '{tenant}' cannot be used.",
            "Set tenant = your organisation's tenant ID or domain (e.g. contoso.onmicrosoft.com) "
            "in [account {name}]."),
    90002: (ConfigError, "Microsoft knows no tenant '{tenant}'.",
            "Check tenant in [account {name}]: consumers, organizations, common, a tenant ID "
            "or a verified domain."),
    700016: (ConfigError, "Microsoft knows no app with client_id {client_id} in tenant '{tenant}'.",
             "Copy 'Application (client) ID' from the app's Overview page into client_id "
             "(not the secret's ID), and check tenant in [account {name}]."),
    50011: (ConfigError, "The redirect URI {redirect} is not registered for app {client_id}.",
            "In " + APP_PORTAL + " -> Authentication add exactly {redirect}, or set "
            "redirect_uri in [account {name}] to one that is registered."),
    7000218: (ConfigError, "App {client_id} is a confidential client and needs its client secret.",
              "Set client_secret or client_secret_command in [account {name}], or in "
              + APP_PORTAL + " -> Authentication turn on 'Allow public client flows'."),
    700025: (ConfigError, "App {client_id} is a public client, which must not send a secret.",
             "Remove client_secret / client_secret_command from [account {name}]."),
    7000215: (ConfigError, "Microsoft refused the client secret of [account {name}].",
              "Copy the secret's Value (shown once when it is created), not its Secret ID; if "
              "it is lost, create a new one in " + APP_PORTAL + " -> Certificates & secrets."),
    7000222: (ConfigError, "The client secret of app {client_id} has expired.",
              "Create a new secret in " + APP_PORTAL + " -> Certificates & secrets and put its "
              "Value into [account {name}]; the stored login stays valid."),
    65001: (ConfigError, "{user} has not consented to the app's mail permissions.",
            "Run: offlineimap-oauth login {name} and accept; if your organisation forbids user "
            "consent, an admin must grant it in " + APP_PORTAL + " -> API permissions."),
    90094: (ConfigError, "An administrator must approve app {client_id} for this organisation.",
            "Ask your admin to grant admin consent in " + APP_PORTAL + " -> API permissions."),
    70008: (LoginRequired, "The stored login of [account {name}] has expired (unused too long).",
            None),
    700082: (LoginRequired, "The refresh token of [account {name}] expired after 90 days "
             "without use.", None),
    50173: (LoginRequired, "Microsoft revoked the stored login of [account {name}] (a password "
            "change, 'sign out everywhere', or an admin).", None),
    54005: (LoginRequired, "That authorization code was already used.", None),
    501481: (LoginRequired, "The code does not belong to this login attempt (PKCE check failed).",
             None),
    50076: (LoginRequired, "{user} must complete multi-factor authentication.", None),
    50079: (LoginRequired, "{user} must register for multi-factor authentication.", None),
    53003: (ConfigError, "A Conditional Access policy of the organisation blocked the sign-in.",
            "Ask your admin which policy applies to IMAP/SMTP apps on this device."),
    28000: (ConfigError, "The scopes of [account {name}] mix several resources.",
            "Keep only https://outlook.office.com/... scopes in [account {name}]."),
    70011: (ConfigError, "Microsoft refused the scopes of [account {name}].",
            "Use https://outlook.office.com/IMAP.AccessAsUser.All, .../POP.AccessAsUser.All "
            "and .../SMTP.Send (or remove scopes to get these)."),
    65004: (LoginRequired, "The consent was declined.", None),
}

# OAuth2 error word -> class, when the AADSTS code is not in the table.
BY_ERROR = {
    "invalid_grant": LoginRequired,
    "interaction_required": LoginRequired,
    "consent_required": LoginRequired,
    "login_required": LoginRequired,
    "access_denied": LoginRequired,
    "invalid_client": ConfigError,
    "unauthorized_client": ConfigError,
    "invalid_request": ConfigError,
    "invalid_scope": ConfigError,
    "temporarily_unavailable": TryLater,
    "server_error": TryLater,
}


def aadsts_code(result: dict) -> int | None:
    """The first AADSTS number of an error answer, from error_codes or the text."""
    codes = result.get("error_codes") or []
    if codes:
        try:
            return int(codes[0])
        except (TypeError, ValueError):
            pass
    match = re.search(r"AADSTS(\d+)", str(result.get("error_description", "")))
    return int(match.group(1)) if match else None


def from_msal(result: dict, account, redirect: str | None = None) -> Error:
    """The exception for an MSAL error dict, phrased for ``account``."""
    code = aadsts_code(result)
    said = _microsoft_said(result, code)
    fields = _fields(account, redirect)
    if code in KNOWN:
        kind, what, fix = KNOWN[code]
        hint = fix.format(**fields) if fix else login_hint(account.name)
        return kind(what.format(**fields), problems=[said], hint=hint, code="AADSTS%d" % code)
    kind = BY_ERROR.get(result.get("error"), Error)
    hint = {LoginRequired: login_hint(account.name),
            TryLater: "Try again later.",
            ConfigError: "Check [account %s] in %s and the app registration." % (
                account.name, fields["source"])}.get(kind, "Run again with -v for details.")
    if code:
        hint += " Microsoft explains the code at " + ERROR_LOOKUP % code
    return kind("Microsoft refused the request for [account %s]." % account.name,
                problems=[said], hint=hint, code="AADSTS%d" % code if code else result.get("error"))


def _microsoft_said(result: dict, code: int | None) -> str:
    text = str(result.get("error_description") or result.get("error") or "no details")
    first = text.strip().splitlines()[0] if text.strip() else text
    if code and "AADSTS" not in first:
        first = "AADSTS%d: %s" % (code, first)
    return "Microsoft said: " + first


def _fields(account, redirect: str | None) -> dict:
    return {
        "name": account.name,
        "user": account.user,
        "tenant": account.tenant,
        "client_id": account.client_id,
        "redirect": redirect or account.redirect_uri or "(the redirect URI)",
        "source": account.source or "accounts.conf",
    }


# What IMAP and SMTP servers (Exchange Online, outlook.com) answer when they
# refuse a token, matched in order on the server's text -> (what, fix).
OUTLOOK_IMAP_SETTING = ("Outlook.com: Settings -> Mail -> Forwarding and IMAP -> 'Let devices "
                        "and apps use IMAP'; Microsoft 365: the admin enables IMAP for the user "
                        "(Microsoft 365 admin center -> Users -> Active users -> Mail -> Manage "
                        "email apps)")
SERVER_REFUSALS = (
    ("5.7.139", "SMTP AUTH is disabled for {user}'s mailbox (SmtpClientAuthentication).",
     "An admin must enable Authenticated SMTP: Microsoft 365 admin center -> Users -> Active "
     "users -> {user} -> Mail -> Manage email apps -> Authenticated SMTP."),
    ("not connected", "The token was accepted but belongs to another mailbox than {user}.",
     "Log in again as {user}: offlineimap-oauth logout {name} && offlineimap-oauth login {name} "
     "(use a private browser window so the browser's remembered account is not reused)."),
    ("AccessTokenExpired", "The server says the access token expired.",
     "Check the computer's clock; then run: offlineimap-oauth token {name}."),
    ("5.7.57", "The server wants authentication before sending.",
     "Use auth xoauth2 with tls_starttls on in msmtprc."),
    ("5.7.3", "The SMTP server refused the token for {user}.",
     "Check that the scopes include https://outlook.office.com/SMTP.Send (and POP.AccessAsUser.All, "
     "which the seed needed), then: offlineimap-oauth logout {name} && offlineimap-oauth login "
     "{name}."),
    ("AUTHENTICATE", "The IMAP server refused the token for {user}.",
     "IMAP may be switched off: " + OUTLOOK_IMAP_SETTING + ". If it is on, throw the old token "
     "away: offlineimap-oauth logout {name} && offlineimap-oauth login {name}."),
    ("AUTHENTICATIONFAILED", "The IMAP server refused the token for {user}.",
     "IMAP may be switched off: " + OUTLOOK_IMAP_SETTING + ". If it is on, throw the old token "
     "away: offlineimap-oauth logout {name} && offlineimap-oauth login {name}."),
)


def server_refusal(text: str, account) -> tuple:
    """(what happened, what to do) for an IMAP/SMTP server's refusal text."""
    fields = _fields(account, None)
    for marker, what, fix in SERVER_REFUSALS:
        if marker.lower() in text.lower():
            return what.format(**fields), fix.format(**fields)
    return ("The server refused: %s" % text.strip()[:200],
            "Run: offlineimap-oauth check %s -v, and see README's troubleshooting." % account.name)
