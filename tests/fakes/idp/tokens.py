"""Token minting of the simulated identity platform.

Offers the process-wide RSA signing key and its JWK (``_signing_key``), RS256
JWTs (``_jwt``), and :class:`TokenIssuing`, the platform's part that builds a
successful token response and records every token it hands out: Entra ID
access tokens as signed JWTs of realistic length, Microsoft account access
tokens as opaque blobs, refresh tokens, id_tokens echoing the nonce, and
client_info.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .encoding import _b64url, _json_b64, _pairwise, _random_b64url
from .model import (GRAPH_RESOURCE, ID_TOKEN_LIFETIME_S, TOKEN_LENGTHS, App,
                    IssuedToken, User, _resource_of, _short_name, _split_scope)


@functools.lru_cache(maxsize=1)
def _signing_key():
    """One RSA key per test process: generating one per fake costs ~50 ms."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    kid = _b64url(hashlib.sha1(str(numbers.n).encode()).digest())
    jwk = {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
           "n": _b64url(numbers.n.to_bytes(256, "big")),
           "e": _b64url(numbers.e.to_bytes(3, "big"))}
    return key, kid, jwk


def _jwt(header: dict, claims: dict) -> str:
    key, _, _ = _signing_key()
    signing_input = _json_b64(header) + "." + _json_b64(claims)
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64url(signature)


def _refresh_token_size(user: User) -> int:
    """Byte count of a refresh token body: MSA ones are shorter than Entra ones."""
    return 300 if user.personal else 700 + secrets.randbelow(200)


class TokenIssuing:
    """Part of FakeIdentityPlatform: mint, record and answer with tokens.

    Uses the platform's ``_tokens``, ``_serial``, ``access_token_lifetime``
    and ``base_url``.
    """

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _issue(self, app: App, user: User, scope: str, nonce, client_info) -> dict:
        """A successful token response, every token recorded."""
        resources, reserved = _split_scope(scope)
        resource = _resource_of(resources[0]) if resources else GRAPH_RESOURCE
        lifetime = int(self.access_token_lifetime)
        response = {
            "token_type": "Bearer",
            "scope": " ".join(resources) if resources else " ".join(sorted(reserved)),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": self._new_access_token(app, user, resource, resources, lifetime),
        }
        if "offline_access" in reserved:
            response["refresh_token"] = self._new_refresh_token(app, user, resources, scope)
        if "openid" in reserved:
            response["id_token"] = self._id_token(app, user, nonce)
        if client_info == "1":
            response["client_info"] = self._client_info(user)
        return response

    def _record(self, kind, value, app, user, scopes, resource, lifetime, request_scope=""):
        now = time.time()
        self._tokens[value] = IssuedToken(kind, value, user, app.client_id, list(scopes),
                                          resource, now, now + lifetime,
                                          self._next_serial(), request_scope)
        return value

    def _new_access_token(self, app, user, resource, scopes, lifetime) -> str:
        target = secrets.randbelow(TOKEN_LENGTHS[1] - TOKEN_LENGTHS[0] - 300) + \
            TOKEN_LENGTHS[0] + 100
        if user.personal:  # MSA access tokens are opaque, encrypted blobs
            raw = secrets.token_bytes((target - 3) * 3 // 4)
            value = "EwB" + base64.b64encode(raw).decode("ascii")
        else:
            value = self._org_access_token(app, user, resource, scopes, lifetime, target)
        return self._record("access", value, app, user, scopes, resource, lifetime)

    def _org_access_token(self, app, user, resource, scopes, lifetime, target) -> str:
        now = int(time.time())
        _, kid, _ = _signing_key()
        header = {"typ": "JWT", "nonce": _random_b64url(32), "alg": "RS256",
                  "x5t": kid, "kid": kid}
        given, _, family = user.name.partition(" ")
        claims = {
            "aud": resource, "iss": "https://sts.windows.net/%s/" % user.tenant_id,
            "iat": now, "nbf": now, "exp": now + lifetime, "acct": 0, "acr": "1",
            "aio": "", "amr": ["pwd", "mfa"], "app_displayname": app.name,
            "appid": app.client_id, "appidacr": "1" if app.secret else "0",
            "family_name": family or given, "given_name": given, "idtyp": "user",
            "ipaddr": "127.0.0.1", "name": user.name, "oid": user.oid,
            "puid": hashlib.sha256(user.oid.encode()).hexdigest()[:16].upper(),
            "rh": "0.A" + _random_b64url(60) + ".", "scp": " ".join(map(_short_name, scopes)),
            "sid": str(uuid.uuid4()), "sub": _pairwise(user.oid, app.client_id),
            "tid": user.tenant_id, "unique_name": user.username, "upn": user.username,
            "uti": _random_b64url(16), "ver": "1.0",
            "wids": ["b79fbf4d-3ef9-4689-8143-76b194e85509"],
            "xms_st": {"sub": _pairwise(user.oid, "st")}, "xms_tcdt": 1600000000,
        }
        bare = len(_jwt(header, claims))
        claims["aio"] = _random_b64url(max(16, (target - bare) * 3 // 4))
        return _jwt(header, claims)

    def _new_refresh_token(self, app, user, scopes, request_scope) -> str:
        prefix = "M.C5" if user.personal else "0.A"
        value = prefix + _random_b64url(_refresh_token_size(user))
        return self._record("refresh", value, app, user, scopes, "", 90 * 86400,
                            request_scope)

    def _id_token(self, app: App, user: User, nonce) -> str:
        now = int(time.time())
        claims = {
            "ver": "2.0", "iss": "%s/%s/v2.0" % (self.base_url, user.tenant_id),
            "sub": _pairwise(user.oid, app.client_id), "aud": app.client_id,
            "exp": now + ID_TOKEN_LIFETIME_S, "iat": now, "nbf": now, "name": user.name,
            "preferred_username": user.username, "oid": user.oid, "tid": user.tenant_id,
            "aio": _random_b64url(96), "rh": "0.A" + _random_b64url(60) + ".",
            "uti": _random_b64url(16),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return _jwt({"typ": "JWT", "alg": "RS256", "kid": _signing_key()[1]}, claims)

    @staticmethod
    def _client_info(user: User) -> str:
        return _json_b64({"uid": user.oid, "utid": user.tenant_id})
