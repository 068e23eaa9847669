"""The simulated Microsoft identity platform, assembled from its parts.

Offers :class:`FakeIdentityPlatform`: its state (directory, grants, tokens,
consent, faults, counters) and the parts that act on it, each in its own
module: serving (``server``), routing and faults (``dispatch``), the
directory (``directory``), discovery and keys (``discovery``), Entra ID's
checks (``checks``), the authorize, token and device code endpoints
(``authorize``, ``token_endpoint``, ``device``), token minting
(``tokens``) and what tests read back (``inspection``).
"""

from __future__ import annotations

import collections
import threading
from typing import Dict, List, Optional, Set

from .authorize import Authorize
from .checks import Checks
from .device import DeviceFlow
from .directory import Directory
from .discovery import Discovery
from .dispatch import Dispatch
from .inspection import Inspection
from .model import CODE_LIFETIME_S, App, AuthCode, DeviceCode, IssuedToken, Org, User
from .server import Serving
from .token_endpoint import TokenEndpoint
from .tokens import TokenIssuing


class FakeIdentityPlatform(Serving, Dispatch, Directory, Discovery, Checks, Authorize,
                           TokenEndpoint, DeviceFlow, TokenIssuing, Inspection):
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
