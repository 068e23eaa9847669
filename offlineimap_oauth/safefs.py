"""File operations that never follow a link they did not make.

The token store's directory holds refresh tokens: whoever can plant a file
or a symbolic link in it can make the next save overwrite a file elsewhere
(the token JSON replacing ``~/.bashrc``) or feed us their own tokens.  So
the store, its lock and its temp files go through this module only:

- ``check_private_dir(d)``: ``d`` is owned by us and writable by nobody
  else, else :class:`UnsafeStore` naming the path and what to do;
- ``check_no_links(d)``: no entry of ``d`` is a symbolic link;
- ``open_read(path)``: ``O_NOFOLLOW``: a planted link is an error, not a read;
- ``FileLock``: ``flock`` on a lock file opened with ``O_NOFOLLOW``;
- ``replace(path, data, mode)``: temp file made with ``O_EXCL|O_NOFOLLOW``,
  write, fsync, rename over ``path`` (a link there is replaced, never
  followed), fsync the directory.

Only ``os``, ``errno``, ``stat`` and ``fcntl``: ``token`` imports this on its hot path.
"""

from __future__ import annotations

import errno
import os
import stat
import time

from offlineimap_oauth.errors import UnsafeStore

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
TEMP_SUFFIX = ".tmp"
LOCK_POLL_S = 0.05  # how often a waiting writer retries the lock
# What a link planted where we open with O_NOFOLLOW makes open() fail with.
_LINK_ERRNOS = (errno.ELOOP, errno.EMLINK)


def check_private_dir(directory: str) -> None:
    """Refuse a directory another user owns or may write to.

    The directory itself may be a link (``~/.local/state`` on another disk):
    what matters is who owns and may change the directory it leads to.
    """
    info = os.stat(directory)
    if info.st_uid != os.geteuid():
        raise UnsafeStore(
            "The token store %s belongs to user id %d, not to you (%d): its owner could read "
            "your tokens or plant links in it." % (directory, info.st_uid, os.geteuid()),
            hint="Move it aside (mv %s %s.suspect), then log in again to make a new one."
                 % (directory, directory))
    if info.st_mode & 0o022:
        raise UnsafeStore(
            "The token store %s can be written by other users (mode %04o): anyone could "
            "have planted a file or link in it." % (directory, info.st_mode & 0o7777),
            hint="Check that no file in it is a link you did not make, then: chmod 700 %s"
                 % directory)


def check_no_links(directory: str) -> None:
    """Refuse a directory holding a symbolic link (we never make one)."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_symlink():
                raise link_error(entry.path)


def link_error(path: str) -> UnsafeStore:
    return UnsafeStore(
        "%s is a symbolic link; the token store never follows one (it could make a save "
        "overwrite another of your files)." % path,
        hint="Remove it if you did not make it (rm %s), then run the command again; "
             "a login may be needed." % path)


def open_read(path: str) -> int:
    """A read-only descriptor of ``path``; UnsafeStore if it is a link."""
    try:
        return os.open(path, os.O_RDONLY | NOFOLLOW | CLOEXEC)
    except OSError as error:
        if error.errno in _LINK_ERRNOS and os.path.islink(path):
            raise link_error(path) from None
        raise


def temp_prefix(path: str) -> str:
    """The name prefix of this file's temp files (to clean up leftovers)."""
    return "." + os.path.basename(path) + "."


def replace(path: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` by a new file holding ``data``, atomically and durably.

    The new file is created beside ``path`` with ``O_CREAT|O_EXCL|O_NOFOLLOW``
    (a name someone planted first makes us pick another), written, fsynced,
    then renamed over ``path``: rename replaces a link at ``path`` itself and
    never writes through it.  A reader sees the old file or the new one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = _create_temp(directory, temp_prefix(path), mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)  # the data is on disk before the name points at it
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    sync_directory(directory)


def _create_temp(directory: str, prefix: str, mode: int):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
    for _ in range(100):
        temp = os.path.join(directory, prefix + os.urandom(6).hex() + TEMP_SUFFIX)
        try:
            fd = os.open(temp, flags, 0o600)
        except FileExistsError:
            continue
        if mode != 0o600:
            os.fchmod(fd, mode)  # after creation: the umask cannot loosen or tighten it
        return fd, temp
    raise FileExistsError(errno.EEXIST, "no free temporary name", directory)


def sync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable across a power loss."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class FileLock:
    """An exclusive ``flock`` on ``path``, waited for up to ``timeout`` s.

    The lock file is opened with ``O_NOFOLLOW`` (a planted link is an
    UnsafeStore error) and must be a regular file of ours.  The kernel drops
    the lock when its holder dies, so a crashed process blocks nobody.
    Each instance opens its own descriptor: two instances exclude each other
    even within one process.
    """

    def __init__(self, path: str, timeout: float, mode: int = 0o600):
        self.path, self.timeout, self.mode = path, timeout, mode
        self._fd = None

    def acquire(self) -> bool:
        """True once held; False when ``timeout`` s passed without it."""
        import fcntl

        fd = self._open()
        deadline = time.monotonic() + max(self.timeout, 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(LOCK_POLL_S)
                continue
            self._fd = fd
            return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor releases the flock

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | CLOEXEC
        try:
            fd = os.open(self.path, flags, self.mode)
        except OSError as error:
            if error.errno in _LINK_ERRNOS and os.path.islink(self.path):
                raise link_error(self.path) from None
            raise
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            os.close(fd)
            raise UnsafeStore(
                "The lock file %s is not a plain file of yours." % self.path,
                hint="Remove it if you did not make it (rm %s), then run the command again."
                     % self.path)
        return fd
