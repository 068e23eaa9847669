"""The cheapest answer to ``token NAME``: a one-entry sidecar per account.

msmtp runs ``token`` on every send.  Reading MSAL's JSON cache and the INI
accounts file needs json, configparser and re, which cost more than starting
Python.  So after ``token`` has served a token the full way, it leaves
``<state dir>/NAME.token`` (0600) saying: "while the accounts file at PATH
has this signature and the token file has that signature, the answer is
TOKEN, to be handed out until FRESH_UNTIL" (its expiry less the refresh
margin).  The next call checks two ``stat``s and one
small read, and imports nothing beyond os, sys and time.

A signature is (inode, mtime in ns, size).  The token file is always
replaced by a rename, so its inode changes with every login, refresh and
logout: a sidecar can never outlive the state it was made from, and any edit
of accounts.conf invalidates it too.  ``TokenStore`` removes the sidecar
whenever it saves or deletes the account's tokens.
"""

from __future__ import annotations

import os

SUFFIX = ".token"
MAGIC = "offlineimap-oauth fast token 2"  # 2: field 4 is fresh_until, not expires_on


def sidecar_path(state_dir: str, name: str) -> str:
    return os.path.join(state_dir, name + SUFFIX)


def signature(path: str) -> str | None:
    """``inode:mtime_ns:size`` of ``path``, or None when it does not exist."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return "%d:%d:%d" % (info.st_ino, info.st_mtime_ns, info.st_size)


def read(state_dir: str, name: str, config_path: str, now: float):
    """The stored token if both files are unchanged and it is still fresh."""
    try:
        # Never through a link, and only from a directory nobody else can
        # write to: the full path then says what is wrong (store.py).
        fd = os.open(sidecar_path(state_dir, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, encoding="utf-8") as handle:
            fields = handle.read().split("\n")
        info = os.stat(state_dir)
    except (OSError, UnicodeDecodeError):
        return None
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return None
    if len(fields) != 7 or fields[0] != MAGIC or fields[1] != config_path:
        return None
    store_file = os.path.join(state_dir, name + ".json")
    try:
        fresh = int(fields[4]) >= now
    except ValueError:
        return None
    if fresh and fields[2] == signature(config_path) and fields[3] == signature(store_file):
        return fields[5]
    return None


def write(state_dir: str, name: str, config_path: str, config_signature: str,
          store_signature: str, token: str, fresh_until: int, useful_until: float) -> None:
    """Record the answer; best effort (a failure only costs the next call time).

    Skipped when the token will be inside the refresh margin anyway
    (``fresh_until < useful_until``) or the token file has already moved on
    (a logout or login meanwhile): no token is left on disk that no state
    stands behind.
    """
    if ("\n" in config_path or not config_signature or not store_signature
            or fresh_until < useful_until
            or signature(os.path.join(state_dir, name + ".json")) != store_signature):
        return
    from offlineimap_oauth.safefs import replace

    text = "\n".join([MAGIC, config_path, config_signature, store_signature,
                      str(int(fresh_until)), token, ""])
    try:
        replace(sidecar_path(state_dir, name), text.encode("utf-8"), 0o600)  # never via a link
    except OSError:
        pass


def remove(state_dir: str, name: str) -> None:
    try:
        os.unlink(sidecar_path(state_dir, name))
    except FileNotFoundError:
        pass
