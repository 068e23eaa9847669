"""A simulated Google sign-in (accounts.google.com + oauth2.googleapis.com) for tests.

Offers :class:`FakeGoogle`: an HTTPS server on 127.0.0.1 (the test CA of
``tests/fakes/tls.py``) that the real google-auth and google-auth-oauthlib
talk to when an account's ``auth_uri``/``token_uri`` point at it
(``google.auth_uri``, ``google.token_uri``).  It serves:

- the authorize endpoint (``/o/oauth2/v2/auth`` and the older
  ``/o/oauth2/auth``): client id, redirect URI (any loopback port for a
  Desktop app client, exact match for a Web client, the blocked
  ``urn:ietf:wg:oauth:2.0:oob``), PKCE S256, ``access_type=offline``,
  consent, test users of an app in "Testing"; refusals that Google shows
  on its own page redirect the browser to ``/signin/oauth/error/v2``
  (never back to the app), the rest go back to the redirect URI;
- the token endpoint (``/token``): authorization_code with the PKCE
  verifier and client secret (form or HTTP Basic) checked; refresh_token
  (refresh tokens are NOT rotated); Google's error JSON; refresh tokens of
  a "testing" client die after 7 days of the fake's clock;
- ``/tokeninfo`` (GET ``?access_token=``, also POST), as Dovecot's oauth2
  passdb introspects, and ``/revoke``.

Tests drive it with ``register_client``, ``add_user``, ``sign_in_as``,
``deny_consent``, ``advance`` (the clock), ``expire_refresh_tokens``,
``revoke``, ``fail``/``hang`` (faults), and read ``counts``/``issued``.

Modules: ``model`` (records, constants), ``errors`` (Google's error JSON
and error page), ``authorize``, ``token_endpoint``, ``tokeninfo``,
``service`` (routing, faults, clock; assembles the parts).
"""

from .model import (ACCESS_TOKEN_LIFETIME_S, MAIL_SCOPE, OOB_REDIRECT,
                    TESTING_REFRESH_LIFETIME_S, Client, User)
from .service import FakeGoogle

__all__ = ["FakeGoogle", "Client", "User", "MAIL_SCOPE", "OOB_REDIRECT",
           "ACCESS_TOKEN_LIFETIME_S", "TESTING_REFRESH_LIFETIME_S"]
