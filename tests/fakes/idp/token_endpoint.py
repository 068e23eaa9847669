"""The token endpoint of the simulated identity platform.

Offers :class:`TokenEndpoint`: ``POST /{tenant}/oauth2/v2.0/token`` with
client authentication (form or HTTP Basic secret; public vs. confidential;
secret value vs. id; expired secret) and three grants: authorization_code
(single use, expiry, redirect URI, PKCE verifier), refresh_token (revoked
and expired tokens, rotation) and device_code (pending, expired, redeemed).
"""

from __future__ import annotations

import base64
import time
from typing import Optional
from urllib.parse import unquote_plus

from .encoding import _ms_timestamp, _pkce_challenge
from .errors import (AadError, _err_invalid_grant_generic, _err_other_client,
                     _err_redirect, _err_unknown_client)
from .model import DEVICE_CODE_GRANT, App, AuthCode, DeviceCode, Reply, Tenant
from .replies import _json_reply


class TokenEndpoint:
    """Part of FakeIdentityPlatform: authenticate clients, redeem grants.

    Uses the platform's ``_apps``, ``_codes``, ``_tokens``, ``_device_codes``,
    ``code_lifetime`` and ``device_auto_approve``.
    """

    def _ep_token(self, segment, q, form, headers) -> Reply:
        grants = {"authorization_code": self._grant_code,
                  "refresh_token": self._grant_refresh,
                  DEVICE_CODE_GRANT: self._grant_device}
        try:
            tenant = self._resolve_tenant(segment)
            app = self._authenticate_client(tenant, form, headers)
            grant = grants.get(form.get("grant_type", ""))
            if grant is None:
                raise AadError("unsupported_grant_type", 70003, "The app requested an "
                               "unsupported grant type '%s'." % form.get("grant_type", ""))
            return _json_reply(200, grant(app, tenant, form))
        except AadError as e:
            return _json_reply(e.status, e.as_json(headers.get("client-request-id")))

    def _authenticate_client(self, tenant: Tenant, form: dict, headers) -> App:
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        basic = headers.get("Authorization", "")
        if basic.lower().startswith("basic "):
            pair = base64.b64decode(basic[6:].strip()).decode("utf-8")
            basic_id, _, basic_secret = pair.partition(":")
            client_id = client_id or unquote_plus(basic_id)
            secret = secret or unquote_plus(basic_secret)
        app = self._apps.get(client_id)
        if app is None:
            raise _err_unknown_client(client_id, tenant.name)
        self._check_app_tenant(app, tenant)
        self._check_credential(app, secret, form.get("client_assertion"))
        return app

    @staticmethod
    def _check_credential(app: App, secret, assertion):
        if app.secret is None:
            if secret or assertion:
                raise AadError("invalid_client", 700025, "Client is public so neither "
                               "'client_assertion' nor 'client_secret' should be presented.", 401)
            return
        if not (secret or assertion):
            if app.public_client:
                return  # "Allow public client flows": public requests are fine
            raise AadError("invalid_client", 7000218, "The request body must contain the "
                           "following parameter: 'client_assertion' or 'client_secret'.", 401)
        if not secret:
            raise AadError("invalid_client", 700027,
                           "Client assertion failed signature validation.", 401)
        if secret != app.secret:
            raise AadError("invalid_client", 7000215, (
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID, for a secret added to "
                "app '%s'.") % app.client_id, 401)
        if app.secret_expired:
            raise AadError("invalid_client", 7000222, (
                "The provided client secret keys for app '%s' are expired. Visit the Azure "
                "portal to create new keys for your app: https://aka.ms/NewClientSecret, or "
                "consider using certificate credentials for added security: "
                "https://aka.ms/certCreds.") % app.client_id, 401)

    def _grant_code(self, app: App, tenant: Tenant, form: dict) -> dict:
        grant = self._codes.get(form.get("code", ""))
        if grant is None:
            raise _err_invalid_grant_generic()
        if grant.client_id != app.client_id:
            raise _err_other_client()
        if grant.used:
            raise AadError("invalid_grant", 54005, "OAuth2 Authorization code was already "
                           "redeemed, please retry with a new valid code or use an existing "
                           "refresh token.")
        if time.time() > grant.issued_at + self.code_lifetime:
            raise AadError("invalid_grant", 70008, "The provided authorization code or "
                           "refresh token has expired due to inactivity. Send a new "
                           "interactive authorization request for this user and resource.")
        redirect_uri = form.get("redirect_uri", "")
        if redirect_uri != grant.redirect_uri or not self._redirect_registered(app, redirect_uri):
            raise _err_redirect(redirect_uri, app.client_id)
        self._check_pkce(grant, form.get("code_verifier"))
        self._check_user_tenant(app, tenant, grant.user)
        scope = form.get("scope") or grant.scope
        self._check_scope(app, grant.user, scope)
        grant.used = True
        return self._issue(app, grant.user, scope, grant.nonce, form.get("client_info"))

    @staticmethod
    def _check_pkce(grant: AuthCode, verifier: Optional[str]):
        if grant.code_challenge is None:
            return
        if not verifier or _pkce_challenge(
                verifier, grant.code_challenge_method) != grant.code_challenge:
            raise AadError("invalid_grant", 501481, "The Code_Verifier does not match the "
                           "code_challenge supplied in the authorization request.")

    def _grant_refresh(self, app: App, tenant: Tenant, form: dict) -> dict:
        token = self._tokens.get(form.get("refresh_token", ""))
        if token is None or token.kind != "refresh":
            raise _err_invalid_grant_generic()
        if token.client_id != app.client_id:
            raise _err_other_client()
        user = token.user
        if token.serial <= user.revoked_serial:
            raise AadError("invalid_grant", 50173, (
                "The provided grant has expired due to it being revoked, a fresh auth token "
                "is needed. The user might have changed or reset their password. The grant "
                "was issued on '%s' and the TokensValidFrom date (before which tokens are not "
                "valid) for this user is '%s'.") % (
                    _ms_timestamp(token.issued_at), _ms_timestamp()))
        if token.serial <= user.rt_expired_serial:
            raise AadError("invalid_grant", 700082, (
                "The refresh token has expired due to inactivity. The token was issued on "
                "%s and was inactive for 90.00:00:00.") % _ms_timestamp(token.issued_at))
        self._check_user_tenant(app, tenant, user)
        scope = form.get("scope") or token.request_scope
        self._check_scope(app, user, scope)
        return self._issue(app, user, scope, None, form.get("client_info"))

    def _grant_device(self, app: App, tenant: Tenant, form: dict) -> dict:
        if not app.public_client:
            raise AadError("invalid_client", 7000218, "The request body must contain the "
                           "following parameter: 'client_assertion' or 'client_secret'.", 401)
        flow = self._device_codes.get(form.get("device_code") or form.get("code") or "")
        if flow is None:
            raise _err_invalid_grant_generic()
        if flow.client_id != app.client_id:
            raise _err_other_client()
        if time.time() > flow.expires_at:
            raise AadError("expired_token", 70020, "The provided value for the input "
                           "parameter 'device_code' is not valid. This device code has expired.")
        if flow.redeemed:
            raise AadError("invalid_grant", 54005, "OAuth2 Authorization code was already "
                           "redeemed, please retry with a new valid code or use an existing "
                           "refresh token.")
        self._maybe_auto_approve(flow)
        if flow.user is None:
            raise AadError("authorization_pending", 70016, "OAuth 2.0 device flow error. "
                           "Authorization is pending. Continue polling.")
        self._check_user_tenant(app, tenant, flow.user)
        self._check_scope(app, flow.user, flow.scope)
        flow.redeemed = True
        return self._issue(app, flow.user, flow.scope, None, form.get("client_info"))

    def _maybe_auto_approve(self, flow: DeviceCode):
        flow.polls += 1
        if flow.user is None and self.device_auto_approve and flow.polls > 1:
            self._approve(flow, self._default_user())
