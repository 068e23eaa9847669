"""The contrib systemd user units: systemd itself accepts them, and the
command the service runs is one our CLI accepts."""

import os
import shlex
import shutil
import subprocess

from tests.e2e._require import require_binary
from tests.support import ROOT

UNITS = os.path.join(ROOT, "contrib", "systemd")
SERVICE = "offlineimap-oauth-refresh.service"
TIMER = "offlineimap-oauth-refresh.timer"


def exec_start():
    for line in open(os.path.join(UNITS, SERVICE), encoding="utf-8"):
        if line.startswith("ExecStart="):
            return shlex.split(line[len("ExecStart="):])
    raise AssertionError("no ExecStart in " + SERVICE)


def verify(tmp_path, *units):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, HOME=str(tmp_path), XDG_RUNTIME_DIR=str(runtime))
    return subprocess.run([require_binary("systemd-analyze"), "verify", "--user", *units],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def install(tmp_path):
    for unit in (SERVICE, TIMER):
        shutil.copy(os.path.join(UNITS, unit), tmp_path / unit)
    command = tmp_path / ".local" / "bin" / "offlineimap-oauth"  # where pipx installs
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)


def test_systemd_accepts_the_units(tmp_path):
    install(tmp_path)
    result = verify(tmp_path, SERVICE, TIMER)
    assert result.returncode == 0, result.stderr


def test_systemd_analyze_would_catch_a_broken_timer(tmp_path):
    install(tmp_path)
    timer = tmp_path / TIMER
    timer.write_text(timer.read_text().replace("OnCalendar=", "OnCalender="))
    assert verify(tmp_path, SERVICE, TIMER).returncode != 0


def test_the_service_runs_a_command_our_cli_accepts(cli, idp):
    program, *args = exec_start()
    assert program.endswith("/offlineimap-oauth") and args[0] == "refresh"
    assert cli.login_paste("outlook").returncode == 0
    result = cli.run(*args)
    assert "usage:" not in result.stderr
    assert "outlook: renewed 0 days ago; nothing to do" in result.stderr
