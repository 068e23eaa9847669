"""Encodings the simulated identity platform speaks.

Offers base64url without padding (``_b64url``, ``_json_b64``,
``_random_b64url``), Microsoft's error timestamp format
(``_ms_timestamp``), the PKCE code challenge of a verifier
(``_pkce_challenge``) and pairwise subject identifiers (``_pairwise``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Optional


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
