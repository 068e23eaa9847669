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
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import functools
import hashlib
import html
import http.client
import json
import re
import secrets
import socket
import string
import threading
import time
import uuid
import weakref
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Set
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "FakeIdentityPlatform", "CONSUMERS_TENANT_ID", "NATIVECLIENT_REDIRECT_URI",
    "OUTLOOK_RESOURCE", "DEVICE_CODE_GRANT",
]

CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
NATIVECLIENT_REDIRECT_URI = "https://login.microsoftonline.com/common/oauth2/nativeclient"
DEFAULT_REDIRECT_URIS = (NATIVECLIENT_REDIRECT_URI, "http://localhost")
OUTLOOK_RESOURCE = "https://outlook.office.com"
GRAPH_RESOURCE = "https://graph.microsoft.com"  # resource of bare scope names
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
RESERVED_SCOPES = frozenset(["openid", "profile", "offline_access", "email"])
CODE_LIFETIME_S = 600  # Microsoft's authorization codes live about 10 minutes
DEVICE_CODE_LIFETIME_S = 900  # Microsoft's device codes: 15 minutes
ID_TOKEN_LIFETIME_S = 3600
TOKEN_LENGTHS = (1500, 2400)  # real access tokens; short ones hide msmtp bugs
HANG_LIMIT_S = 120  # hang() never holds a handler longer than this
ERROR_URI = "https://login.microsoftonline.com/error?code=%d"
_SERVER_CERTS = weakref.WeakKeyDictionary()  # TestCA -> (cert, key): keygen is slow


# ---------------------------------------------------------------- encoding

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_b64(obj) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def _random_b64url(nbytes: int) -> str:
    return _b64url(secrets.token_bytes(nbytes))


def _ms_timestamp(epoch: Optional[float] = None) -> str:
    """Microsoft's error timestamp format: ``2026-01-31 12:34:56Z``."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(epoch))


def _pkce_challenge(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _pairwise(*parts: str) -> str:
    return _b64url(hashlib.sha256("|".join(parts).encode("utf-8")).digest())


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


# ------------------------------------------------------------------ errors

class AadError(Exception):
    """A refusal the way Entra ID words it: OAuth error, AADSTS code, text."""

    def __init__(self, error: str, code: int, text: str, status: int = 400):
        super().__init__("%s AADSTS%d: %s" % (error, code, text))
        self.error, self.code, self.text, self.status = error, code, text, status

    def as_json(self, correlation_id: Optional[str] = None) -> dict:
        """Microsoft's token-endpoint error body."""
        trace_id, stamp = str(uuid.uuid4()), _ms_timestamp()
        correlation_id = correlation_id or str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s"
                                 "\r\nTimestamp: %s" % (self.code, self.text, trace_id,
                                                         correlation_id, stamp),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": ERROR_URI % self.code,
        }


def _err_unknown_client(client_id, directory):
    return AadError("unauthorized_client", 700016, (
        "Application with identifier '%s' was not found in the directory '%s'. This can "
        "happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant.") % (client_id, directory))


def _err_redirect(uri, client_id):
    return AadError("invalid_request", 50011, (
        "The redirect URI '%s' specified in the request does not match the redirect URIs "
        "configured for the application '%s'. Make sure the redirect URI sent in the "
        "request matches one added to your application in the Azure portal. Navigate to "
        "https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
    ) % (uri, client_id))


def _err_invalid_grant_generic():
    return AadError("invalid_grant", 9002313,
                    "Invalid request. Request is malformed or invalid.")


def _err_other_client():
    return AadError("invalid_grant", 70000, "Provided grant is invalid or malformed. "
                    "The grant was issued to a different client.")


# ----------------------------------------------------------------- records

@dataclasses.dataclass
class Org:
    tenant_id: str
    domains: tuple
    name: str


@dataclasses.dataclass
class User:
    username: str
    tenant_id: str
    oid: str
    name: str
    revoked_serial: int = 0  # tokens with a serial <= this are revoked
    rt_expired_serial: int = 0  # refresh tokens with a serial <= this expired

    @property
    def personal(self) -> bool:
        return self.tenant_id == CONSUMERS_TENANT_ID


