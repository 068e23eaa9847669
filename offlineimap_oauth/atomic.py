"""Atomic file replacement: ``replace_file(path, data, mode)``.

The one way this package writes a file: a temp file in the same directory
(created 0600 by mkstemp, then given ``mode``), write, fsync, rename over
the old file, fsync the directory.  A reader sees the old file or the new
one, never half; a crash leaves at most a ``.NAME.*.tmp`` file behind.
"""

from __future__ import annotations

import os

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: str) -> str:
    """The name prefix of this file's temp files (to clean up leftovers)."""
    return "." + os.path.basename(path) + "."


def replace_file(path: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    A symlink (a dotfiles repository) is followed: its target is replaced,
    the link stays.
    """
    import tempfile

    path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(dir=directory, prefix=temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            if mode != 0o600:
                os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    sync_directory(directory)


def sync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable across a power loss."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
