"""``check NAME``: prove, step by step, that the account can read and send mail.

Steps, each printed as one line with a pass/fail mark: accounts.conf valid;
an access token obtained (cached or refreshed, expiry); its claims when it
is a JWT (audience, scopes, user) with warnings for missing SMTP/POP scopes;
IMAP connect, TLS, AUTHENTICATE XOAUTH2, SELECT INBOX, folder count; SMTP
connect, STARTTLS, AUTH XOAUTH2 (no message is sent); the signed-in user is
the configured one; refresh-token age; offlineimap's version.  A failed
step says what to do, and the exit code is the category of the first
failure (3 fix the configuration, 4 log in again, 5 try again later, 1
anything else).  No secret is printed.
"""

from __future__ import annotations

import socket
import ssl
import time

from offlineimap_oauth.errors import (EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_TRY_LATER,
                                     Error)
from offlineimap_oauth.refusals import refusal
from offlineimap_oauth.xoauth2 import jwt_claims, sasl_base64, sasl_string

NETWORK_TIMEOUT_S = 20
WANTED_SCOPES = ("IMAP.AccessAsUser.All", "SMTP.Send", "POP.AccessAsUser.All")
MARKS = {True: "[ OK ]", False: "[FAIL]", None: "[WARN]"}
# The audiences of tokens Exchange Online's IMAP/SMTP accept: Outlook's resource
# URIs and Exchange Online's application ID.
OUTLOOK_AUDIENCES = ("https://outlook.office.com", "https://outlook.office365.com",
                     "00000002-0000-0ff1-ce00-000000000000")


class Report:
    """Collects step results and prints each as it happens."""

    def __init__(self, out):
        self.out = out
        self.failed = []
        self.exit_codes = []

    def line(self, ok, text, fix=None, exit_code=EXIT_FAILURE):
        self.out.write("%s %s\n" % (MARKS[ok], text))
        if fix:
            self.out.write("       -> %s\n" % fix.replace("\n", "\n          "))
        self.out.flush()
        if ok is False:
            self.failed.append(text)
            self.exit_codes.append(exit_code)

    def refused(self, what, error, said):
        """A failed step explained by ``error`` (its class is the category)."""
        self.line(False, "%s: %s" % (what, error.message),
                  "\n".join(error.problems + [error.hint or "", "The server said: %s" % said]),
                  error.exit_code)


def default_hosts(account):
    """(IMAP host, SMTP host) for the account's cloud."""
    if account.provider == "google":
        from offlineimap_oauth.providers.google import settings

        return settings.IMAP_HOST, settings.SMTP_HOST
    from offlineimap_oauth.accounts import CLOUD_MAIL, PUBLIC_MAIL

    return CLOUD_MAIL.get(account.authority.split("/")[2].lower(), PUBLIC_MAIL)


def run_check(account, store, out, imap=None, smtp=None, now=time.time) -> int:
    """Run every step for ``account``; ``imap``/``smtp`` are (host, port)."""
    report = Report(out)
    report.line(True, "accounts.conf: [account %s] is valid (%s)" % (account.name, account.source))
    _secret_file_step(account, report)
    token, was_cached = _token_step(account, store, report, now)
    token_user = None
    microsoft = account.provider != "google"  # Google's tokens are opaque, no MSAL cache
    if token:
        token_user = _claims_step(account, token, report) if microsoft else None
        imap_host, smtp_host = default_hosts(account)
        imap = imap or (imap_host, 993)
        refused = _imap_steps(account, token, imap, report, retry_follows=was_cached,
                              token_user=token_user) is False
        if refused and was_cached:
            # The seed's trap: a server refusing a token that has not expired.
            token = _fresh_token_step(account, store, report, now)
            if token:
                _imap_steps(account, token, imap, report, token_user=token_user)
        if token:
            _smtp_steps(account, token, smtp or (smtp_host, 587), report, token_user)
    if microsoft:
        _user_step(account, store, report)
        _renewal_step(account, store, report, now)
    _offlineimap_step(report)
    verdict = "all checks passed" if not report.failed else "%d check(s) failed" % len(report.failed)
    out.write("%s: %s\n" % (account.name, verdict))
    return report.exit_codes[0] if report.failed else EXIT_OK


def _secret_file_step(account, report):
    import os

    try:
        loose = os.stat(account.source).st_mode & 0o077
    except OSError:
        return
    if account.client_secret and loose:
        report.line(None, "%s holds a client secret and others can read it" % account.source,
                    "Run: chmod 600 %s" % account.source)


