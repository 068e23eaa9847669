"""accounts.conf settings of a ``provider = google`` account.

``check(raw, fields, problem)`` validates the raw values of one section the
way ``accounts._account`` runs its ``_check_*`` functions: ``problem(key,
text)`` records one "file:line: [account NAME] key: fix" line, and every
problem is reported at once.  ``validate(name, raw, source)`` does the same
for a plain dict and returns ``(GoogleAccount or None, problems)``.

On the token hot path: stdlib only, no dataclasses, pathlib or typing.
"""

from __future__ import annotations

import re

MAIL_SCOPE = "https://mail.google.com/"  # the only scope Gmail's IMAP and SMTP accept
# The endpoints of Google's client-secret JSON ("installed" section); the
# key names auth_uri/token_uri are the JSON's own, so users can copy them.
AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
# Google's device flow serves only a short list of scopes, and
# https://mail.google.com/ is not on it, so "device" is no flow for Gmail.
FLOWS = ("auto", "paste", "localhost")
KEYS = ("provider", "user", "client_id", "client_secret", "client_secret_command", "scopes",
        "flow", "auth_uri", "token_uri")
# Provider-neutral keys accounts.py checks itself (where tokens live, notices).
SHARED_KEYS = ("token_store", "gpg_key", "plaintext_access_token", "notify_command")
# Microsoft's keys, refused by name with what to do instead.
REFUSED = {
    "tenant": "Google accounts have no tenant; remove the line (tenant is for Microsoft)",
    "authority": "Google accounts have no authority; remove the line, or set auth_uri and "
                 "token_uri to override Google's endpoints",
    "redirect_uri": "remove the line: a Google Desktop app client accepts any loopback port "
                    "on 127.0.0.1, which login picks itself",
}
# A Desktop app (or Web) client id: project number, dash, key, fixed suffix.
CLIENT_ID_RE = re.compile(r"^[0-9]+-[0-9a-z]+\.apps\.googleusercontent\.com$")
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
HTTPS_URL_RE = re.compile(r"^https://[^/\s?#]+(/[^\s?#]*)?$")
CREDENTIALS_PAGE = "Google Cloud console -> APIs & Services -> Credentials"
# Gmail and Google Workspace mail: IMAP over TLS, SMTP with STARTTLS.
IMAP_HOST, IMAP_PORT = "imap.gmail.com", 993
SMTP_HOST, SMTP_PORT = "smtp.gmail.com", 587


class GoogleAccount:
    """One Gmail/Workspace mailbox's OAuth2 settings, validated.  Holds no tokens."""

    provider = "google"
    __slots__ = ("name", "user", "client_id", "client_secret", "client_secret_command",
                 "scopes", "flow", "auth_uri", "token_uri", "source", "notify_command",
                 "token_store", "gpg_key", "plaintext_access_token")

    def __init__(self, **fields):
        for slot in self.__slots__:
            setattr(self, slot, fields.get(slot))

    def __repr__(self) -> str:  # never shows the secret
        return "GoogleAccount(%r, user=%r)" % (self.name, self.user)

    # Desktop app clients always have a (non-secret) secret; the refresh
    # grant sends it, so a Google account is "confidential" in MSAL's terms.
    confidential = True
    redirect_uri = None  # chosen at login: http://127.0.0.1:PORT

    def binding(self) -> dict:
        """The settings stored tokens belong to; a change makes them unusable.

        The secret is left out (a rotated secret keeps the refresh token
        good); the token host is in (a token of a test stand-in must never
        go to Google, nor the reverse).
        """
        return {
            "provider": "google",
            "user": self.user.lower(),
            "client_id": self.client_id.lower(),
            "host": _host(self.token_uri),
            "scopes": sorted(scope.lower() for scope in self.scopes),
        }

    def client_secret_value(self) -> str | None:
        """The client secret, running ``client_secret_command`` if that is how it is given."""
        from offlineimap_oauth.secret_command import client_secret_value

        return client_secret_value(self)


def validate(name: str, raw: dict, source: str = "accounts.conf", lines=None):
    """(GoogleAccount or None, problems) for the raw values of ``[account NAME]``.

    ``lines`` maps a key to its line number in ``source`` (0 when unknown).
    """
    lines = lines or {}
    problems = []

    def problem(key, text):
        line = lines.get(key) or lines.get(None) or 0
        problems.append("%s:%d: [account %s]%s: %s" % (
            source, line, name, " " + key if key else "", text))

    fields = {"name": name, "source": source}
    check(raw, fields, problem)
    return (None if problems else GoogleAccount(**fields)), problems


