"""Records and constants of the simulated Google sign-in."""

from __future__ import annotations

import secrets

MAIL_SCOPE = "https://mail.google.com/"
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
ACCESS_TOKEN_LIFETIME_S = 3599  # Google's expires_in for an hour-long token
# Apps whose OAuth consent screen is in "Testing" (external user type) get
# refresh tokens that expire after 7 days.
TESTING_REFRESH_LIFETIME_S = 7 * 24 * 3600
CODE_LIFETIME_S = 600
HANG_LIMIT_S = 120  # hang() never holds a handler longer than this
# Scopes the fake knows (Google's short names expand on the consent page).
KNOWN_SCOPES = frozenset({MAIL_SCOPE, "openid", "email", "profile",
                          "https://www.googleapis.com/auth/userinfo.email",
                          "https://www.googleapis.com/auth/gmail.send",
                          "https://www.googleapis.com/auth/gmail.readonly"})
EMAIL_SCOPES = frozenset({"email", "https://www.googleapis.com/auth/userinfo.email"})


def new_client_id() -> str:
    return "%d-%s.apps.googleusercontent.com" % (
        secrets.randbelow(10 ** 12), secrets.token_hex(16))


class Client:
    """An OAuth client of a Google Cloud project."""

    def __init__(self, client_id, secret, kind="desktop", status="testing", test_users=(),
                 redirect_uris=()):
        self.client_id, self.secret = client_id, secret
        self.kind = kind  # "desktop" (installed) or "web"
        self.status = status  # consent screen publishing status: "testing" or "production"
        self.test_users = {user.lower() for user in test_users}
        self.redirect_uris = tuple(redirect_uris)  # Web clients only


class User:
    def __init__(self, email):
        self.email = email
        self.sub = str(100000000000000000000 + secrets.randbelow(10 ** 20))


class Grant:
    """An authorization code."""

    def __init__(self, client_id, user, redirect_uri, scope, challenge, method, offline, at):
        self.code = "4/0A" + secrets.token_urlsafe(60)
        self.client_id, self.user, self.redirect_uri = client_id, user, redirect_uri
        self.scope, self.challenge, self.method = scope, challenge, method
        self.offline, self.issued_at, self.used = offline, at, False


class Token:
    """An issued access or refresh token."""

    def __init__(self, kind, client_id, user, scope, issued_at, expires_at):
        prefix = "ya29.a0" if kind == "access" else "1//0"
        self.value = prefix + secrets.token_urlsafe(90 if kind == "access" else 70)
        self.kind, self.client_id, self.user, self.scope = kind, client_id, user, scope
        self.issued_at, self.expires_at, self.revoked = issued_at, expires_at, False
