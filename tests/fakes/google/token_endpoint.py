"""The token endpoint of the simulated Google sign-in.

Offers :class:`TokenEndpoint`: ``POST /token`` with the authorization_code
grant (client secret in the form or HTTP Basic, redirect URI, PKCE
verifier) and the refresh_token grant (refresh tokens are not rotated;
those of a client in "testing" die after 7 days of the fake's clock).
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import unquote

from . import errors
from .errors import GoogleError, json_reply
from .model import CODE_LIFETIME_S, TESTING_REFRESH_LIFETIME_S, Token


class TokenEndpoint:
    """Part of FakeGoogle.  Uses ``_clients``, ``_codes``, ``_tokens``, ``now()``."""

    def _ep_token(self, q, form, headers):
        try:
            client = self._authenticate(form, headers)
            grant_type = form.get("grant_type", "")
            if grant_type == "authorization_code":
                return json_reply(200, self._redeem_code(client, form))
            if grant_type == "refresh_token":
                return json_reply(200, self._refresh(client, form))
            raise GoogleError("unsupported_grant_type", "Invalid grant_type: %s" % grant_type)
        except GoogleError as error:
            return json_reply(error.status, error.as_json())

    def _authenticate(self, form, headers):
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = unquote(basic_id), unquote(basic_secret)
        client = self._clients.get(client_id or "")
        if client is None:
            raise errors.unknown_client(client_id)
        if not secret:
            raise errors.missing_secret()
        if secret != client.secret:
            raise errors.wrong_secret()
        return client

    def _redeem_code(self, client, form):
        grant = self._codes.get(form.get("code", ""))
        if grant is None or grant.used or grant.client_id != client.client_id \
                or self.now() - grant.issued_at > CODE_LIFETIME_S:
            raise errors.bad_code()
        if form.get("redirect_uri") != grant.redirect_uri:
            raise GoogleError("redirect_uri_mismatch", "Bad Request")
        if grant.challenge:
            verifier = form.get("code_verifier")
            if not verifier:
                raise errors.missing_verifier()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
            if digest.decode("ascii").rstrip("=") != grant.challenge:
                raise errors.bad_verifier()
        grant.used = True
        self.counts["code_redeemed"] += 1
        answer = self._access(client, grant.user, grant.scope)
        if grant.offline:
            lifetime = TESTING_REFRESH_LIFETIME_S if client.status == "testing" else None
            refresh = self._issue("refresh", client, grant.user, grant.scope, lifetime)
            answer["refresh_token"] = refresh.value
            answer["refresh_token_expires_in"] = lifetime  # Google sends it for testing apps
            if lifetime is None:
                del answer["refresh_token_expires_in"]
        return answer

    def _refresh(self, client, form):
        record = self._tokens.get(form.get("refresh_token", ""))
        if record is None or record.kind != "refresh" or record.revoked \
                or (record.expires_at is not None and self.now() >= record.expires_at):
            raise errors.revoked()
        if record.client_id != client.client_id:
            raise GoogleError("unauthorized_client", "Unauthorized")
        scope = form.get("scope") or record.scope
        if not set(scope.split()) <= set(record.scope.split()):
            raise GoogleError("invalid_scope", "Bad Request")
        self.counts["refreshed"] += 1
        return self._access(client, record.user, scope)  # no refresh_token: not rotated

    def _access(self, client, user, scope):
        token = self._issue("access", client, user, scope, self.access_token_lifetime)
        return {"access_token": token.value, "expires_in": self.access_token_lifetime,
                "scope": scope, "token_type": "Bearer"}

    def _issue(self, kind, client, user, scope, lifetime):
        now = self.now()
        token = Token(kind, client.client_id, user, scope, now,
                      None if lifetime is None else now + lifetime)
        self._tokens[token.value] = token
        return token