def check(raw: dict, fields: dict, problem) -> None:
    """Validate ``raw`` (key -> unquoted value); fill ``fields``; report through ``problem``."""
    for key in raw:
        if key in REFUSED:
            problem(key, REFUSED[key] + _oob_note(key, raw[key]))
        elif key not in KEYS and key not in SHARED_KEYS:
            problem(key, "unknown key for a Google account; known keys: "
                    + ", ".join(KEYS + SHARED_KEYS))
    for part in (_check_identity, _check_secret, _check_endpoints, _check_scopes, _check_flow):
        part(raw, fields, problem)


def _check_identity(raw, fields, problem):
    user = raw.get("user", "")
    if not user:
        problem("user", "missing; set user = your Gmail or Google Workspace address")
    elif "@" not in user:
        problem("user", "%r is not a mail address; XOAUTH2 logs in with the full address" % user)
    client_id = raw.get("client_id", "")
    if not client_id:
        problem("client_id", "missing; create an OAuth client of type 'Desktop app' in %s "
                "and copy its Client ID (NNN-xxx.apps.googleusercontent.com)" % CREDENTIALS_PAGE)
    elif GUID_RE.match(client_id):
        problem("client_id", "%r is a Microsoft application ID; a Google client ID ends in "
                ".apps.googleusercontent.com (or remove provider = google)" % client_id)
    elif not CLIENT_ID_RE.match(client_id.lower()):
        problem("client_id", "%r is not a Google client ID (NNN-xxx.apps.googleusercontent.com); "
                "copy it from %s" % (client_id, CREDENTIALS_PAGE))
    fields.update(user=user, client_id=client_id)


def _check_secret(raw, fields, problem):
    secret, command = raw.get("client_secret"), raw.get("client_secret_command")
    if secret and command:
        problem("client_secret", "give client_secret or client_secret_command, not both")
    elif not secret and not command:
        key = "client_secret_command" if "client_secret_command" in raw else "client_secret"
        problem(key, "missing; a Google Desktop app client has a client secret (not really "
                "secret): copy it from %s, or set client_secret_command" % CREDENTIALS_PAGE)
    elif secret and CLIENT_ID_RE.match(secret.lower()):
        problem("client_secret", "this is the client ID; copy the Client secret beside it")
    fields.update(client_secret=secret or None, client_secret_command=command or None)


def _check_endpoints(raw, fields, problem):
    for key, default in (("auth_uri", AUTH_URI), ("token_uri", TOKEN_URI)):
        value = raw.get(key)
        value = value.rstrip("/") if value else default
        if not HTTPS_URL_RE.match(value):
            problem(key, "%r is not an https:// address (default %s)" % (value, default))
        fields[key] = value


def _check_scopes(raw, fields, problem):
    text = raw.get("scopes")
    scopes = []
    for scope in re.split(r"[\s,]+", text.strip()) if text else (MAIL_SCOPE,):
        if scope and scope not in scopes:
            scopes.append(scope)
    if MAIL_SCOPE not in scopes:
        problem("scopes", "Gmail's IMAP and SMTP accept only %s (gmail.send, gmail.readonly "
                "and the like are for the Gmail API); remove the key to use it" % MAIL_SCOPE)
    fields["scopes"] = tuple(scopes)


def _check_flow(raw, fields, problem):
    flow = (raw.get("flow") or "auto").lower()
    if flow == "device":
        problem("flow", "Google's device flow does not offer the Gmail scope; use flow = paste "
                "over SSH (or localhost on a desktop)")
    elif flow not in FLOWS:
        problem("flow", "%r is not one of %s" % (flow, ", ".join(FLOWS)))
    fields["flow"] = flow


def _oob_note(key: str, value: str) -> str:
    if key == "redirect_uri" and value.strip() == OOB_REDIRECT:
        return ("; Google blocked the out-of-band redirect %s in 2022 (\"The out-of-band (OOB) "
                "flow has been blocked\"), so it cannot be used any more" % OOB_REDIRECT)
    return ""


def _host(url: str) -> str:
    match = re.match(r"^https://([^/:]+)", url or "")
    return match.group(1).lower() if match else ""
