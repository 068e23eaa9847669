"""Helpers for the offlineimap end-to-end tests: run offlineimap 8.0.3 and
Emacs in batch mode, and read back what they made.

- ``offlineimap_program()`` / ``isolated_offlineimap_program()``: the
  offlineimap script of our virtualenv, and of the separate
  ``.venv-offlineimap`` (offlineimap only; fail in CI, skip elsewhere).
- ``write_offlineimaprc(...)``: contrib/offlineimaprc with its settings kept
  and only the server, paths and account name replaced, so the tests run the
  file users copy.
- ``run_offlineimap(...)``: one bounded run, stdin closed, output captured.
- ``maildir_inventory(root)``: per folder, what ``FakeDovecot.server_inventory``
  gives for the server (count, bytes as IMAP counts them, flags, Message-IDs).
- ``gnus(...)``: Emacs batch + Gnus nnmaildir over a Maildir (gnus_nnmaildir.el).
"""

import configparser
import email.parser
import os
import subprocess
import sys

from tests.e2e._require import missing_component, require_binary
from tests.support import ROOT

CONTRIB_RC = os.path.join(ROOT, "contrib", "offlineimaprc")
# contrib/dev-setup makes it: offlineimap alone, without our package.
ISOLATED_VENV = os.path.join(ROOT, ".venv-offlineimap")
GNUS_EL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gnus_nnmaildir.el")
OFFLINEIMAP_TIMEOUT_S = 120  # a full sync of the seed mailbox takes a few seconds
EMACS_TIMEOUT_S = 60

# Maildir info letters (maildir(5)) and the IMAP flags offlineimap maps them to.
_MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen",
                  "T": "\\Deleted"}


def _required(path, what):
    if os.access(path, os.X_OK):
        return path
    missing_component("%s not found at %s (run contrib/dev-setup)" % (what, path))


def offlineimap_program():
    """offlineimap installed beside our package (same interpreter as the tests)."""
    return _required(os.path.join(os.path.dirname(sys.executable), "offlineimap"),
                     "offlineimap in the test virtualenv")


def isolated_offlineimap_program():
    """offlineimap of .venv-offlineimap, whose Python cannot import our package."""
    return _required(os.path.join(ISOLATED_VENV, "bin", "offlineimap"),
                     "offlineimap in .venv-offlineimap")


def emacs_program():
    return require_binary("emacs")


def write_offlineimaprc(path, accounts, *, dovecot, cacert, metadata, pythonfile,
                        **overrides):
    """contrib/offlineimaprc pointed at the test server; returns ``path``.

    ``accounts``: (name, user, maildir) for each account; contrib's "work"
    sections are repeated for each.  ``overrides``: "Section/option" ->
    value (None removes it), "work" in a section name standing for every
    account.
    """
    contrib = configparser.ConfigParser(interpolation=None)
    contrib.optionxform = str
    contrib.read(CONTRIB_RC, encoding="utf-8")
    rc = configparser.ConfigParser(interpolation=None)
    rc.optionxform = str
    rc.read_dict({"general": dict(contrib.items("general"))})
    rc.set("general", "accounts", ", ".join(name for name, _, _ in accounts))
    rc.set("general", "pythonfile", str(pythonfile))
    rc.set("general", "metadata", str(metadata))
    for name, user, maildir in accounts:
        for section in contrib.sections():
            if "work" not in section:
                continue
            target = section.replace("work", name)
            rc.add_section(target)
            for key, value in contrib.items(section):
                rc.set(target, key, value.replace("work", name))
        remote = "Repository %s-remote" % name
        rc.set("Repository %s-local" % name, "localfolders", str(maildir))
        rc.set(remote, "remotehost", dovecot.host)
        rc.set(remote, "remoteport", str(dovecot.port))
        rc.set(remote, "remoteuser", user)
        # The test CA is not in the OS bundle that OS-DEFAULT finds.
        rc.set(remote, "sslcacertfile", str(cacert))
        for where, value in overrides.items():
            section, option = where.split("/", 1)
            section = section.replace("work", name)
            if value is None:
                rc.remove_option(section, option)
            else:
                rc.set(section, option, str(value))
    with open(path, "w", encoding="utf-8") as out:
        rc.write(out)
    return path


