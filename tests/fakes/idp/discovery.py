"""OpenID discovery and signing keys of the simulated identity platform.

Offers :class:`Discovery`: tenant path segments resolved the way Entra ID
resolves them (``consumers``, ``organizations``, ``common``, a tenant GUID
or domain; AADSTS90002 otherwise), the
``/{tenant}/v2.0/.well-known/openid-configuration`` document MSAL reads, and
the ``/{tenant}/discovery/v2.0/keys`` JWK set.
"""

from __future__ import annotations

from .errors import AadError
from .model import CONSUMERS_TENANT_ID, Reply, Tenant
from .replies import _json_reply
from .tokens import _signing_key


class Discovery:
    """Part of FakeIdentityPlatform: tenants, discovery document, keys.

    Uses the platform's ``_orgs`` and ``base_url``.
    """

    def _resolve_tenant(self, segment) -> Tenant:
        key = segment.lower()
        if key in ("consumers", CONSUMERS_TENANT_ID):
            return Tenant(segment, "consumers", CONSUMERS_TENANT_ID, "Microsoft Accounts")
        if key in ("organizations", "common"):
            return Tenant(segment, key, None, key)
        org = self._orgs.get(key)
        if org is None:
            raise AadError("invalid_tenant", 90002, (
                "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud. Check with your subscription "
                "administrator, this may happen if there are no active subscriptions for "
                "the tenant.") % segment)
        return Tenant(segment, "org", org.tenant_id, org.name)

    def _openid_configuration(self, tenant: Tenant) -> dict:
        base = "%s/%s" % (self.base_url, tenant.tenant_id if tenant.kind == "org"
                          else tenant.segment)
        issuer_tenant = tenant.tenant_id or "{tenantid}"
        return {
            "token_endpoint": base + "/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": base + "/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": "%s/%s/v2.0" % (self.base_url, issuer_tenant),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": base + "/oauth2/v2.0/authorize",
            "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": base + "/oauth2/v2.0/logout",
            "claims_supported": [
                "sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
                "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
                "c_hash", "email"],
            "kerberos_endpoint": base + "/kerberos",
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def _ep_discovery(self, segment, query, form, headers) -> Reply:
        try:
            return _json_reply(200, self._openid_configuration(self._resolve_tenant(segment)))
        except AadError as e:
            return _json_reply(e.status, e.as_json(headers.get("client-request-id")))

    def _ep_keys(self, segment, query, form, headers) -> Reply:
        return _json_reply(200, {"keys": [_signing_key()[2]]})
