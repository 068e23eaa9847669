"""Google's failures -> what happened and the exact fix, phrased for one account.

The one place that turns Google's error answers into our exceptions, like
``offlineimap_oauth/explain.py`` does for Microsoft: token endpoint JSON
(``{"error": ..., "error_description": ...}``), authorize redirects with
``error=``, Google's own error page (pasted by the user), and what Gmail's
IMAP and SMTP servers answer when they refuse a token.

Sources for the texts (public reports; wording checked against several):
- "Token has been expired or revoked." is google-auth's RefreshError text for
  invalid_grant (e.g. googleapis/google-api-nodejs-client#2553); apps in
  "Testing" get refresh tokens that expire after 7 days
  (jeremyephron/simplegmail#135, fave77/pbchess#134).
- "The OAuth client was not found." (401, unknown client id) and
  "Unauthorized" (401, wrong secret): simonrob/email-oauth2-proxy#362,
  adrielcafe/AndroidOAuth#2; "client_secret is missing.":
  browserslist/browserslist-ga#12.
- Error 403 access_denied "has not completed the Google verification
  process ... can only be accessed by developer-approved testers":
  levz0r/gmail-tester#79, googleworkspace/cli#281.
- Error 400 redirect_uri_mismatch with a loopback redirect = a Web client:
  memrynote/memry#663, ntawileh/obsidian-google-lookup#43.
- "The out-of-band (OOB) flow has been blocked in order to keep users
  secure." (Error 400 invalid_request): google/android-management-api-samples#6.
- SMTP XOAUTH2 failure: ``334 eyJzdGF0dXMiOiI0MDAi...`` =
  ``{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}``
  (dart-lang/pub-dev#6128, PHPMailer/PHPMailer#1664), then after an empty
  line ``535-5.7.8 Username and Password not accepted`` (jstedfast/MailKit#1329).
- ``534-5.7.9 Application-specific password required``: a password login
  on an account with 2-Step Verification (PHPMailer/PHPMailer#1708).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import parse_qs, urlsplit

from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater, login_hint

CREDENTIALS = "Google Cloud console -> APIs & Services -> Credentials"
CONSENT_SCREEN = "Google Cloud console -> APIs & Services -> OAuth consent screen"
PERMISSIONS_PAGE = "https://myaccount.google.com/permissions"
TESTING_EXPIRY = ("an app whose OAuth consent screen is in 'Testing' gets refresh tokens that "
                  "expire after 7 days: publish the app (" + CONSENT_SCREEN + " -> Publish app; "
                  "no verification is needed for your own use) or log in weekly")
REVOKED_CAUSES = ("Google expires or revokes refresh tokens when " + TESTING_EXPIRY + "; when "
                  "the account's password is changed; when the token is unused for six months; "
                  "when access is removed at " + PERMISSIONS_PAGE + "; and when the account has "
                  "more than 100 refresh tokens for this client (the oldest die)")
WEB_CLIENT = ("client {client_id} is not a 'Desktop app' client (a 'Web application' client "
              "accepts only the redirect URIs registered for it): create an OAuth client of "
              "type 'Desktop app' in " + CREDENTIALS + " and put its ID and secret into "
              "[account {name}]")

# (error, words in error_description or None) -> (class, what happened, fix or None for
# "log in again").  Matched in order; descriptions are compared case-insensitively.
TOKEN_ERRORS = (
    ("invalid_grant", "expired or revoked",
     LoginRequired, "Google no longer accepts the stored login of [account {name}].",
     REVOKED_CAUSES + ". Then run: offlineimap-oauth login {name}"),
    ("invalid_grant", "code verifier",
     LoginRequired, "The code does not belong to this login attempt (PKCE check failed).", None),
    ("invalid_grant", "malformed",
     LoginRequired, "Google could not read the pasted code (cut short or changed).", None),
    ("invalid_grant", None,
     LoginRequired, "Google refused the code or token of [account {name}] (used already, "
     "expired, or from another login attempt).", None),
    ("invalid_client", "not found",
     ConfigError, "Google knows no OAuth client {client_id}.",
     "Copy the Client ID of a 'Desktop app' client from " + CREDENTIALS + " into client_id in "
     "[account {name}] ({source}); a deleted client must be created again."),
    ("invalid_client", None,
     ConfigError, "Google refused the client secret of [account {name}].",
     "Copy the Client secret of client {client_id} from " + CREDENTIALS + " (download the JSON "
     "or add a secret) into [account {name}] ({source}); the stored login stays valid."),
    ("invalid_request", "client_secret is missing",
     ConfigError, "Google wants the client secret of client {client_id}.",
     "Set client_secret or client_secret_command in [account {name}] ({source})."),
    ("redirect_uri_mismatch", None,
     ConfigError, "Google refused the loopback redirect for client {client_id}.",
     WEB_CLIENT[0].upper() + WEB_CLIENT[1:] + "."),
    ("unauthorized_client", None,
     ConfigError, "Client {client_id} may not use this grant.",
     WEB_CLIENT[0].upper() + WEB_CLIENT[1:] + "; then run: offlineimap-oauth login {name}"),
    ("invalid_scope", None,
     ConfigError, "Google refused the scopes of [account {name}].",
     "Remove scopes from [account {name}] to use https://mail.google.com/."),
    ("access_denied", None,
     LoginRequired, "The sign-in for [account {name}] was cancelled or refused.",
     "Run: offlineimap-oauth login {name} and choose Allow on Google's consent page. If Google "
     "said the app 'has not completed the Google verification process', add {user} under "
     + CONSENT_SCREEN + " -> Test users (or publish the app)."),
    ("admin_policy_enforced", None,
     ConfigError, "The Google Workspace administrator of {user} does not allow client {client_id}.",
     "Ask the admin to trust the app: Admin console -> Security -> Access and data control -> "
     "API controls -> Manage third-party app access."),
    ("org_internal", None,
     ConfigError, "Client {client_id} is internal to another Google Workspace organisation.",
     "Use a client of your own project, or set its consent screen's user type to External."),
)
TRY_LATER = frozenset({"server_error", "temporarily_unavailable", "internal_failure"})
OOB_WORDS = ("out-of-band", "oob")


def from_token_error(data, account, status: int | None = None) -> Error:
    """The exception for Google's token endpoint (or authorize redirect) error answer."""
    if not isinstance(data, dict):
        data = {"error": "server_error" if (status or 0) >= 500 else "invalid_request",
                "error_description": str(data)[:200]}
    error = str(data.get("error") or "")
    text = str(data.get("error_description") or "")
    said = "Google said: %s" % (error + (": " + text.strip().splitlines()[0] if text.strip() else ""))
    fields = _fields(account)
    if error in TRY_LATER or (status or 0) >= 500:
        return TryLater("Google's sign-in service failed for [account %s]." % account.name,
                        problems=[said], hint="Try again later; a still-valid cached token keeps "
                        "working meanwhile.", code=error or None)
    if error == "invalid_request" and any(word in text.lower() for word in OOB_WORDS):
        return _oob(account, said)
    for known, words, kind, what, fix in TOKEN_ERRORS:
        if known == error and (words is None or words in text.lower()):
            hint = fix.format(**fields) if fix else login_hint(account.name)
            return kind(what.format(**fields), problems=[said], hint=hint, code=error)
    return Error("Google refused the request for [account %s]." % account.name,
                 problems=[said], hint="Check [account %s] in %s; run again with -v for details."
                 % (account.name, fields["source"]), code=error or None)