def _token_step(account, store, report, now):
    from offlineimap_oauth.hotpath import access_token, cached_token

    was_cached = cached_token(store.load(account.name), account, now()) is not None
    try:
        token, fresh_until = access_token(account, store, now=now)
    except Error as error:
        _error_line(report, "access token", error)
        return None, False
    report.line(True, "access token: %s, handed out until %s" % (
        "cached" if was_cached else "refreshed just now", _until(fresh_until, now)))
    return token, was_cached


def _fresh_token_step(account, store, report, now):
    """Refresh although the cached token looked valid; the new one or None."""
    from offlineimap_oauth.hotpath import serve

    try:
        token, fresh_until, _ = serve(account, store, now=now, force=True)
    except Error as error:
        _error_line(report, "fresh access token (the server refused the cached one)", error)
        return None
    report.line(None, "the server refused the cached token; the provider still accepts the "
                "stored login, so a fresh token was stored (handed out until %s)"
                % _until(fresh_until, now),
                "If this recurs, run: offlineimap-oauth logout %s && offlineimap-oauth "
                "login %s" % (account.name, account.name))
    return token


def _error_line(report, what, error):
    report.line(False, "%s: %s" % (what, error.message),
                "\n".join(error.problems + [error.hint or ""]).strip(), error.exit_code)


def _until(fresh_until, now):
    """When the token stops being handed out: its expiry less the refresh margin."""
    return "%s (%d min left)" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(fresh_until)),
                                 (fresh_until - now()) // 60)


def _claims_step(account, token, report):
    """Report the token's claims; the user the token belongs to, when it says."""
    claims = jwt_claims(token)
    if claims is None:
        report.line(True, "token claims: opaque token (normal for personal accounts)")
        return None
    scopes = set(str(claims.get("scp", "")).split())
    user = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
    audience = str(claims.get("aud", ""))
    report.line(True, "token claims: audience %s, user %s, scopes %s" % (
        audience, user, " ".join(sorted(scopes)) or "none"))
    if audience and audience.rstrip("/").lower() not in OUTLOOK_AUDIENCES:
        report.line(False, "token audience %s is not Outlook's: IMAP and SMTP refuse it"
                    % audience, "Write scopes = https://outlook.office.com/IMAP.AccessAsUser.All "
                    "https://outlook.office.com/POP.AccessAsUser.All "
                    "https://outlook.office.com/SMTP.Send in [account %s] (%s), then run: "
                    "offlineimap-oauth login %s" % (account.name, account.source, account.name),
                    EXIT_CONFIG)
    missing = [scope for scope in WANTED_SCOPES if scope not in scopes]
    if missing:
        report.line(None, "token lacks %s" % ", ".join(missing),
                    "Add the permission(s) to the app registration and to scopes in "
                    "[account %s], then: offlineimap-oauth login %s" % (account.name, account.name))
    return user


def _imap_steps(account, token, address, report, retry_follows=False, token_user=None):
    """True when AUTHENTICATE worked, False when the server refused the token,
    None when it could not be asked.  ``retry_follows``: a refusal is only a
    warning, because a fresh token will be tried next."""
    import imaplib

    host, port = address
    try:
        raw = socket.create_connection(address, timeout=NETWORK_TIMEOUT_S)
    except OSError as error:
        return report.line(False, "IMAP connect %s:%d: %s" % (host, port, error),
                           "Check the host and port (--imap-host, --imap-port) and the network.")
    report.line(True, "IMAP connect %s:%d" % (host, port))
    raw.close()
    try:
        connection = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                       timeout=NETWORK_TIMEOUT_S)
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as error:
        return report.line(False, "IMAP TLS: %s" % error,
                           "The server's certificate is not trusted or TLS failed.")
    report.line(True, "IMAP TLS (%s)" % connection.sock.version())
    try:
        return _imap_session(account, token, connection, report, retry_follows, token_user)
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _imap_session(account, token, connection, report, retry_follows, token_user):
    import imaplib

    try:
        connection.authenticate("XOAUTH2", _xoauth2_answers(account.user, token))
    except imaplib.IMAP4.error as error:
        if retry_follows:
            report.line(None, "IMAP AUTHENTICATE XOAUTH2 as %s refused the cached token (%s); "
                        "trying a fresh one" % (account.user, _text(error)))
        else:
            report.refused("IMAP AUTHENTICATE XOAUTH2 as %s" % account.user,
                           refusal(_text(error), account, token_user), _text(error))
        return False
    report.line(True, "IMAP AUTHENTICATE XOAUTH2 as %s" % account.user)
    try:
        _imap_mailbox_steps(account, connection, report, token_user)
    except (OSError, imaplib.IMAP4.error) as error:
        # Exchange sends some refusals as a BAD answer (imaplib raises on those).
        explained = refusal(_text(error), account, token_user)
        if type(explained) is not Error:
            return report.refused("IMAP after login", explained, _text(error)) or True
        report.line(False, "IMAP after login: %s" % _text(error),
                    "The server dropped the session: try again later, then see README's "
                    "troubleshooting.", EXIT_TRY_LATER)
    return True