def offlineimap_env(cli_env, *, isolated=False):
    """The CLI's environment for offlineimap; ``isolated`` hides our package."""
    env = dict(cli_env, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    if isolated:
        env.pop("PYTHONPATH", None)
    return env


def run_offlineimap(program, rc, env, *args, timeout=OFFLINEIMAP_TIMEOUT_S, cwd=None):
    """One offlineimap run: stdin closed (a password prompt fails instead of
    hanging), stdout and stderr captured as text. ``args`` default to a
    single sync with the basic UI."""
    argv = [program, "-c", str(rc), "-u", "basic"] + list(args or ["-o"])
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=cwd or os.path.dirname(str(rc)))


def output_of(result):
    return (result.stdout or "") + (result.stderr or "")


def maildir_folders(root):
    """Names (relative to ``root``, '/' separated) of the Maildirs under it."""
    found = []
    for directory, subdirs, _ in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in ("cur", "new", "tmp", ".nnmaildir")]
        if all(os.path.isdir(os.path.join(directory, d)) for d in ("cur", "new", "tmp")):
            found.append(os.path.relpath(directory, root).replace(os.sep, "/"))
    return sorted(found)


def maildir_inventory(root):
    """{folder: {"count", "total_bytes", "sizes", "flags", "message_ids"}} in
    the server's terms: bytes as IMAP counts them (CRLF line ends)."""
    inventory = {}
    for folder in maildir_folders(root):
        rows = []
        for sub in ("new", "cur"):
            directory = os.path.join(root, folder, sub)
            for name in os.listdir(directory):
                with open(os.path.join(directory, name), "rb") as message:
                    data = message.read()
                rows.append(_row(name, data))
        rows.sort(key=lambda row: row[0])
        inventory[folder] = {
            "count": len(rows),
            "total_bytes": sum(row[1] for row in rows),
            "sizes": [row[1] for row in rows],
            "flags": [row[2] for row in rows],
            "message_ids": [row[0] for row in rows],
        }
    return inventory


def _row(filename, data):
    headers = email.parser.BytesHeaderParser().parsebytes(data)
    wire = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    info = filename.split(":2,", 1)[1] if ":2," in filename else ""
    flags = frozenset(_MAILDIR_FLAGS[letter] for letter in info if letter in _MAILDIR_FLAGS)
    return (headers.get("Message-ID", "").strip(), len(wire), flags)


def by_message_id(entry):
    """message_id -> (size, flags) of one inventory entry."""
    return {mid: (size, flags) for mid, size, flags
            in zip(entry["message_ids"], entry["sizes"], entry["flags"])}


def gnus(maildir, command, *args, home, timeout=EMACS_TIMEOUT_S):
    """Run gnus_nnmaildir.el over ``maildir`` and return its stdout.

    ``groups``: "GROUP<TAB>COUNT" lines; ``read GROUP MESSAGE-ID``: mark that
    article read through Gnus' back-end interface (as leaving a summary
    buffer does), which nnmaildir records as the Maildir S flag.
    """
    env = dict(os.environ, HOME=str(home), LANG="C.UTF-8", LC_ALL="C.UTF-8",
               GNUS_TEST_MAILDIR=str(maildir), GNUS_TEST_COMMAND=command,
               GNUS_TEST_ARGS="\n".join(args))
    argv = [emacs_program(), "--batch", "-Q", "-l", GNUS_EL, "-f", "offlineimap-oauth-test-main"]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          env=env, timeout=timeout)
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, "emacs failed (%d):\n%s\n%s" % (done.returncode, stdout, stderr)
    return stdout


class RunningOfflineimap:
    """offlineimap left running (autorefresh); its output read line by line.

    ``wait_for(text, count)`` blocks until ``text`` appeared ``count`` times;
    ``finish()`` asks offlineimap to stop after the current sync (SIGUSR2)
    and waits for it. Killed at the end in any case.
    """

    def __init__(self, program, rc, env, *args):
        import queue
        import threading

        argv = [program, "-c", str(rc), "-u", "basic"] + list(args)
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env,
                                        cwd=os.path.dirname(str(rc)))
        self.lines = []
        self._queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.process.stdout:
            self._queue.put(raw.decode("utf-8", "replace"))
        self._queue.put(None)

    def output(self):
        return "".join(self.lines)

    def wait_for(self, text, count=1, timeout=60):
        import queue
        import time

        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.lines) < count:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = ""
            if line is None or remaining <= 0:
                raise AssertionError("%r not seen %d times:\n%s" % (text, count, self.output()))
            self.lines.append(line)

    def finish(self, timeout=40):
        import signal

        self.process.send_signal(signal.SIGUSR2)  # "terminate after this sync"
        try:
            self.process.wait(timeout)
        finally:
            self.kill()
        self._reader.join(5)
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
