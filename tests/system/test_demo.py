"""README's first command: the demo runs every step, exits 0, leaves nothing."""

import os
import subprocess
import sys

from tests.support import ROOT


def test_demo_runs_every_step_and_cleans_up(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    result = subprocess.run([sys.executable, os.path.join(ROOT, "contrib", "demo.py")],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo: all steps passed" in result.stdout
    assert "Logged in as me@outlook.jp" in result.stdout
    assert "Warning" not in result.stdout  # nothing noisy in what a newcomer sees
    assert list(tmp_path.iterdir()) == []  # its temporary world is removed
