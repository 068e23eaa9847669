"""The token store: one MSAL token cache per account, on disk, safe to share.

Each account's cache lives in ``<state dir>/<name>.json`` inside a wrapper
that records which settings the tokens belong to (``Account.binding``) and
when the refresh token was last renewed::

    {"format": 1, "account": {...binding...}, "renewed_at": 1764135600,
     "msal": {...SerializableTokenCache state...}}

Readers take no lock: every write is a complete new file renamed into place,
so a reader sees the old file or the new one, never half of one.  Writers use
:meth:`TokenStore.locked`: lock -> reload -> change -> atomic replace ->
unlock.  The lock is ``flock`` (``safefs.FileLock``), which the kernel releases
when its holder dies, so a crashed process never blocks the others.

The directory is 0700 and every file is 0600 from the moment it exists.
It must be ours and writable by us alone, and the store never follows a
link it did not make: every open, the lock and every replace go through
``safefs`` (``O_NOFOLLOW``, ``O_EXCL`` temp files, rename over the name),
and a directory holding a link is refused (:class:`UnsafeStore`).

With ``token_store = gpg | keyring`` the refresh token is not in this file:
``save`` hands the secret part to vault/ and ``load_secrets`` fetches it back.
"""

from __future__ import annotations

import json
import os

from offlineimap_oauth import fastpath, safefs
from offlineimap_oauth.errors import LoginRequired, TryLater, login_hint

STORE_FORMAT = 1
DIR_MODE = 0o700
FILE_MODE = 0o600


def require_login(account, state) -> None:
    """LoginRequired unless ``state`` is a login made with ``account``'s settings.

    Both providers refresh only a login whose binding (user, client, token
    host, scopes) matches the account as configured now.
    """
    if not state:
        raise LoginRequired("No token for %s ([account %s])." % (account.user, account.name),
                            hint=login_hint(account.name))
    stored = state.get("account") or {}
    changed = sorted(key for key, value in account.binding().items() if stored.get(key) != value)
    if changed:
        raise LoginRequired(
            "The stored login of [account %s] was made with other settings (changed: %s)."
            % (account.name, ", ".join(changed)), hint=login_hint(account.name))


class TokenStore:
    """The token files of all accounts in one directory."""

    def __init__(self, directory: str | None = None):
        if directory is None:
            from offlineimap_oauth.paths import state_dir

            directory = state_dir()
        self.directory = directory

    def path(self, name: str) -> str:
        return os.path.join(self.directory, name + ".json")

    def load(self, name: str) -> dict | None:
        """The account's stored state, or None when there is none.  No lock needed."""
        return self.load_signed(name)[0]

    def load_signed(self, name: str):
        """(state or None, signature of exactly the file version that was read).

        The signature comes from fstat on the open file: files are replaced by
        rename, so its inode names this version even if a writer has renamed
        a newer one into place meanwhile.
        """
        try:
            fd = safefs.open_read(self.path(name))
        except FileNotFoundError:
            return None, None
        with open(fd, "rb") as handle:
            data = handle.read()
            info = os.fstat(handle.fileno())
        safefs.check_private_dir(self.directory)  # tokens someone else could have planted
        try:
            state = json.loads(data)
            if not isinstance(state, dict) or state.get("format") != STORE_FORMAT:
                raise ValueError("unknown format")
        except ValueError:
            raise LoginRequired("The token file %s is damaged or from another version."
                                % self.path(name), hint=login_hint(name)) from None
        return state, "%d:%d:%d" % (info.st_ino, info.st_mtime_ns, info.st_size)

    def load_secrets(self, name: str, deadline: float | None = None):
        """:meth:`load_signed` plus the part kept by gpg or the keyring (vault/).

        Decrypts by ``deadline`` (time.monotonic); only to refresh.  The
        signature is None when access tokens must stay off the disk.
        """
        state, signature = self.load_signed(name)
        if state is not None and isinstance(state.get("vault"), dict):  # token_store = gpg | keyring
            from offlineimap_oauth import vault

            return vault.unseal(self, name, state, signature, deadline)
        return state, signature

    def locked(self, name: str, timeout: float):
        """A context manager holding the account's write lock (TryLater after ``timeout`` s)."""
        self._ensure_directory()
        lock = safefs.FileLock(self.path(name) + ".lock", timeout=max(timeout, 0.01),
                               mode=FILE_MODE)
        return _Lock(lock, name, timeout)

    def save(self, name: str, state: dict):
        """Replace the account's file atomically; returns the new file's signature.

        Call while holding :meth:`locked`.
        """
        self._ensure_directory()
        self._remove_leftovers(name)
        fastpath.remove(self.directory, name)  # its token belongs to the state replaced now
        state = dict(state, format=STORE_FORMAT)
        from offlineimap_oauth import vault  # the secret part goes to gpg or the keyring first

        state, retire = vault.seal(self, name, state)
        safefs.replace(self.path(name),
                       json.dumps(state, indent=1, sort_keys=True).encode("utf-8"), FILE_MODE)
        retire()  # the copy a previous token_store left
        return vault.sidecar_signature(state, fastpath.signature(self.path(name)))

    def delete(self, name: str) -> bool:
        """Forget the account's tokens.  Call while holding :meth:`locked`."""
        from offlineimap_oauth import vault  # the gpg file or keyring item, while NAME.json says where

        self._ensure_directory()
        existed = vault.forget(self, name) | os.path.lexists(self.path(name))
        _unlink(self.path(name))
        fastpath.remove(self.directory, name)
        self._remove_leftovers(name)
        return existed

    def _ensure_directory(self) -> None:
        os.makedirs(self.directory, mode=DIR_MODE, exist_ok=True)
        safefs.check_private_dir(self.directory)
        if os.stat(self.directory).st_mode & 0o077:
            os.chmod(self.directory, DIR_MODE)  # ours: tighten what an older setup left open
        safefs.check_no_links(self.directory)

    def _remove_leftovers(self, name: str) -> None:
        # Temp files of writers killed mid-write; safe to remove under the lock.
        prefix = safefs.temp_prefix(self.path(name))
        for entry in os.listdir(self.directory):
            if entry.startswith(prefix) and entry.endswith(safefs.TEMP_SUFFIX):
                _unlink(os.path.join(self.directory, entry))


class _Lock:
    """safefs's lock with its timeout turned into our TryLater."""

    def __init__(self, lock, name: str, timeout: float):
        self._lock, self._name, self._timeout = lock, name, timeout

    def __enter__(self):
        if not self._lock.acquire():
            raise TryLater("Another offlineimap-oauth process has held the token lock of %r "
                           "for more than %.0f s." % (self._name, self._timeout),
                           hint="Try again later; if it persists, look for a hung "
                                "offlineimap-oauth process.")
        return self

    def __exit__(self, *exc):
        self._lock.release()
        return False


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
