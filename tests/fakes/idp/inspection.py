"""What tests read back from the simulated identity platform.

Offers :class:`Inspection`: the tokens issued so far (``issued``), every
secret handed out (``secrets_seen``, for leak checks), RFC 7662
introspection (``introspect`` and the ``/introspect`` endpoint Dovecot's
oauth2 passdb and the SMTP test server call), and ``visit``, which does what
a browser does with an authorize URL.
"""

from __future__ import annotations

import html
import http.client
import re
import time
from urllib.parse import urlsplit

from .encoding import _pairwise
from .model import Reply, _short_name
from .replies import _json_reply


class Inspection:
    """Part of FakeIdentityPlatform: issued tokens, introspection, visits.

    Uses the platform's ``_lock``, ``_tokens``, ``_codes``, ``_device_codes``,
    ``counts`` and ``ca``.
    """

    def issued(self, kind=None, username=None):
        """Tokens issued so far, oldest first: ``kind`` "access"/"refresh", one user."""
        with self._lock:
            records = sorted(self._tokens.values(), key=lambda record: record.serial)
        return [r for r in records
                if (kind is None or r.kind == kind)
                and (username is None or r.user.username.lower() == username.lower())]

    def secrets_seen(self):
        """Every token and authorization code this platform handed out."""
        with self._lock:
            return list(self._tokens) + list(self._codes) + [
                flow.device_code for flow in self._device_codes.values()]

    # --------------------------------------------------- introspection

    def introspect(self, token: str) -> dict:
        """RFC 7662 view of an access token: ``{"active": false}`` unless it is
        a known, unrevoked, unexpired access token."""
        with self._lock:
            self.counts["introspect"] += 1
            return self._introspect(token)

    def _introspect(self, token: str) -> dict:
        record = self._tokens.get(token)
        if record is None or record.kind != "access" or \
                record.serial <= max(record.user.revoked_serial, record.user.at_revoked_serial) \
                or record.expires_at <= time.time():
            return {"active": False}
        return {
            "active": True, "username": record.user.username,
            "scope": " ".join(map(_short_name, record.scopes)),
            "client_id": record.client_id, "exp": int(record.expires_at),
            "iat": int(record.issued_at), "sub": _pairwise(record.user.oid, record.client_id),
            "aud": record.resource, "token_type": "Bearer", "tid": record.user.tenant_id,
            "oid": record.user.oid,
        }

    def _ep_introspect(self, segment, q, form, headers) -> Reply:
        token = form.get("token") or q.get("token") or ""
        auth = headers.get("Authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return _json_reply(200, self._introspect(token))

    # ---------------------------------------------------------- helper

    def visit(self, url: str) -> str:
        """What a browser does with an authorize URL: GET it (trusting the test
        CA), do not follow the redirect, return the Location. Raises
        RuntimeError with the page text when the answer is not a redirect."""
        parts = urlsplit(url)
        conn = http.client.HTTPSConnection(parts.hostname, parts.port,
                                           context=self.ca.client_context(), timeout=30)
        try:
            conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        if response.status in (301, 302, 303, 307) and response.getheader("Location"):
            return response.getheader("Location")
        raise RuntimeError("HTTP %d from %s: %s" % (response.status, url, html.unescape(
            re.sub(r"<[^>]+>", " ", text)).strip()))
