"""Token introspection and revocation of the simulated Google.

``GET /tokeninfo?access_token=`` (also POST, the way Dovecot's oauth2
passdb sends it) answers Google's tokeninfo fields, all numbers as strings:
``azp``, ``aud``, ``sub``, ``scope``, ``exp``, ``expires_in``,
``access_type``, and ``email``/``email_verified`` only when the token has
the email scope.  An unknown, expired or revoked token gets HTTP 400
``{"error": "invalid_token", "error_description": "Invalid Value"}``.
For Dovecot (which needs a user name and an "active" flag) ``?dovecot=1``
adds ``"active": "true"`` and ``email`` always.
"""

from __future__ import annotations

from .errors import json_reply
from .model import EMAIL_SCOPES


class TokenInfo:
    """Part of FakeGoogle.  Uses ``_tokens``, ``now()``."""

    def tokeninfo(self, token: str, dovecot: bool = False):
        """Google's tokeninfo dict, or None for a token Google would refuse."""
        with self._lock:
            record = self._tokens.get(token)
            now = self.now()
            if record is None or record.kind != "access" or record.revoked \
                    or now >= record.expires_at:
                return None
            info = {"azp": record.client_id, "aud": record.client_id, "sub": record.user.sub,
                    "scope": record.scope, "exp": str(int(record.expires_at)),
                    "expires_in": str(int(record.expires_at - now)), "access_type": "offline"}
            if dovecot or set(record.scope.split()) & EMAIL_SCOPES:
                info.update(email=record.user.email, email_verified="true")
            if dovecot:
                info["active"] = "true"
            return info

    def _ep_tokeninfo(self, q, form, headers):
        token = q.get("access_token") or form.get("access_token") or ""
        auth = headers.get("Authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        info = self.tokeninfo(token, dovecot=bool(q.get("dovecot")))
        if info is None:
            return json_reply(400, {"error": "invalid_token", "error_description": "Invalid Value"})
        return json_reply(200, info)

    def _ep_revoke(self, q, form, headers):
        token = q.get("token") or form.get("token") or ""
        record = self._tokens.get(token)
        if record is None:
            return json_reply(400, {"error": "invalid_token", "error_description": "Bad Request"})
        self.revoke(record.user.email)
        return json_reply(200, {})
