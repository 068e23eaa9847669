"""The authorize endpoint of the simulated Google sign-in.

Offers :class:`Authorize`: ``GET /o/oauth2/v2/auth`` (and ``/o/oauth2/auth``).
Refusals before the redirect URI is trusted send the browser to Google's
error page; after that, errors go back to the redirect URI as ``error=``.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from . import errors
from .errors import GoogleError
from .model import KNOWN_SCOPES, OOB_REDIRECT, Grant

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


class Authorize:
    """Part of FakeGoogle.  Uses ``_clients``, ``_users``, ``_codes``, ``now()``."""

    def _ep_authorize(self, q, form, headers):
        client_id = q.get("client_id", "")
        try:
            client = self._clients.get(client_id)
            if client is None:
                raise errors.unknown_client(client_id)
            self._check_redirect(client, q.get("redirect_uri", ""))
            user = self._browser_user(q.get("login_hint"))
            if client.status == "testing" and user.email.lower() not in client.test_users:
                raise errors.not_a_test_user(self.app_name)
        except GoogleError as error:  # Google's own page: the app never hears of it
            self.counts["error_page"] += 1
            return errors.redirect_reply(errors.error_page_location(self.base_url, error,
                                                                    client_id))
        try:
            return self._grant(client, user, q)
        except GoogleError as error:
            return self._back(q, {"error": error.error})

    def _check_redirect(self, client, uri):
        if uri == OOB_REDIRECT:
            raise errors.oob_blocked()
        if client.kind == "web":
            if uri not in client.redirect_uris:
                raise errors.redirect_mismatch(uri)
            return
        parts = urlsplit(uri)
        # Desktop app clients: any port of a loopback address, http only.
        if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK_HOSTS \
                and "[%s]" % parts.hostname not in LOOPBACK_HOSTS:
            raise errors.redirect_mismatch(uri)

    def _browser_user(self, hint):
        email = self._signed_in or hint or ""
        user = self._users.get(email.lower())
        if user is None:
            raise GoogleError("access_denied", "Couldn't find your Google Account (test setup: "
                              "add_user() first)", 400)
        return user

    def _grant(self, client, user, q):
        if q.get("response_type") != "code":
            raise GoogleError("unsupported_response_type", "Invalid response_type")
        scopes = q.get("scope", "").split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            raise GoogleError("invalid_scope", "Some requested scopes were invalid.")
        method = q.get("code_challenge_method", "plain" if q.get("code_challenge") else None)
        if self.require_pkce and (not q.get("code_challenge") or method != "S256"):
            raise GoogleError("invalid_request", "code_challenge_method S256 required (fake)")
        if self._deny_consent:
            raise GoogleError("access_denied", "The user denied consent.")
        self.counts["consent"] += 1
        scopes = [scope for scope in scopes if scope not in self.unticked]  # granular consent
        grant = Grant(client.client_id, user, q["redirect_uri"], " ".join(scopes),
                      q.get("code_challenge"), method, q.get("access_type") == "offline",
                      self.now())
        self.last_authorize = dict(q)
        self._codes[grant.code] = grant
        return self._back(q, {"code": grant.code, "scope": " ".join(scopes)})

    def _back(self, q, params):
        if q.get("state") is not None:
            params = dict(params, state=q["state"])
        uri = q["redirect_uri"]
        return errors.redirect_reply(uri + ("&" if "?" in uri else "?") + urlencode(params))

    def _ep_error_page(self, q, form, headers):
        import base64

        blob = q.get("authError", "")
        text = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8", "replace")
        error, _, description = text.partition(": ")
        status = 403 if error == "access_denied" else 401 if error == "invalid_client" else 400
        return errors.error_page("Access blocked", error, description, status)
