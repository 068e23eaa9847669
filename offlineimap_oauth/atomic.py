"""Atomic file replacement: ``replace_file(path, data, mode)``.

The one way this package writes a file: a temp file in the same directory
(created 0600 with ``O_EXCL|O_NOFOLLOW``, then given ``mode``), write,
fsync, rename over the old file, fsync the directory (``safefs.replace``).
A reader sees the old file or the new one, never half; a crash leaves at
most a ``.NAME.*.tmp`` file behind.
"""

from __future__ import annotations

import os

from offlineimap_oauth.safefs import TEMP_SUFFIX, replace, sync_directory, temp_prefix

__all__ = ["TEMP_SUFFIX", "replace_file", "sync_directory", "temp_prefix"]


def replace_file(path: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    A symlink (a dotfiles repository) is followed: its target is replaced,
    the link stays.  The token store uses ``safefs.replace``, which never
    follows one.
    """
    replace(os.path.realpath(path), data, mode)
