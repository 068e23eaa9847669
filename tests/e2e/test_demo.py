"""README's first command: the demo runs the whole chain for the seed's
Outlook and Gmail accounts, exits 0, leaves no process and no file behind."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from tests.e2e._require import require_binary
from tests.support import ROOT


@pytest.fixture
def own_tmpdir():
    """A TMPDIR the demo's Dovecot user can traverse (pytest's is 0700 root)."""
    directory = tempfile.mkdtemp(prefix="demo-tmp-", dir="/tmp")
    os.chmod(directory, 0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_demo_runs_every_step_and_cleans_up(own_tmpdir):
    for binary in ("dovecot", "msmtp", "emacs"):
        require_binary(binary)
    env = dict(os.environ, TMPDIR=own_tmpdir)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "contrib", "demo.py")],
                            capture_output=True, text=True, timeout=600, env=env)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.rstrip().endswith("demo: all steps passed")
    assert len(re.findall(r"\n    ok \([0-9.]+ s\)\n", out)) == 11  # every step succeeded
    for shown in ("wrote ", "Logged in as you@outlook.jp", "Logged in as you@gmail.com",
                  "urn:ietf:wg:oauth:2.0:oob is",  # convert's note on the seed's Gmail redirect
                  "~/Mail/outlook/送信済みアイテム: 2 message(s)",
                  "not synced (not mail): ジャーナル, タスク, メモ, 予定表",
                  "~/Mail/gmail/INBOX: 2 message(s)", "~/Mail/gmail/[Gmail].Sent Mail: 1 message(s)",
                  "not synced (repeats of the folders above): [Gmail]/All Mail, [Gmail]/Starred, "
                  "[Gmail]/重要",
                  "nnmaildir+outlook:送信済みアイテム: 2 article(s)",
                  "nnmaildir+gmail:INBOX: 2 article(s) (Lunch on Friday?, Gmailの受信トレイから)",
                  "subject: デモからの送信", "subject: Sent from the Gmail account",
                  "XOAUTH2 user you@outlook.jp with a Microsoft token",
                  "XOAUTH2 user you@gmail.com with a Google token",
                  "| gmail (you@gmail.com)", "| outlook (you@outlook.jp)",
                  "outlook: all checks passed", "gmail: all checks passed"):
        assert shown in out, shown
    assert "All Mail: " not in out and "nnmaildir+gmail:[Gmail].All" not in out
    assert "Warning" not in out and "deprecated" not in out + result.stderr
    assert os.listdir(own_tmpdir) == []  # its temporary HOME and servers' files are removed
    leftover = subprocess.run(["pgrep", "-f", own_tmpdir], capture_output=True, text=True)
    assert leftover.stdout == ""  # no server it started is still running
