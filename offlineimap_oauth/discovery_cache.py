"""MSAL's discovery answers kept across processes: one request per refresh.

Before a token request MSAL reads the authority's OpenID configuration (and,
on Microsoft's hosts, asks login.microsoftonline.com for instance
discovery).  Each ``token`` call is a new process, so without help every
refresh pays those round trips again.  MSAL keeps such answers in its
``http_cache`` mapping; :func:`load` fills one from ``http_cache.json`` in
the state directory and :func:`save` writes back only what is worth
keeping:

- successful discovery GETs (MSAL marks their keys ``... 2xx``), never an
  error answer: MSAL also keeps 5xx/429 and HTTP 400 answers there to
  replay them, and a later process must ask again instead;
- JSON, not pickle (MSAL's example): nothing in the state directory can
  make us run code;
- atomically replaced, 0600, never read or written through a link, like
  every file of the store.

:func:`drop` removes the file when a call that depended on it failed, so a
stale configuration (an authority that moved) costs one retry, not a day.
"""

from __future__ import annotations

import json
import os
import time

FILE_NAME = "http_cache.json"
FORMAT = 1
_INDEX = "_index_"  # MSAL's _ExpiringMapping keeps its expiry index under this key


def path(state_dir: str) -> str:
    return os.path.join(state_dir, FILE_NAME)


def load(state_dir: str, now: float | None = None) -> dict:
    """A mapping for MSAL's ``http_cache``, holding the unexpired saved answers."""
    now = time.time() if now is None else now
    from offlineimap_oauth import safefs
    from offlineimap_oauth.errors import Error

    try:  # never through a link: these answers name the token endpoint
        with os.fdopen(safefs.open_read(path(state_dir)), encoding="utf-8") as handle:
            saved = json.load(handle)
        entries = saved["entries"] if saved.get("format") == FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, Error):
        return {}  # the store itself reports a link or an unsafe directory
    mapping: dict = {}
    sequence, timestamps = [], {}
    for key, entry in entries.items():
        try:
            expires_at, created_at = int(entry["expires_at"]), int(entry["created_at"])
            if not (_worth_keeping(key, entry["status"]) and created_at <= now < expires_at):
                continue
            mapping[key] = _response(entry)
        except (KeyError, TypeError, ValueError):
            continue
        sequence.append([expires_at, created_at, key])
        timestamps[key] = [expires_at, created_at]
    if mapping:
        import heapq

        heapq.heapify(sequence)
        mapping[_INDEX] = (sequence, timestamps)
    return mapping


def save(state_dir: str, mapping: dict) -> None:
    """Persist the successful discovery answers in ``mapping``; best effort."""
    entries = {}
    _, timestamps = mapping.get(_INDEX, ([], {}))
    for key, stamps in timestamps.items():
        response = mapping.get(key)
        status = getattr(response, "status_code", None)
        if response is None or not _worth_keeping(key, status):
            continue
        entries[key] = {"status": status, "text": response.text,
                        "headers": dict(getattr(response, "headers", {}) or {}),
                        "expires_at": int(stamps[0]), "created_at": int(stamps[1])}
    if not entries:
        return
    from offlineimap_oauth import safefs
    from offlineimap_oauth.errors import Error

    data = json.dumps({"format": FORMAT, "entries": entries}, sort_keys=True)
    try:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        safefs.replace(path(state_dir), data.encode("utf-8"), 0o600)
    except (OSError, Error):
        pass  # only costs the next process a discovery request


def drop(state_dir: str) -> None:
    try:
        os.unlink(path(state_dir))
    except OSError:
        pass


def _worth_keeping(key: str, status) -> bool:
    return (isinstance(key, str) and key.startswith("GET ") and key.endswith(" 2xx")
            and isinstance(status, int) and 200 <= status < 300)


def _response(entry: dict):
    """An object shaped like MSAL's NormalizedResponse."""
    from msal.throttled_http_client import NormalizedResponse

    class _Raw:
        status_code = int(entry["status"])
        text = str(entry["text"])
        headers = {str(k): str(v) for k, v in dict(entry["headers"]).items()}

    return NormalizedResponse(_Raw())
