"""The simulated Google sign-in, assembled: state, routes, faults, clock, controls.

Offers :class:`FakeGoogle`; see the package docstring.  Serving over HTTPS
reuses the simulated Microsoft platform's server (``..idp.server``).
"""

from __future__ import annotations

import collections
import threading
import time
from urllib.parse import parse_qsl

from ..idp.server import Serving
from .authorize import Authorize
from .errors import error_page, json_reply
from .model import ACCESS_TOKEN_LIFETIME_S, HANG_LIMIT_S, Client, User, new_client_id
from .token_endpoint import TokenEndpoint
from .tokeninfo import TokenInfo

ROUTES = {
    ("GET", "/o/oauth2/v2/auth"): "authorize",
    ("GET", "/o/oauth2/auth"): "authorize",  # the older address, still in client JSON files
    ("GET", "/signin/oauth/error/v2"): "error_page",
    ("POST", "/token"): "token",
    ("POST", "/oauth2/v3/token"): "token",  # older addresses of the token endpoint
    ("POST", "/oauth2/v4/token"): "token",
    ("GET", "/tokeninfo"): "tokeninfo",
    ("POST", "/tokeninfo"): "tokeninfo",
    ("GET", "/oauth2/v3/tokeninfo"): "tokeninfo",
    ("POST", "/revoke"): "revoke",
}


class FakeGoogle(Serving, Authorize, TokenEndpoint, TokenInfo):
    """A simulated Google sign-in over HTTPS on 127.0.0.1.

    Settable: ``access_token_lifetime``, ``require_pkce``, ``app_name``,
    ``unticked`` (scopes the user unticks on the consent page).
    """

    def __init__(self, ca, *, access_token_lifetime=ACCESS_TOKEN_LIFETIME_S):
        self.ca = ca
        self.access_token_lifetime = access_token_lifetime
        self.require_pkce = True
        self.app_name = "offlineimap-oauth test app"
        self.counts = collections.Counter()
        self.request_log = []
        self.last_authorize = None
        self.base_url = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = self._thread = None
        self._clients, self._users, self._codes, self._tokens = {}, {}, {}, {}
        self._signed_in = None
        self._deny_consent = False
        self.unticked = set()  # scopes the user unticks on the consent page
        self._faults = []
        self._offset = 0.0

    # ----------------------------------------------------------- addresses
    @property
    def auth_uri(self):
        return self.base_url + "/o/oauth2/v2/auth"

    @property
    def token_uri(self):
        return self.base_url + "/token"

    @property
    def tokeninfo_uri(self):
        return self.base_url + "/tokeninfo"

    # ----------------------------------------------------------- directory
    def register_client(self, client_id=None, secret=None, kind="desktop", status="testing",
                        test_users=(), redirect_uris=()) -> Client:
        client = Client(client_id or new_client_id(), secret or "GOCSPX-fake-secret-value",
                        kind, status, test_users, redirect_uris)
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def add_user(self, email) -> User:
        with self._lock:
            return self._users.setdefault(email.lower(), User(email))

    def sign_in_as(self, email):
        """The account the browser is signed in with (None: the login_hint's)."""
        self._signed_in = email

    def deny_consent(self, deny=True):
        """The user presses Cancel on the consent page: error=access_denied."""
        self._deny_consent = deny

    # --------------------------------------------------------------- clock
    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds):
        """Move the fake's clock (refresh-token and access-token expiry)."""
        with self._lock:
            self._offset += seconds

    def expire_refresh_tokens(self, email=None):
        with self._lock:
            for token in self._tokens.values():
                if token.kind == "refresh" and (email is None or token.user.email == email):
                    token.expires_at = self.now() - 1

    def revoke(self, email):
        """The user removes the app's access: every token of theirs dies."""
        with self._lock:
            for token in self._tokens.values():
                if token.user.email.lower() == email.lower():
                    token.revoked = True

    def issued(self, kind=None):
        with self._lock:
            return [t for t in self._tokens.values() if kind is None or t.kind == kind]

    # -------------------------------------------------------------- faults
    def fail(self, status=500, count=1, path_contains="/token", html=False):
        """The next ``count`` matching requests answer HTTP ``status``; with ``html``,
        as a proxy or load balancer would: a page instead of Google's JSON."""
        with self._lock:
            self._faults.append({"kind": "fail", "status": status, "count": count,
                                 "path": path_contains, "html": html})

    def hang(self, seconds, count=1, path_contains="/token"):
        """The next ``count`` matching requests wait ``seconds`` (cut short by stop())."""
        with self._lock:
            self._faults.append({"kind": "hang", "seconds": min(seconds, HANG_LIMIT_S),
                                 "count": count, "path": path_contains})

    def _take_fault(self, kind, path):
        with self._lock:
            for fault in self._faults:
                if fault["kind"] == kind and fault["count"] > 0 and fault["path"] in path:
                    fault["count"] -= 1
                    return fault
        return None

    # ------------------------------------------------------------ dispatch
    def _handle(self, method, path, query, headers, body):
        # Like Google's servers: a body is form fields only when it says so.
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) \
            if kind == "application/x-www-form-urlencoded" else {}
        name = ROUTES.get((method, path))
        with self._lock:
            self.request_log.append((method, path))
            if name is not None:
                self.counts[form.get("grant_type") or name if name == "token" else name] += 1
        hang = self._take_fault("hang", path)
        if hang and self._stopping.wait(hang["seconds"]):
            return None
        fault = self._take_fault("fail", path)
        if fault is not None and fault["html"]:
            return error_page("Bad Gateway", "bad_gateway", "The proxy got no answer.",
                              fault["status"])
        if fault is not None:
            return json_reply(fault["status"], {"error": "internal_failure" if fault["status"]
                                                >= 500 else "invalid_request",
                                                "error_description": "Backend Error"})
        if name is None:
            return json_reply(404, {"error": "not_found", "error_description": path})
        with self._lock:
            return getattr(self, "_ep_" + name)(query, form, headers)
