"""The offlineimap hook: ``access_token(name)`` for ``oauth2_access_token_eval``.

offlineimaprc::

    [general]
    pythonfile = ~/.config/offlineimap-oauth/offlineimap-hook.py
    [Repository work-remote]
    oauth2_access_token_eval = access_token("work")

offlineimap 8.0.3 evaluates that on every IMAP authentication, possibly from
several account threads at once.  Answers come from memory while the
token is outside its refresh margin (hotpath.margin_for) and neither the token file nor
the accounts file changed on disk (a ``stat`` of each per call); otherwise
the store is re-read and, if need be, refreshed under the account's lock.
Failures raise offlineimap's ``OfflineImapError`` (imported only then) with
the message the CLI would print, at REPO severity: that account stops with
the message, the other accounts go on syncing.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from offlineimap_oauth.errors import Error, LoginRequired, shown
from offlineimap_oauth.hotpath import access_token as _serve

PROG = "offlineimap-oauth"
# offlineimap before this evaluates oauth2_access_token_eval once per process
# and fails about an hour later, when that token expires.
FIRST_GOOD_OFFLINEIMAP = (8, 0, 3)

_locks: dict = {}
_locks_guard = threading.Lock()
_memo: dict = {}  # name -> (token, fresh_until, files signature)
_accounts_memo: list = [None, None]  # [signature of the accounts file, parsed accounts]
_warned = []
_reported: set = set()  # accounts whose failure offlineimap's UI has logged
# name -> (files signature, error): "log in again" is not sent to Microsoft again
# on each of offlineimap's retries; only a login (the token file changes) or an
# edit of accounts.conf cures it.  Other failures (a secret fixed in `pass`, a
# locked gpg-agent) may heal without a file changing, so they are not kept.
_refusals: dict = {}


def access_token(name: str, config: str | None = None) -> str:
    """A valid access token for account ``name``; raises OfflineImapError on failure."""
    from offlineimap_oauth.store import TokenStore  # cheap; imported once

    store = TokenStore()
    signature = (_signature(store.path(name)), _signature(_config_path(config)))
    hit = _memo.get(name)
    if hit and hit[2] == signature and hit[1] >= time.time():
        return hit[0]
    with _lock_for(name):
        _warn_if_old_offlineimap()
        refusal = _refusals.get(name)
        if refusal and refusal[0] == signature:
            raise _offlineimap_error(refusal[1], name) from None
        try:
            token, fresh_until = _serve(_account(name, config), store)
        except Error as error:
            if isinstance(error, LoginRequired):
                _refusals[name] = (signature, error)
            raise _offlineimap_error(error, name) from None
        _refusals.pop(name, None)
        # Signature after serving: a refresh rewrites the token file.
        _memo[name] = (token, fresh_until,
                       (_signature(store.path(name)), _signature(_config_path(config))))
        return token


def _account(name: str, config: str | None):
    from offlineimap_oauth import accounts

    path = _config_path(config)
    signature = _signature(path)
    if _accounts_memo[0] != signature or _accounts_memo[1] is None:
        _accounts_memo[1] = accounts.load(path)
        _accounts_memo[0] = signature
    return accounts.find(_accounts_memo[1], name, path)


def _config_path(config: str | None) -> str:
    from offlineimap_oauth.paths import config_path

    return config_path(config)


def _signature(path: str):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def _offlineimap_error(error: Error, name: str):
    """OfflineImapError(message, REPO): this account fails, the others go on."""
    message = "%s: %s" % (PROG, shown(str(error)))
    try:
        from offlineimap.error import OfflineImapError
    except ImportError:  # called outside offlineimap (tests, other tools)
        return error
    failure = OfflineImapError(message, OfflineImapError.ERROR.REPO)
    _report_for_exit_status(failure, name)
    return failure


def _report_for_exit_status(failure, name: str) -> None:
    """Log ``failure`` through offlineimap's UI, once per account and process.

    offlineimap exits 0 when an account fails at REPO severity; an error its
    UI logged makes it exit 1 when the run ends, while the other accounts
    still sync (CRITICAL severity would stop them).  The generated pythonfile
    does the same on its CLI path (hookfile.py).
    """
    if name in _reported:
        return
    try:
        from offlineimap.ui import getglobalui

        ui = getglobalui()
        if ui is None:
            return
        ui.error(failure)
    except Exception:  # noqa: BLE001 - an offlineimap without this UI API: exit 0, message still shown
        return
    _reported.add(name)


def offlineimap_version():
    """offlineimap's version as a tuple of ints, or None when not importable."""
    try:
        import offlineimap
    except ImportError:
        return None
    text = getattr(offlineimap, "__version__", "") or ""
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts) if parts else None


def _warn_if_old_offlineimap() -> None:
    if _warned or "offlineimap" not in sys.modules:
        return
    _warned.append(True)
    version = offlineimap_version()
    if version and version < FIRST_GOOD_OFFLINEIMAP:
        sys.stderr.write(
            "%s: WARNING: offlineimap %s asks for the OAuth2 token only once per run, so a "
            "sync running longer than about an hour fails when the token expires. Install "
            "offlineimap 8.0.3 or newer (pip install 'offlineimap>=8.0.3'), or run "
            "offlineimap in shorter runs (no autorefresh).\n"
            % (PROG, ".".join(map(str, version))))


__all__ = ["access_token", "offlineimap_version"]
