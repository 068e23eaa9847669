"""The authorize endpoint of the simulated identity platform.

Offers :class:`Authorize`: ``GET /{tenant}/oauth2/v2.0/authorize`` with
auto-consent. An unknown client or unregistered redirect URI gets an error
page; everything else is answered at the redirect URI per ``response_mode``
(query, fragment or form_post): an authorization code bound to client,
redirect URI, PKCE challenge and nonce, or Microsoft's error parameters.
"""

from __future__ import annotations

import secrets
import time
import uuid
from urllib.parse import urlencode

from .errors import AadError, _err_redirect, _err_unknown_client
from .model import ERROR_URI, App, AuthCode, Reply, Tenant
from .replies import _form_post_page, _html_page, _html_reply, _redirect_reply


class Authorize:
    """Part of FakeIdentityPlatform: the authorization code front channel.

    Uses the platform's ``_apps`` and ``_codes``.
    """

    def _ep_authorize(self, segment, q, form, headers) -> Reply:
        try:
            tenant = self._resolve_tenant(segment)
            app = self._apps.get(q.get("client_id", ""))
            if app is None:
                raise _err_unknown_client(q.get("client_id", ""), tenant.name)
            redirect_uri = q.get("redirect_uri", "")
            if not self._redirect_registered(app, redirect_uri):
                raise _err_redirect(redirect_uri, app.client_id)
        except AadError as e:  # no trusted redirect target: an error page
            return _html_reply(e.status, _html_page(
                "Sign in to your account", "AADSTS%d: %s" % (e.code, e.text)))
        try:
            return self._authorize(app, tenant, q)
        except AadError as e:
            return self._auth_response(q, {
                "error": e.error, "error_description": "AADSTS%d: %s" % (e.code, e.text),
                "error_uri": ERROR_URI % e.code})

    def _authorize(self, app: App, tenant: Tenant, q: dict) -> Reply:
        if "code" not in q.get("response_type", "").split():
            raise AadError("unsupported_response_type", 70005, "The provided value for the "
                           "input parameter 'response_type' is not allowed for this request.")
        self._check_app_tenant(app, tenant)
        method = q.get("code_challenge_method", "plain" if q.get("code_challenge") else "")
        if method not in ("", "S256", "plain"):
            raise AadError("invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
        user = self._default_user(q.get("login_hint"))
        if user is None:
            raise AadError("access_denied", 50034, "The user account does not exist in the "
                           "directory. (test setup: add_user() first)")
        self._check_user_tenant(app, tenant, user)
        grant = AuthCode(secrets.token_urlsafe(96), app.client_id, q["redirect_uri"],
                         q.get("scope", ""), user, time.time(), q.get("code_challenge"),
                         method or "S256", q.get("nonce"), tenant.segment)
        self._codes[grant.code] = grant
        self._add_consent(user, app, grant.scope)
        params = {"code": grant.code}
        if q.get("client_info") == "1":
            params["client_info"] = self._client_info(user)
        params["session_state"] = str(uuid.uuid4())
        return self._auth_response(q, params)

    def _auth_response(self, q: dict, params: dict) -> Reply:
        """Send the authorize result back per response_mode (query by default)."""
        if q.get("state") is not None:
            params = dict(params, state=q["state"])
        redirect_uri, mode = q["redirect_uri"], q.get("response_mode") or "query"
        if mode == "form_post":
            return _html_reply(200, _form_post_page(redirect_uri, params))
        sep = "#" if mode == "fragment" else ("&" if "?" in redirect_uri else "?")
        return _redirect_reply(redirect_uri + sep + urlencode(params))