@dataclasses.dataclass
class App:
    client_id: str
    audience: str
    secret: Optional[str]
    secret_id: Optional[str]
    secret_expired: bool
    redirect_uris: tuple
    public_client: bool
    name: str


@dataclasses.dataclass
class Tenant:
    """A tenant path segment as resolved: kind consumers/organizations/common/org."""
    segment: str
    kind: str
    tenant_id: Optional[str]
    name: str


@dataclasses.dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    issued_at: float
    code_challenge: Optional[str] = None
    code_challenge_method: str = "S256"
    nonce: Optional[str] = None
    tenant: str = ""
    used: bool = False


@dataclasses.dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    tenant: str
    expires_at: float
    user: Optional[User] = None
    polls: int = 0
    redeemed: bool = False


@dataclasses.dataclass
class IssuedToken:
    kind: str  # "access" or "refresh"
    value: str
    user: User
    client_id: str
    scopes: List[str]  # resource scopes as full names
    resource: str
    issued_at: float
    expires_at: float
    serial: int
    request_scope: str = ""  # refresh tokens: what a scope-less refresh gets


Reply = collections.namedtuple("Reply", "status headers body")


# ------------------------------------------------------------------ scopes

def _resource_of(scope: str) -> str:
    if "://" in scope or scope.startswith("api:"):
        return scope.rsplit("/", 1)[0]
    return GRAPH_RESOURCE


def _short_name(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


def _split_scope(scope: str):
    """(resource scopes in request order, reserved scopes set)."""
    words = scope.split()
    resources = [w for w in words if w.lower() not in RESERVED_SCOPES]
    return resources, {w.lower() for w in words} & RESERVED_SCOPES


# ------------------------------------------------------------------- pages

def _html_page(title: str, text: str) -> bytes:
    return ("<!DOCTYPE html><html><head><title>%s</title></head><body>"
            "<h1>%s</h1><p>%s</p></body></html>" % (
                html.escape(title), html.escape(title), html.escape(text, quote=False))
            ).encode("utf-8")


def _form_post_page(action: str, fields: dict) -> bytes:
    """Microsoft's response_mode=form_post page: a form a script submits."""
    inputs = "".join('<input type="hidden" name="%s" value="%s" />' % (
        html.escape(k), html.escape(v)) for k, v in fields.items())
    return ('<html><head><title>Working...</title></head><body>'
            '<form method="POST" name="hiddenform" action="%s">%s'
            '<noscript><p>Script is disabled. Click Submit to continue.</p>'
            '<input type="submit" value="Submit" /></noscript></form>'
            '<script language="javascript">document.forms[0].submit();</script>'
            '</body></html>' % (html.escape(action), inputs)).encode("utf-8")


def _json_reply(status: int, obj, extra_headers=None) -> Reply:
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
    headers.update(extra_headers or {})
    return Reply(status, headers, json.dumps(obj).encode("utf-8"))


def _html_reply(status: int, body: bytes) -> Reply:
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, body)


def _redirect_reply(location: str) -> Reply:
    return Reply(302, {"Location": location, "Content-Type": "text/html; charset=utf-8"},
                 b"<html><body>Object moved</body></html>")


def _fault_body(status: int) -> dict:
    if status == 503:
        err = AadError("temporarily_unavailable", 90033,
                       "A transient error has occurred. Please try again.", 503)
    else:
        err = AadError("server_error", 50000, "There was an error issuing a token or an "
                       "issue with our sign-in service.", status)
    return err.as_json()


