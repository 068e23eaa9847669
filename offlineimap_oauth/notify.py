"""A notice when an account goes from working to "login required".

offlineimap under a timer and msmtp behind Gnus run unattended; when a
refresh token dies (90 days unused, a password change, an admin) mail stops
without a word.  With ``notify_command`` set (per account, or once for all
in ``[DEFAULT]``), :func:`login_needed` runs that command once per such
transition, with the account in the environment:

- ``OFFLINEIMAP_OAUTH_ACCOUNT``: the account name
- ``OFFLINEIMAP_OAUTH_USER``: its mail address
- ``OFFLINEIMAP_OAUTH_REASON``: the first line of the message `token` prints

"Once" holds across processes: a marker file ``NAME.notified`` is created
with O_EXCL before the command starts, and only a successful refresh or
login (:func:`working_again`) removes it.  The command never blocks the
caller and never writes where msmtp reads a token: it runs detached, in its
own session, with stdin, stdout and stderr on /dev/null, and is killed
after ``NOTIFY_TIMEOUT_S``.
"""

from __future__ import annotations

import os
import subprocess
import sys

MARKER_SUFFIX = ".notified"
NOTIFY_TIMEOUT_S = 60  # a notice command that hangs is killed after this
# A watchdog in its own process: the caller returns at once, the notice is bounded.
_WATCHDOG = ("import subprocess, sys\n"
             "try:\n"
             "    subprocess.run(['/bin/sh', '-c', sys.argv[1]], timeout=float(sys.argv[2]))\n"
             "except Exception:\n"
             "    pass\n")


def marker_path(state_dir: str, name: str) -> str:
    return os.path.join(state_dir, name + MARKER_SUFFIX)


def login_needed(account, state_dir: str, reason: str) -> bool:
    """Run the account's notice command if this is a new transition; True if started."""
    command = getattr(account, "notify_command", None)
    if not command:
        return False
    try:
        fd = os.open(marker_path(state_dir, account.name),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError:
        return False  # already notified (or no state directory): never twice
    os.close(fd)
    environment = dict(os.environ, OFFLINEIMAP_OAUTH_ACCOUNT=account.name,
                       OFFLINEIMAP_OAUTH_USER=account.user,
                       OFFLINEIMAP_OAUTH_REASON=(str(reason).splitlines() or [""])[0])
    try:
        subprocess.Popen([sys.executable, "-c", _WATCHDOG, command, str(NOTIFY_TIMEOUT_S)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=environment,
                         start_new_session=True, close_fds=True)
    except OSError:
        return False
    return True


def working_again(state_dir: str, name: str) -> None:
    """A token was obtained: the next failure is a new transition."""
    try:
        os.unlink(marker_path(state_dir, name))
    except OSError:
        pass
