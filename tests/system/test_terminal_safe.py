"""An escape sequence planted in accounts.conf (or a Gnus file, or a server's
answer) reaches the user's terminal as visible text, never as a command."""

import subprocess
import sys

from tests.support import ROOT


def test_an_escape_sequence_in_accounts_conf_is_shown_not_run(tmp_path):
    config = tmp_path / "accounts.conf"
    config.write_bytes(b"[acc\x1b]0;pwned\x07\x1b[2J]\nuser = me@outlook.jp\n")
    result = subprocess.run([sys.executable, "-m", "offlineimap_oauth", "status"],
                            capture_output=True, text=True, cwd=ROOT,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                                 "OFFLINEIMAP_OAUTH_CONFIG": str(config), "PYTHONPATH": ROOT})
    assert result.returncode == 3
    assert "%s:1: [acc\\x1b]0;pwned\\x07\\x1b[2J]: unknown section" % config in result.stderr
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stderr
