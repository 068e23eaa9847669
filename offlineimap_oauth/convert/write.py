"""Write a set of files all or nothing: atomic replaces and timestamped backups.

A :class:`Change` holds a path, its current text (None if absent) and the
new text.  ``apply(changes)`` writes only those whose text differs: each
existing file is first copied to ``PATH.bak-YYYYMMDD-HHMMSS`` (0600), then
replaced through a temp file in the same directory (fsync, chmod, rename,
fsync of the directory).  Texts are compared and merged with "\n" line ends;
a file whose lines end in CRLF (or CR) is written back with them, so a file
kept in a Windows-shared dotfiles repository changes only where convert
changed it.  Everything is rendered and validated before
``apply`` is called, so an error leaves every file as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import time

SECRET_MODE = 0o600  # accounts.conf and msmtprc; backups of any file
FILE_MODE = 0o600  # new files: they describe the user's mail accounts
DIR_MODE = 0o700


class Change:
    def __init__(self, label: str, path: str, new: str, secret: bool = False):
        self.label, self.path, self.new, self.secret = label, path, new, secret
        self.old = read_text(path)
        self.line_end = line_end(path)

    @property
    def changed(self) -> bool:
        return self.old != self.new


def read_text(path: str):
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def line_end(path: str) -> str:
    """The file's line end as Emacs detects it, from its first line: "\r\n",
    "\r" or "\n" (also for a new file or one without any)."""
    try:
        with open(path, "rb") as handle:
            found = re.search(rb"\r\n|\r|\n", handle.read())
    except FileNotFoundError:
        return "\n"
    return found.group().decode("ascii") if found else "\n"


def apply(changes: list, now=None) -> list:
    """Write the changed files; returns [(path, backup path or None)]."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    done = []
    for change in changes:
        if not change.changed:
            continue
        backup = _backup(change.path, stamp) if change.old is not None else None
        text = change.new.replace("\n", change.line_end)
        _atomic_write(change.path, text, _mode(change))
        done.append((change.path, backup))
    return done


def _mode(change) -> int:
    if change.secret or change.old is None:
        return SECRET_MODE if change.secret else FILE_MODE
    return os.stat(change.path).st_mode & 0o777


def _backup(path: str, stamp: str) -> str:
    backup = "%s.bak-%s" % (path, stamp)
    counter = 1
    while os.path.exists(backup):
        counter += 1
        backup = "%s.bak-%s-%d" % (path, stamp, counter)
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
    with os.fdopen(fd, "wb") as out, open(path, "rb") as original:
        shutil.copyfileobj(original, out)
        out.flush()
        os.fsync(out.fileno())
    return backup


def _atomic_write(path: str, text: str, mode: int) -> None:
    from offlineimap_oauth.atomic import replace_file

    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=DIR_MODE, exist_ok=True)
    replace_file(path, text.encode("utf-8"), mode)