def from_authorize_response(params: dict, account) -> Error:
    """The exception for ``error=...`` in the redirect Google sent to the loopback/paste."""
    return from_token_error({"error": params.get("error"),
                             "error_description": params.get("error_description")}, account)


def _oob(account, said: str) -> Error:
    return ConfigError(
        "Google blocked the out-of-band redirect urn:ietf:wg:oauth:2.0:oob (\"The out-of-band "
        "(OOB) flow has been blocked\"), which older Gmail setups used.", problems=[said],
        hint="Remove redirect_uri from [account %s]; offlineimap-oauth login %s uses a "
             "loopback address on 127.0.0.1 instead (over SSH: --flow paste)."
             % (account.name, account.name), code="invalid_request")


# Google's own error page (it never redirects a non-test user, a Web client's
# loopback redirect or the oob redirect back to the app): its address is
# https://accounts.google.com/signin/oauth/error[/v2]?authError=<base64>&client_id=...
# authError is an opaque base64 blob; the error word (access_denied,
# redirect_uri_mismatch, invalid_request...) appears in it in clear text.
ERROR_PAGE_PATH = re.compile(r"/signin/oauth/(error|deniedsigninrejected)", re.I)
PAGE_ERRORS = ("access_denied", "redirect_uri_mismatch", "admin_policy_enforced",
               "org_internal", "invalid_client", "invalid_request")


def is_error_page(url: str) -> bool:
    """Whether ``url`` is Google's sign-in error page rather than our redirect."""
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(ERROR_PAGE_PATH.search(parts.path))