# ------------------------------------------------------------------ server

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Dovecot reuses connections
    timeout = 60  # idle keep-alive connections
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def setup(self):
        # The TLS handshake runs here, in the connection's own thread, so a
        # stalled client never blocks the accept loop.
        self.request.settimeout(10)
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _dispatch(self):
        body = self._read_body()  # always: keep-alive clients send the next request
        url = urlsplit(self.path)
        reply = self.server.platform._handle(
            self.command, url.path, dict(parse_qsl(url.query, keep_blank_values=True)),
            self.headers, body)
        if reply is None:  # stopping during a hang: drop the connection
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format, *args):
        pass  # the platform keeps its own request log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hanging handlers

    def __init__(self, platform, context):
        self.platform = platform
        self._connections = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        pass  # TLS handshake failures, clients hanging up: not test failures

    def close_connections(self):
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# ---------------------------------------------------------------- platform

class FakeIdentityPlatform:
    """A simulated Microsoft identity platform over HTTPS on 127.0.0.1.

    Use as a context manager or with ``start()``/``stop()``. ``base_url`` is
    ``https://127.0.0.1:PORT``; ``authority(tenant)`` the MSAL authority.
    Settable: ``access_token_lifetime``, ``device_interval``,
    ``device_auto_approve``, ``code_lifetime``.
    """

    def __init__(self, ca, *, access_token_lifetime=3600, device_interval=1):
        self.ca = ca
        self.access_token_lifetime = access_token_lifetime
        self.device_interval = device_interval
        self.device_auto_approve = True
        self.code_lifetime = CODE_LIFETIME_S
        self.counts = collections.Counter()
        self.request_log = []  # (method, path) of every request, for debugging
        self.base_url = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server = None
        self._thread = None
        self._orgs: Dict[str, Org] = {}  # tenant id and every domain, lower case
        self._users: Dict[str, User] = {}  # lower-case username
        self._apps: Dict[str, App] = {}
        self._signed_in: Optional[str] = None
        self._codes: Dict[str, AuthCode] = {}
        self._device_codes: Dict[str, DeviceCode] = {}
        self._tokens: Dict[str, IssuedToken] = {}
        self._consent: Dict[tuple, Set[str]] = {}
        self._faults: List[dict] = []
        self._serial = 0

    # ---------------------------------------------------------- lifecycle

    def start(self):
        """Listen on a free port of 127.0.0.1 and serve in a daemon thread."""
        if self.ca not in _SERVER_CERTS:
            _SERVER_CERTS[self.ca] = self.ca.issue_server_cert("127.0.0.1")
        cert, key = _SERVER_CERTS[self.ca]
        self._stopping.clear()
        self._server = _Server(self, self.ca.server_context(cert, key))
        self.base_url = "https://127.0.0.1:%d" % self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-idp", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving; wakes hanging handlers and closes kept-alive connections."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def authority(self, tenant) -> str:
        """The MSAL authority URL for a tenant path segment."""
        return "%s/%s" % (self.base_url, tenant)

    # ------------------------------------------------------- directory

    def add_org(self, tenant_id, domains=("contoso.onmicrosoft.com",), name=None):
        """Register an organisation (tenant GUID and its domains)."""
        name = name or (domains[0].split(".")[0].capitalize() if domains else tenant_id)
        org = Org(tenant_id.lower(), tuple(d.lower() for d in domains), name)
        with self._lock:
            for key in (org.tenant_id,) + org.domains:
                self._orgs[key] = org
        return org

    def add_user(self, username, *, tenant_id=CONSUMERS_TENANT_ID, name=None) -> User:
        """Add a personal (consumers) or work (org tenant) account."""
        tenant_id = tenant_id.lower()
        if tenant_id != CONSUMERS_TENANT_ID and tenant_id not in self._orgs:
            raise ValueError("add_org(%r) before adding users to it" % tenant_id)
        user = User(username, tenant_id, self._oid(username, tenant_id),
                    name or username.split("@")[0].replace(".", " ").title())
        with self._lock:
            self._users[username.lower()] = user
        return user

    @staticmethod
    def _oid(username, tenant_id):
        digest = hashlib.sha256(username.lower().encode("utf-8")).hexdigest()
        if tenant_id == CONSUMERS_TENANT_ID:  # MSA object ids look like this
            return "00000000-0000-0000-%s-%s" % (digest[:4], digest[4:16])
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s" % (tenant_id, username.lower())))

    def register_app(self, client_id, *, audience, secret=None, secret_id=None,
                     secret_expired=False, redirect_uris=DEFAULT_REDIRECT_URIS,
                     public_client=False, name="mail app") -> App:
        """Register an application.

        audience: "consumers", "organizations", "common" or an org GUID.
        ``secret`` makes it confidential; ``public_client`` is Azure's "Allow
        public client flows" (device code; no secret required).
        """
        if audience not in ("consumers", "organizations", "common") and \
                audience.lower() not in self._orgs:
            raise ValueError("unknown audience %r: add_org() first" % audience)
        app = App(client_id, audience.lower(), secret, secret_id or str(uuid.uuid4()),
                  secret_expired, tuple(redirect_uris), public_client, name)
        with self._lock:
            self._apps[client_id] = app
        return app

    def sign_in_as(self, username):
        """The account later sign-ins use (sticky; ``None`` restores the default:
        the login_hint when it is a known user, else the first user added)."""
        if username is not None and username.lower() not in self._users:
            raise ValueError("unknown user %r" % username)
        self._signed_in = username.lower() if username else None

    def revoke(self, username):
        """Invalidate every refresh and access token of that user issued so far."""
        with self._lock:
            self._user(username).revoked_serial = self._serial

    def expire_refresh_tokens(self, username):
        """Make that user's refresh tokens issued so far expired (AADSTS700082)."""
        with self._lock:
            self._user(username).rt_expired_serial = self._serial

    def _user(self, username) -> User:
        try:
            return self._users[username.lower()]
        except KeyError:
            raise ValueError("unknown user %r" % username) from None

    def reset_counts(self):
        self.counts.clear()

    # ----------------------------------------------------------- faults

    def fail(self, status=500, count=1, path_contains="/token", retry_after=None):
        """The next ``count`` requests whose path contains ``path_contains``
        answer HTTP ``status`` with Microsoft's error JSON (and Retry-After)."""
        with self._lock:
            self._faults.append({"kind": "fail", "status": status, "count": count,
                                 "path": path_contains, "retry_after": retry_after})

    def hang(self, seconds, count=1, path_contains="/token"):
        """The next ``count`` matching requests wait ``seconds`` (at most
        HANG_LIMIT_S, cut short by stop()) and then answer normally."""
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

    # -------------------------------------------------------- dispatch

    _ROUTES = [
        ("GET", re.compile(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$"), "discovery"),
        ("GET", re.compile(r"^/([^/]+)/oauth2/v2\.0/authorize$"), "authorize"),
        ("POST", re.compile(r"^/([^/]+)/oauth2/v2\.0/token$"), "token"),
        ("POST", re.compile(r"^/([^/]+)/oauth2/v2\.0/devicecode$"), "devicecode"),
        ("GET", re.compile(r"^/([^/]+)/discovery/v2\.0/keys$"), "keys"),
        ("GET", re.compile(r"^/(devicelogin)$"), "devicelogin"),
        ("POST", re.compile(r"^/(introspect)$"), "introspect"),
        ("GET", re.compile(r"^/(introspect)$"), "introspect"),
    ]

    def _route(self, method, path):
        for route_method, pattern, name in self._ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                return name, match.group(1)
        return None, None

    def _handle(self, method, path, query, headers, body) -> Optional[Reply]:
        """Answer one HTTP request; None means "drop the connection" (stopping)."""
        name, segment = self._route(method, path)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            self.request_log.append((method, path))
            if name is not None:
                self.counts[form.get("grant_type", "") if name == "token" else name] += 1
        hang = self._take_fault("hang", path)
        if hang and self._stopping.wait(hang["seconds"]):
            return None
        fault = self._take_fault("fail", path)
        if fault is not None:
            extra = {} if fault["retry_after"] is None else {
                "Retry-After": str(fault["retry_after"])}
            return _json_reply(fault["status"], _fault_body(fault["status"]), extra)
        if name is None:
            return _json_reply(404, {"error": "not_found", "error_description": path})
        with self._lock:
            return getattr(self, "_ep_" + name)(segment, query, form, headers)

    # ------------------------------------------------------- discovery

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

    # -------------------------------------------------- audience rules

    def _check_app_tenant(self, app: App, tenant: Tenant):
        """Raise the error Entra ID gives for this app audience on this path."""
        label = "Application '%s'(%s)" % (app.client_id, app.name)
        if app.audience == "consumers":
            if tenant.kind in ("common", "organizations"):
                raise AadError("invalid_request", 9002331, label + (
                    " is configured for use by Microsoft Account users only. Please use "
                    "the /consumers endpoint to serve this request."))
            if tenant.kind == "org":
                raise _err_unknown_client(app.client_id, tenant.name)
        elif tenant.kind == "consumers" and app.audience != "common":
            raise AadError("invalid_request", 9002332, label + (
                " is configured for use by Azure Active Directory users only. Please do "
                "not use the /consumers endpoint to serve this request."))
        elif app.audience not in ("common", "organizations"):  # single tenant
            if tenant.kind in ("common", "organizations"):
                raise AadError("invalid_request", 50194, label + (
                    " is not configured as a multi-tenant application. Usage of the "
                    "/common endpoint is not supported for such applications created "
                    "after '10/15/2018'. Use a tenant-specific endpoint or configure the "
                    "application to be multi-tenant."))
            if tenant.tenant_id != app.audience:
                raise _err_unknown_client(app.client_id, tenant.name)

    def _check_user_tenant(self, app: App, tenant: Tenant, user: User):
        """Raise the error for a user signing in where their account is not."""
        if tenant.kind == "org" and user.tenant_id != tenant.tenant_id:
            raise self._err_not_in_tenant(app, user, tenant.name)
        if tenant.kind == "consumers" and not user.personal:
            raise self._err_not_in_tenant(app, user, tenant.name)
        if user.personal and (tenant.kind == "organizations" or (
                tenant.kind == "common" and app.audience != "common")):
            raise AadError("invalid_request", 500200, (
                "User account '%s' is a personal Microsoft account. Personal Microsoft "
                "accounts are not supported for this application unless explicitly invited "
                "to an organization. Try signing out and signing back in with an "
                "organizational account.") % user.username)

    @staticmethod
    def _err_not_in_tenant(app, user, tenant_name):
        idp = "live.com" if user.personal else "https://sts.windows.net/%s/" % user.tenant_id
        return AadError("invalid_request", 50020, (
            "User account '%s' from identity provider '%s' does not exist in tenant '%s' "
            "and cannot access the application '%s'(%s) in that tenant. The account needs "
            "to be added as an external user in the tenant first. Sign out and sign in "
            "again with a different Azure Active Directory user account.") % (
                user.username, idp, tenant_name, app.client_id, app.name))

    @staticmethod
    def _redirect_registered(app: App, uri: str) -> bool:
        if uri in app.redirect_uris:
            return True
        asked = urlsplit(uri)
        if asked.scheme != "http" or asked.hostname not in ("localhost", "127.0.0.1"):
            return False
        for registered in map(urlsplit, app.redirect_uris):  # loopback: any port
            if (registered.scheme, registered.hostname) == ("http", asked.hostname) and \
                    (registered.path or "/") == (asked.path or "/"):
                return True
        return False

    def _default_user(self, login_hint=None) -> Optional[User]:
        if self._signed_in:
            return self._users[self._signed_in]
        if login_hint and login_hint.lower() in self._users:
            return self._users[login_hint.lower()]
        return next(iter(self._users.values()), None)

    # ------------------------------------------------------- authorize

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

    def _add_consent(self, user: User, app: App, scope: str):
        resources, _ = _split_scope(scope)
        self._consent.setdefault((user.username.lower(), app.client_id), set()).update(
            s.lower() for s in resources)

    # ----------------------------------------------------------- token

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

    def _check_scope(self, app: App, user: User, scope: str):
        resources, _ = _split_scope(scope)
        if len({_resource_of(s).lower() for s in resources}) > 1:
            raise AadError("invalid_scope", 28000, (
                "Provided value for the input parameter scope is not valid because it "
                "contains more than one resource. Scope %s is not valid.") % scope)
        consented = self._consent.get((user.username.lower(), app.client_id), set())
        if any(s.lower() not in consented for s in resources):
            raise AadError("invalid_grant", 65001, (
                "The user or administrator has not consented to use the application with "
                "ID '%s' named '%s'. Send an interactive authorization request for this "
                "user and resource.") % (app.client_id, app.name))

    # --------------------------------------------------------- issuing

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

    # ----------------------------------------------------- device code

    def _ep_devicecode(self, segment, q, form, headers) -> Reply:
        try:
            tenant = self._resolve_tenant(segment)
            app = self._apps.get(form.get("client_id", ""))
            if app is None:
                raise _err_unknown_client(form.get("client_id", ""), tenant.name)
            self._check_app_tenant(app, tenant)
            resources, _ = _split_scope(form.get("scope", ""))
            if len({_resource_of(s).lower() for s in resources}) > 1:
                raise AadError("invalid_scope", 28000, (
                    "Provided value for the input parameter scope is not valid because it "
                    "contains more than one resource. Scope %s is not valid.") % form["scope"])
        except AadError as e:
            return _json_reply(e.status, e.as_json(headers.get("client-request-id")))
        return _json_reply(200, self._new_device_flow(app, tenant, form.get("scope", "")))

    def _new_device_flow(self, app: App, tenant: Tenant, scope: str) -> dict:
        alphabet = string.ascii_uppercase + string.digits
        user_code = "".join(secrets.choice(alphabet) for _ in range(9))
        flow = DeviceCode("DAQABIQEAAAB" + _random_b64url(180), user_code, app.client_id,
                          scope, tenant.segment, time.time() + DEVICE_CODE_LIFETIME_S)
        self._device_codes[flow.device_code] = flow
        verification_uri = self.base_url + "/devicelogin"
        return {
            "user_code": user_code, "device_code": flow.device_code,
            "verification_uri": verification_uri, "expires_in": DEVICE_CODE_LIFETIME_S,
            "interval": self.device_interval,
            "message": "To sign in, use a web browser to open the page %s and enter the "
                       "code %s to authenticate." % (verification_uri, user_code),
        }

    def approve_device(self, user_code=None, username=None):
        """Approve a pending device flow (the latest one unless ``user_code``)
        as ``username`` (default: the sign-in default)."""
        with self._lock:
            flows = [f for f in self._device_codes.values() if f.user_code == user_code
                     or (user_code is None and f.user is None and not f.redeemed)]
            if not flows:
                raise ValueError("no device flow with user code %r" % user_code)
            user = self._user(username) if username else self._default_user()
            self._approve(flows[-1], user)

    def _approve(self, flow: DeviceCode, user: Optional[User]):
        if user is None:
            raise ValueError("no users: add_user() first")
        flow.user = user
        self._add_consent(user, self._apps[flow.client_id], flow.scope)

    def _ep_devicelogin(self, segment, q, form, headers) -> Reply:
        """A stand-in for microsoft.com/devicelogin: ``?otc=CODE`` approves."""
        if not q.get("otc"):
            return _html_reply(200, _html_page("Enter code", "Enter the code displayed on "
                                               "your app or device: ?otc=CODE"))
        flows = [f for f in self._device_codes.values() if f.user_code == q["otc"].upper()]
        if not flows:
            return _html_reply(400, _html_page("Enter code", "AADSTS70000: That code "
                                               "didn't work. Check the code and try again."))
        self._approve(flows[-1], self._default_user())
        return _html_reply(200, _html_page("Microsoft", "You have signed in to the %s "
                           "application on your device. You may now close this window."
                           % self._apps[flows[-1].client_id].name))

    # ------------------------------------------------------ inspection

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
                record.serial <= record.user.revoked_serial or record.expires_at <= time.time():
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


def _refresh_token_size(user: User) -> int:
    """Byte count of a refresh token body: MSA ones are shorter than Entra ones."""
    return 300 if user.personal else 700 + secrets.randbelow(200)
