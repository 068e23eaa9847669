"""token_store = gpg | keyring without the user: never hang, say how to unlock.

msmtp and offlineimap run ``token`` with no terminal.  A passphrase-protected
gpg key with nothing cached in gpg-agent, or a locked / absent Secret
Service, must end a refresh quickly with exit code 6 and a message saying how
to unlock, while a still-valid cached access token keeps being served."""

import subprocess
import sys
import time

from offlineimap_oauth.errors import EXIT_LOCKED
from tests.support import ROOT
from tests.vaults import *  # noqa: F401,F403 - gpg_keys, gnupg_home, secret_service
from tests.vaults import GPG_PASSPHRASE, kill_agent

QUICK_S = 15  # well inside the 30 s every refresh must end in


def run_without_terminal(cli, *args):
    """The CLI as msmtp runs it: no stdin, no controlling terminal."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "offlineimap_oauth", *args],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            env=dict(cli.env, PYTHONPATH=ROOT), timeout=60,
                            start_new_session=True)
    return result, time.monotonic() - started


def test_gpg_key_with_uncached_passphrase_fails_fast_and_cached_token_still_serves(
        cli, platform, idp, gnupg_home):
    home, keys = gnupg_home
    cli.env["GNUPGHOME"] = str(home)
    settings = {"token_store": "gpg", "gpg_key": keys["locked"]}
    cli.write_config(platform.config(outlook=settings, work=settings))
    assert cli.login_paste("outlook").returncode == 0  # encrypting needs no passphrase
    idp.access_token_lifetime = 300  # work's token needs a refresh on every call
    assert cli.login_paste("work").returncode == 0
    kill_agent(home)  # nothing cached

    served, _ = run_without_terminal(cli, "token", "outlook")
    assert served.returncode == 0 and served.stdout.strip(), served.stderr

    for args in (("token", "outlook", "--refresh"), ("token", "work")):
        result, elapsed = run_without_terminal(cli, *args)
        assert result.returncode == EXIT_LOCKED, result.stderr
        assert elapsed < QUICK_S
        assert result.stdout == ""
        assert "gpg-agent could not decrypt" in result.stderr
        assert "offlineimap-oauth token %s` once in a terminal" % args[1] in result.stderr
    assert idp.counts["refresh_token"] == 0

    again, _ = run_without_terminal(cli, "token", "outlook")
    assert (again.returncode, again.stdout) == (0, served.stdout)

    # The user unlocks once (here: the passphrase given to gpg-agent, which
    # caches it, as after typing it into a pinentry); then no terminal is needed.
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback",
                    "--passphrase", GPG_PASSPHRASE, "--decrypt", str(cli.state / "work.json.gpg")],
                   capture_output=True, timeout=60, check=True)
    healed, _ = run_without_terminal(cli, "token", "work")
    assert healed.returncode == 0 and healed.stdout.strip(), healed.stderr


def test_locked_secret_service_fails_fast_and_cached_token_still_serves(
        cli, platform, idp, secret_service):
    cli.env.update(secret_service.env)
    settings = {"token_store": "keyring"}
    cli.write_config(platform.config(outlook=settings, work=settings))
    assert cli.login_paste("outlook").returncode == 0
    served, _ = run_without_terminal(cli, "token", "outlook")
    assert served.returncode == 0, served.stderr

    secret_service.stop()
    cli.env.update(secret_service.start(unlock=False).env)  # the same keyrings, locked
    result, elapsed = run_without_terminal(cli, "token", "outlook", "--refresh")
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert elapsed < QUICK_S and result.stdout == ""
    assert "keyring is locked" in result.stderr and "Unlock the keyring" in result.stderr

    again, _ = run_without_terminal(cli, "token", "outlook")
    assert (again.returncode, again.stdout) == (0, served.stdout)


def test_absent_secret_service_fails_fast_naming_what_to_start(cli, platform, idp,
                                                               secret_service):
    cli.env.update(secret_service.env)
    cli.write_config(platform.config(outlook={"token_store": "keyring"}))
    assert cli.login_paste("outlook").returncode == 0
    secret_service.stop()
    del cli.env["DBUS_SESSION_BUS_ADDRESS"]  # cron, SSH: no session bus at all
    result, elapsed = run_without_terminal(cli, "token", "outlook", "--refresh")
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert elapsed < QUICK_S
    assert "No Secret Service or Keychain is reachable" in result.stderr


def run_in_a_terminal(cli, passphrase, *args):
    """The CLI with a terminal on stdin (a pty): gpg-agent's curses pinentry
    appears there and is answered with ``passphrase``; stdout stays a pipe."""
    import os
    import pty
    import select

    master, slave = pty.openpty()
    env = dict(cli.env, PYTHONPATH=ROOT, TERM="xterm")
    env.pop("GPG_TTY", None)  # ours must find the terminal itself
    process = subprocess.Popen([sys.executable, "-m", "offlineimap_oauth", *args], stdin=slave,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)
    os.close(slave)
    screen, typed = b"", False
    deadline = time.monotonic() + 60
    try:
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    screen += os.read(master, 4096)
                except OSError:
                    break
            if not typed and b"assphrase" in screen:
                time.sleep(0.3)
                os.write(master, passphrase.encode() + b"\r")
                typed = True
        out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
    return process.returncode, out, err, typed


def test_running_token_once_in_a_terminal_unlocks_gpg_agent(cli, platform, idp, gnupg_home):
    home, keys = gnupg_home
    cli.env["GNUPGHOME"] = str(home)
    cli.write_config(platform.config(work={"token_store": "gpg", "gpg_key": keys["locked"]}))
    idp.access_token_lifetime = 300  # every call refreshes: every call decrypts
    assert cli.login_paste("work").returncode == 0
    kill_agent(home)
    locked, _ = run_without_terminal(cli, "token", "work")
    assert locked.returncode == EXIT_LOCKED, locked.stderr

    code, out, err, typed = run_in_a_terminal(cli, GPG_PASSPHRASE, "token", "work")
    assert typed, "no pinentry appeared on the terminal"
    assert code == 0 and out.strip(), err

    after, _ = run_without_terminal(cli, "token", "work")  # the agent has it cached now
    assert after.returncode == 0 and after.stdout.strip(), after.stderr