def from_error_page(url: str, account) -> Error:
    """The exception for a pasted address of Google's sign-in error page."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    blob = _decode(query.get("authError", ""))
    word = next((w for w in PAGE_ERRORS if w in blob), None)
    if word == "invalid_request" and any(w in blob.lower() for w in OOB_WORDS):
        return _oob(account, "Google's error page: out-of-band (OOB) flow blocked")
    if word == "access_denied" or word is None:
        return ConfigError(
            "You pasted the address of Google's error page: Google refused the sign-in of %s "
            "before it came back to offlineimap-oauth." % account.user,
            problems=["Google's error page: %s" % (word or "no error word found")],
            hint="If the page said the app 'has not completed the Google verification process' "
                 "(Error 403: access_denied), add %s under %s -> Test users, or publish the app; "
                 "then run: offlineimap-oauth login %s" % (account.user, CONSENT_SCREEN,
                                                          account.name), code="access_denied")
    return from_token_error({"error": word}, account)


def _decode(blob: str) -> str:
    padded = blob + "=" * (-len(blob) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8", "replace")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return ""


def _fields(account) -> dict:
    return {"name": account.name, "user": account.user, "client_id": account.client_id,
            "source": account.source or "accounts.conf"}


# ---------------------------------------------------------------- servers

def xoauth2_challenge(text: str) -> dict | None:
    """The JSON Gmail sends base64-encoded after ``334`` when it refuses a token.

    Also accepts the decoded JSON (smtplib and imaplib hand the challenge to
    the auth callback decoded).
    """
    match = re.search(r"(?:^|\s)334[ -]([A-Za-z0-9+/=]{8,})", text or "")
    try:
        if match:
            decoded = json.loads(base64.b64decode(match.group(1)).decode("utf-8"))
        elif (text or "").lstrip().startswith('{"status"'):
            decoded = json.loads(text.strip().splitlines()[0])
        else:
            return None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


RELOGIN = ("offlineimap-oauth logout {name} && offlineimap-oauth login {name} (sign in as "
           "{user}; a private browser window avoids the browser's remembered account)")
IMAP_OFF = ("IMAP is switched off for {user}: for a Google Workspace account the admin turns it "
            "on in Admin console -> Apps -> Google Workspace -> Gmail -> End user access -> "
            "POP and IMAP access; for an older personal account, Gmail -> Settings -> "
            "Forwarding and POP/IMAP -> Enable IMAP.")
# Matched in order on the server's text -> (what, fix).  Gmail's two IMAP-off
# texts, "[ALERT] IMAP access is disabled for your domain." (a Workspace admin)
# and "[ALERT] Your account is not enabled for IMAP use." (the user's setting),
# are the ones mail clients match on, e.g. the IMAP probe of
# github.com/mozilla-b2g/gaia-email-libs-and-more (error name imap-disabled).
SERVER_REFUSALS = (
    ("IMAP access is disabled", "Gmail refused IMAP for {user}.", IMAP_OFF),
    ("not enabled for IMAP", "Gmail refused IMAP for {user}.", IMAP_OFF),
    ("5.7.9", "Gmail wants an app password: the login was a password login, not XOAUTH2.",
     "Use auth xoauth2 with passwordeval \"offlineimap-oauth token {name}\" in msmtprc "
     "(auth_mechanisms = XOAUTH2 in offlineimaprc)."),
    ("5.7.14", "Gmail wants a browser sign-in for {user} (a password login was tried).",
     "Use XOAUTH2 (auth xoauth2 in msmtprc, auth_mechanisms = XOAUTH2 in offlineimaprc)."),
    ("5.7.8", "Gmail's SMTP server refused the token for {user}.",
     "The token may belong to another Google account or lack https://mail.google.com/; run: "
     + RELOGIN),
    ("AUTHENTICATIONFAILED", "Gmail's IMAP server refused the token for {user} "
     "(\"Invalid credentials\").", "The token may belong to another Google account, be "
     "revoked, or lack https://mail.google.com/; run: " + RELOGIN),
)


def server_refusal(text: str, account) -> tuple:
    """(what happened, what to do) for Gmail's IMAP/SMTP refusal ``text``."""
    fields = _fields(account)
    challenge = xoauth2_challenge(text)
    if challenge is not None:
        status, scope = str(challenge.get("status", "")), challenge.get("scope", "")
        return ("Gmail refused the token for %s (XOAUTH2 status %s, wants scope %s)."
                % (account.user, status or "?", scope or "?"),
                "Run: offlineimap-oauth token %s --refresh; if it persists: %s"
                % (account.name, RELOGIN.format(**fields)))
    for marker, what, fix in SERVER_REFUSALS:
        if marker.lower() in (text or "").lower():
            return what.format(**fields), fix.format(**fields)
    return ("Gmail refused: %s" % (text or "").strip()[:200],
            "Run: offlineimap-oauth check %s -v, and see README's troubleshooting." % account.name)
