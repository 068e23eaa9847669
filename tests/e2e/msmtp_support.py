"""Offers the shipped contrib/msmtprc turned into a test msmtprc, and runners
for the real msmtp and for Emacs in batch mode.

``test_msmtprc`` rewrites contrib/msmtprc line by line (host, port, trust
file, addresses, logfile, the command path of ``passwordeval``) and fails
loudly when a line it expects is missing, so the tests send with the example
users copy, never with a hand-made stand-in, and never to a real server.
"""

import os
import re
import subprocess
import sys

from tests.support import ROOT

CONTRIB_MSMTPRC = os.path.join(ROOT, "contrib", "msmtprc")
GNUS_SEND_EL = os.path.join(ROOT, "contrib", "gnus-send.el")
# What `offlineimap-oauth convert` writes for the same two accounts.
CONVERTED_GNUS_EL = os.path.join(ROOT, "tests", "data", "convert", "multi.gnus-accounts.el")
EMACS_SEND_EL = os.path.join(ROOT, "tests", "e2e", "emacs_send.el")
MSMTPRC_LINE_LIMIT = 500  # msmtp refuses longer lines
MSMTP_TIMEOUT_S = 60  # passwordeval may refresh (up to 30 s) before msmtp connects
EMACS_TIMEOUT_S = 120

_PASSWORDEVAL = re.compile(r'^passwordeval\s+"(/\S+)/offlineimap-oauth token (\S+)"$')


def token_command():
    """How msmtp should start our CLI: the console script next to the running
    Python (what the README tells users to write), else ``python -m``."""
    script = os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")
    if os.access(script, os.X_OK):
        return script
    return "%s -m offlineimap_oauth" % sys.executable


def adapt_msmtprc(text, *, host, port, trust_file, addresses, command, logfile):
    """contrib/msmtprc's text pointed at a test server; ``addresses`` maps each
    account name to its address. Raises AssertionError on unexpected shapes."""
    out, account, seen = [], None, set()
    for line in text.splitlines():
        words = line.split(None, 1)
        key = words[0] if words and not line.startswith("#") else None
        if key == "account" and ":" not in line:
            account = words[1].strip()
            assert account in addresses, "unexpected account %r in contrib/msmtprc" % account
        elif key == "host":
            line = "host %s" % host
        elif key == "port":
            line = "port %d" % port
        elif key == "tls_trust_file":
            line = "tls_trust_file %s" % trust_file
        elif key == "logfile":
            line = "logfile %s" % logfile
        elif key in ("from", "user"):
            line = "%s %s" % (key, addresses[account])
        elif key == "passwordeval":
            match = _PASSWORDEVAL.match(line)
            assert match, "not 'passwordeval \"/ABS/PATH/offlineimap-oauth token NAME\"': " + line
            assert match.group(2) == account, line
            line = 'passwordeval "%s token %s"' % (command, account)
        if key:
            seen.add((account, key))
        out.append(line)
    for name in addresses:
        for key in ("host", "port", "from", "user", "passwordeval"):
            assert (name, key) in seen, "[account %s] lacks %s in contrib/msmtprc" % (name, key)
    hosts = {line.split()[1] for line in out if line.startswith("host ")}
    assert hosts == {host}, hosts  # nothing may leave this machine
    return "\n".join(out) + "\n"


def write_private(path, text):
    """Write ``text`` to ``path`` with mode 0600 from creation, as msmtp wants."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    os.chmod(str(path), 0o600)
    return path


def run_msmtp(msmtp, rc, args, message, env, timeout=MSMTP_TIMEOUT_S):
    return subprocess.run([msmtp, "-C", str(rc), *args], input=message,
                          capture_output=True, env=env, timeout=timeout)


def elisp_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def emacs_spec(messages):
    """A Lisp list of plists for emacs_send.el from a list of dicts."""
    items = ("(%s)" % " ".join(":%s %s" % (key, elisp_string(value))
                              for key, value in message.items())
             for message in messages)
    return "(\n%s)\n" % "\n".join(items)


def run_emacs_send(emacs, msmtp, rc, spec_path, env, setup=GNUS_SEND_EL,
                   timeout=EMACS_TIMEOUT_S):
    """Emacs in batch mode loads ``setup`` (the user's sending settings), then
    composes and sends each message of ``spec_path`` in message-mode."""
    env = dict(env, LANG="C.UTF-8", LC_ALL="C.UTF-8", EMACS_SEND_MSMTP=msmtp,
               EMACS_SEND_MSMTPRC=str(rc), EMACS_SEND_SPEC=str(spec_path))
    return subprocess.run([emacs, "--batch", "-Q", "-l", setup, "-l", EMACS_SEND_EL,
                           "-f", "emacs-send-batch"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=timeout)
