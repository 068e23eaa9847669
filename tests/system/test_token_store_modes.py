"""token_store = plain | gpg | keyring: the same guarantees in every mode,
with the real gpg and a real Secret Service (tests/vaults.py).

After each scenario the test HOME is scanned: outside plain mode no refresh
token the platform issued may be found there in plaintext.  In plain mode
the same scan must find it (the scan can fail)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.support import OUTLOOK, ROOT
from tests.vaults import *  # noqa: F401,F403 - gpg_keys, gnupg_home, secret_service, mode, mode_cli
from tests.vaults import keyring_item, plaintext_hits, read_stored


def issued_refresh_tokens(idp):
    return [token.value for token in idp.issued("refresh", OUTLOOK["user"])]


def run_token_processes(cli, count):
    processes = [cli.popen("token", "outlook") for _ in range(count)]
    return [(process.returncode, out, err)
            for process in processes for out, err in [process.communicate(timeout=120)]]


def assert_refresh_tokens_protected(cli, idp):
    hits = plaintext_hits(cli.tmp, issued_refresh_tokens(idp))
    if cli.mode == "plain":
        assert hits, "the scan must find plain mode's refresh token"
    else:
        assert hits == [], hits


def test_login_refresh_and_rotation_keep_the_refresh_token_protected(mode_cli, idp):
    cli = mode_cli
    idp.access_token_lifetime = 300  # every token call refreshes
    assert cli.login_paste("outlook").returncode == 0
    state = json.loads((cli.state / "outlook.json").read_text())
    assert ("RefreshToken" in state["msal"]) == (cli.mode == "plain")
    assert os.path.exists(cli.state / "outlook.json.gpg") == (cli.mode == "gpg")
    for _ in range(2):
        result = cli.token("outlook")
        assert result.returncode == 0, result.stderr
    assert idp.counts["refresh_token"] == 2
    assert read_stored(cli, "outlook")["RefreshToken"] == [issued_refresh_tokens(idp)[-1]]
    assert_refresh_tokens_protected(cli, idp)


def test_cached_token_is_served_from_the_sidecar_without_decrypting(mode_cli, idp):
    cli = mode_cli
    assert cli.login_paste("outlook").returncode == 0
    first = cli.token("outlook")
    assert first.returncode == 0 and (cli.state / "outlook.token").exists()
    cli.env["GNUPGHOME"] = str(cli.tmp / "no-such-gnupg")  # any decryption would fail now
    cli.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
    idp.stop()
    (cli.state / "outlook.token").unlink()  # the public file serves too
    for _ in range(2):
        again = cli.token("outlook")
        assert (again.returncode, again.stdout) == (0, first.stdout), again.stderr


def test_eight_processes_refreshing_keep_the_newest_refresh_token(mode_cli, idp):
    cli = mode_cli
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    results = run_token_processes(cli, 8)
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 8  # one after another, under the lock
    assert read_stored(cli, "outlook")["RefreshToken"] == [issued_refresh_tokens(idp)[-1]]
    assert_refresh_tokens_protected(cli, idp)


def test_sixteen_stale_callers_cause_one_refresh(mode_cli, idp):
    cli = mode_cli
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600
    idp.reset_counts()
    results = run_token_processes(cli, 16)
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 1
    assert len({out for _, out, _ in results}) == 1
    assert_refresh_tokens_protected(cli, idp)


WRITER = textwrap.dedent("""
    import sys
    from offlineimap_oauth.store import TokenStore
    store = TokenStore(sys.argv[1])
    target = {"store": sys.argv[2], "gpg_key": sys.argv[3], "plaintext_access_token": True}
    n = 0
    while True:
        n += 1
        state = {"seq": n, "msal": {"RefreshToken": {"rt": {"secret": "rt-%d" % n}},
                                    "AccessToken": {"at": {"secret": "x" * 100000}}},
                 "token_store": dict(target)}
        with store.locked("a", timeout=10):
            store.save("a", state)
        print(n, flush=True)  # saved: from now on rt-n (or newer) must survive
""")


def test_sigkill_while_saving_never_loses_the_newest_refresh_token(mode_cli):
    cli = mode_cli
    key = getattr(cli, "gpg_keys", {}).get("nopass", "")
    env = dict(cli.env, PYTHONPATH=ROOT)
    directory = str(cli.state)
    for round_ in range(6):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, directory, cli.mode, key],
                                  stdout=subprocess.PIPE, text=True, env=env)
        saved = 0
        deadline = time.monotonic() + 30
        while saved < 2 + round_ and time.monotonic() < deadline:
            saved = int(writer.stdout.readline())
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
        stored = read_stored(cli, "a")["RefreshToken"]
        assert len(stored) == 1 and int(stored[0].split("-")[1]) >= saved, (stored, saved)
        check = subprocess.run([sys.executable, "-c",
                                "from offlineimap_oauth.store import TokenStore; import sys; "
                                "s = TokenStore(sys.argv[1]); s.locked('a', 2).__enter__()",
                                directory], env=env, timeout=30)
        assert check.returncode == 0  # the dead writer's lock is gone


def test_logout_removes_the_encrypted_copy(mode_cli, idp):
    cli = mode_cli
    assert cli.login_paste("outlook").returncode == 0
    assert cli.login_paste("work").returncode == 0
    if cli.mode == "keyring":
        assert keyring_item(cli, "outlook") != "None"
    assert cli.run("logout", "outlook").returncode == 0
    assert not (cli.state / "outlook.json").exists()
    assert not (cli.state / "outlook.json.gpg").exists()
    assert read_stored(cli, "outlook")["RefreshToken"] == []
    if cli.mode == "keyring":
        assert keyring_item(cli, "outlook") == "None"
    assert read_stored(cli, "work")["RefreshToken"]  # the other account is untouched
    assert cli.token("work").returncode == 0


def test_status_says_where_the_refresh_token_lives_and_never_shows_it(mode_cli, idp):
    cli = mode_cli
    assert cli.login_paste("outlook").returncode == 0
    result = cli.run("status", "outlook")
    assert result.returncode == 0, result.stderr
    line = [l for l in result.stdout.splitlines() if "refresh token lives in" in l][0]
    expected = {"plain": "plain file %s" % (cli.state / "outlook.json"),
                "gpg": "encrypted to %s" % getattr(cli, "gpg_keys", {}).get("nopass"),
                "keyring": "keyring item service='offlineimap-oauth:%s'" % cli.state}[cli.mode]
    assert expected in line, line
    assert "refresh token: present" in result.stdout
    for secret in issued_refresh_tokens(idp) + [t.value for t in idp.issued("access")]:
        assert secret not in result.stdout + result.stderr


HOOK = """
import sys
from offlineimap_oauth.offlineimap import access_token
tokens = [access_token("outlook") for _ in range(3)]
print(len(set(tokens)), tokens[0])
"""


def test_the_offlineimap_hook_refreshes_and_memoises_in_every_mode(mode_cli, idp):
    cli = mode_cli
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600  # the hook's refresh serves its next calls
    idp.reset_counts()
    result = subprocess.run([sys.executable, "-c", HOOK], capture_output=True, text=True,
                            env=dict(cli.env, PYTHONPATH=ROOT), timeout=120)
    assert result.returncode == 0, result.stderr
    distinct, token = result.stdout.split()
    assert distinct == "1" and idp.counts["refresh_token"] == 1
    assert read_stored(cli, "outlook")["RefreshToken"] == [issued_refresh_tokens(idp)[-1]]
    assert_refresh_tokens_protected(cli, idp)
