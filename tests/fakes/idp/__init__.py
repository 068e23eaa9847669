"""A simulated Microsoft identity platform (Entra ID v2.0 endpoints) for tests.

Offers :class:`FakeIdentityPlatform`: an HTTPS server on 127.0.0.1 that real
MSAL talks to with ``authority=idp.authority(tenant)`` and
``instance_discovery=False``. It serves OpenID discovery, the authorize
endpoint (auto-consent, redirect with code + state), the token endpoint
(authorization_code with PKCE, refresh_token with rotation, device_code),
the device code endpoint, signing keys, and RFC 7662 introspection (for
Dovecot's oauth2 passdb and the SMTP test server).

The fake checks the protocol the way Microsoft does and answers with
Microsoft's error JSON (``AADSTSnnnnn: ...\\r\\nTrace ID: ...``): client id,
secret (value vs. id, expiry), public/confidential client, redirect URI,
PKCE verifier, code reuse and expiry, app audience vs. tenant, user vs.
tenant, scopes of two resources, consent, revoked and expired refresh tokens.
Tests drive it with ``add_org``/``add_user``/``register_app``, ``sign_in_as``,
``revoke``, ``expire_refresh_tokens``, ``fail``/``hang`` (faults), and read
``counts``.

Things MSAL does that shape this fake (msal 1.39):
- discovery is ``GET {authority}/v2.0/.well-known/openid-configuration``;
  MSAL reads authorization_endpoint, token_endpoint,
  device_authorization_endpoint (and issuer only for oidc_authority); the
  cache "realm" is the first path segment of token_endpoint.
- the nonce MSAL sends is already a SHA-256 hex digest; it checks that the
  id_token echoes it exactly. It does not verify signatures.
- MSAL caches HTTP 400 answers for 60 s in-process (except device-code
  polls) and 5xx answers for Retry-After seconds (default 60 s public,
  5 s confidential): a repeated identical request may never reach us.
- MSAL's own localhost receiver only accepts ``response_mode=form_post``;
  the nativeclient paste flow needs ``response_mode=query``. Both are served.

Modules: ``model`` (records, constants, scopes), ``encoding``, ``errors``
(AADSTS errors), ``replies`` (HTTP answers), ``tokens`` (minting),
``server``, ``dispatch`` (routes, faults), ``directory``, ``discovery``,
``checks``, ``authorize``, ``token_endpoint``, ``device``, ``inspection``,
and ``identity_platform``, which assembles them.
"""

from .errors import AadError
from .identity_platform import FakeIdentityPlatform
from .model import (CODE_LIFETIME_S, CONSUMERS_TENANT_ID, DEFAULT_REDIRECT_URIS,
                    DEVICE_CODE_GRANT, DEVICE_CODE_LIFETIME_S, ERROR_URI, GRAPH_RESOURCE,
                    HANG_LIMIT_S, ID_TOKEN_LIFETIME_S, NATIVECLIENT_REDIRECT_URI,
                    OUTLOOK_RESOURCE, RESERVED_SCOPES, TOKEN_LENGTHS, App, AuthCode,
                    DeviceCode, IssuedToken, Org, Reply, Tenant, User)

__all__ = [
    "FakeIdentityPlatform", "CONSUMERS_TENANT_ID", "NATIVECLIENT_REDIRECT_URI",
    "OUTLOOK_RESOURCE", "DEVICE_CODE_GRANT",
]
