"""Records and constants of the simulated identity platform.

Offers the tenant GUIDs, URIs, lifetimes and grant names the fake uses
(``CONSUMERS_TENANT_ID``, ``NATIVECLIENT_REDIRECT_URI``, ...), the directory
and grant records (:class:`Org`, :class:`User`, :class:`App`,
:class:`Tenant`, :class:`AuthCode`, :class:`DeviceCode`,
:class:`IssuedToken`), the HTTP :data:`Reply` tuple, and the scope helpers
that split a request's scope into resource scopes and reserved ones.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import List, Optional

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
TRICKLE_HEADER = "X-Fake-Trickle"  # internal: the server writes this reply slowly
ERROR_URI = "https://login.microsoftonline.com/error?code=%d"


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
    at_revoked_serial: int = 0  # access tokens with a serial <= this are refused
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