def _imap_mailbox_steps(account, connection, report, token_user=None):
    status, data = connection.select("INBOX", readonly=True)
    if status != "OK":
        return report.refused("IMAP SELECT INBOX", refusal(_text(data), account, token_user),
                              _text(data))
    report.line(True, "IMAP SELECT INBOX: %s message(s)" % _text(data[0]))
    status, folders = connection.list()
    report.line(status == "OK", "IMAP LIST: %d folder(s)" % len(folders or []))


def _xoauth2_answers(user, token):
    """imaplib's authobject: the SASL string first, then an empty line.

    On failure Exchange and Dovecot send a '+ <base64 JSON error>'
    challenge that the client must answer with an empty line.
    """
    answers = [sasl_string(user, token)]

    def answer(_challenge):
        return answers.pop() if answers else b""

    return answer


def _smtp_steps(account, token, address, report, token_user=None):
    import smtplib

    host, port = address
    try:
        connection = smtplib.SMTP(host, port, timeout=NETWORK_TIMEOUT_S)
    except (OSError, smtplib.SMTPException) as error:
        return report.line(False, "SMTP connect %s:%d: %s" % (host, port, error),
                           "Check the host and port (--smtp-host, --smtp-port) and the network.")
    report.line(True, "SMTP connect %s:%d" % (host, port))
    try:
        connection.ehlo()
        connection.starttls(context=ssl.create_default_context())
        connection.ehlo()
        report.line(True, "SMTP STARTTLS (%s)" % connection.sock.version())
        code, reply = connection.docmd("AUTH", "XOAUTH2 " + sasl_base64(account.user, token))
        challenge = None
        if code == 334:  # the server sent an error challenge; an empty line ends it
            challenge = _text(reply)
            code, reply = connection.docmd("")
        if code == 235:
            report.line(True, "SMTP AUTH XOAUTH2 as %s (no message sent)" % account.user)
        else:
            said = "%d %s" % (code, _text(reply))
            if challenge and account.provider == "google":  # Gmail's base64 JSON status
                said = "334 %s\n%s" % (challenge, said)
            report.refused("SMTP AUTH XOAUTH2 as %s" % account.user,
                           refusal(said, account, token_user), said)
    except (OSError, ssl.SSLError, smtplib.SMTPException) as error:
        report.line(False, "SMTP: %s" % error, "The server or TLS failed; try again later.",
                    EXIT_TRY_LATER)
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass


def _user_step(account, store, report):
    state = store.load(account.name) or {}
    users = [entry.get("username", "") for entry in
             ((state.get("msal") or {}).get("Account") or {}).values()]
    if not users:
        return report.line(False, "signed-in user: none stored",
                           "Run: offlineimap-oauth login %s" % account.name)
    if account.user.lower() in (user.lower() for user in users):
        return report.line(True, "signed-in user is %s, as configured" % account.user)
    report.line(False, "signed-in user is %s, but [account %s] has user = %s"
                % (", ".join(users), account.name, account.user),
                "Run: offlineimap-oauth login %s and sign in as %s" % (account.name, account.user))


def _renewal_step(account, store, report, now):
    from offlineimap_oauth.status import DAY_S, STALE_RENEWAL_DAYS

    renewed = (store.load(account.name) or {}).get("renewed_at")
    if not renewed:
        return
    days = int((now() - renewed) // DAY_S)
    if days >= STALE_RENEWAL_DAYS:
        report.line(None, "refresh token last renewed %d days ago; Microsoft drops it after 90 "
                    "days unused" % days, "Run offlineimap or `offlineimap-oauth token %s` "
                    "regularly." % account.name)
    else:
        report.line(True, "refresh token renewed %d day(s) ago" % days)


def _offlineimap_step(report):
    from offlineimap_oauth.offlineimap import FIRST_GOOD_OFFLINEIMAP, offlineimap_version

    version = offlineimap_version()
    if version is None:
        return report.line(None, "offlineimap is not importable by this Python; the "
                           "pythonfile calls offlineimap-oauth by path then")
    text = ".".join(map(str, version))
    if version < FIRST_GOOD_OFFLINEIMAP:
        return report.line(False, "offlineimap %s asks for a token once per run and fails "
                           "after an hour" % text, "Install offlineimap 8.0.3 or newer.")
    report.line(True, "offlineimap %s re-reads the token at every login" % text)


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value if v)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Exception) and value.args:
        return _text(value.args[0])
    return str(value)
