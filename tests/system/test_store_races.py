"""The token store under crashes and concurrent refreshes, deterministically.

Crashes: a writer process dies (``os._exit``) at one chosen step of a save
(before the write, after it, after the fsync, after the rename) by
replacing that ``os`` function in the child, not by a SIGKILL at a random
moment.  Races: the test holds the account's lock itself until every
``token`` process is waiting on it, then lets go, so the interleaving is
the same on every run.  On a write-in-place or lock-less store each of
these fails every time.
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from offlineimap_oauth.store import TokenStore
from tests.support import OUTLOOK, ROOT

CRASHED = 70  # the exit status of a writer that died at the injected step
OLD = {"seq": 1, "payload": "o" * 50000}
NEW = {"seq": 2, "payload": "n" * 50000}

# Dies at STEP of a save; "after-rename" dies once the new name is in place.
CRASHING_WRITER = textwrap.dedent("""
    import json, os, sys
    from offlineimap_oauth.store import TokenStore
    directory, step, state = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    real_replace = os.replace

    def die(*args):
        os._exit(%d)

    def rename_then_die(source, target):
        real_replace(source, target)
        os._exit(%d)

    injected = {"before-write": ("write", die), "after-write": ("fsync", die),
                "after-fsync": ("replace", die), "after-rename": ("replace", rename_then_die)}
    store = TokenStore(directory)
    with store.locked("a", timeout=10):
        name, replacement = injected[step]
        setattr(os, name, replacement)
        store.save("a", state)
    os._exit(0)
""" % (CRASHED, CRASHED))


def crash_while_saving(directory, step, state):
    return subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(directory), step,
                           json.dumps(state)], env=dict(os.environ, PYTHONPATH=ROOT),
                          capture_output=True, text=True, timeout=60)


def saved(store):
    state = store.load("a")
    return state and {key: state[key] for key in ("seq", "payload")}


@pytest.mark.parametrize("step,survivor", [("before-write", OLD), ("after-write", OLD),
                                           ("after-fsync", OLD), ("after-rename", NEW)])
def test_a_writer_dying_at_each_step_leaves_one_whole_version_and_no_stuck_lock(
        tmp_path, step, survivor):
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        store.save("a", OLD)
    result = crash_while_saving(tmp_path, step, NEW)
    assert result.returncode == CRASHED, result.stderr  # it died at that step, not before
    assert saved(store) == survivor  # the old file until the rename, the new one after
    temps = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(temps) == (0 if step == "after-rename" else 1), temps  # beside the file
    with store.locked("a", timeout=2):  # the kernel released the dead writer's lock
        store.save("a", {"seq": 3, "payload": ""})
    temps = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert temps == []  # the next save removed the dead writer's temp file
    assert saved(store) == {"seq": 3, "payload": ""}


def test_a_save_fsyncs_the_data_before_the_rename_and_the_directory_after(tmp_path,
                                                                          monkeypatch):
    from offlineimap_oauth import safefs

    events = []
    real = {name: getattr(os, name) for name in ("write", "fsync", "replace")}
    for name in real:
        def record(*args, _name=name):
            events.append(_name)
            return real[_name](*args)
        monkeypatch.setattr(os, name, record)
    safefs.replace(str(tmp_path / "a.json"), b"{}", 0o600)
    assert events == ["write", "fsync", "replace", "fsync"], events


# --- races: the test holds the lock until every process waits on it ----------------------

def holds_open(pid, path):
    """Whether process ``pid`` has ``path`` open (it is waiting on, or holds, the lock)."""
    directory = "/proc/%d/fd" % pid
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(os.path.join(directory, name)) == path:
                return True
        except OSError:
            continue
    return False


def start_waiting_on_the_lock(cli, idp, count):
    """``count`` token processes, each stopped at the account's lock the test holds."""
    store = TokenStore(str(cli.state))
    lock_path = store.path("outlook") + ".lock"
    held = store.locked("outlook", timeout=5)
    held.__enter__()
    processes = [cli.popen("token", "outlook") for _ in range(count)]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if all(p.poll() is not None or holds_open(p.pid, lock_path) for p in processes):
            break
        time.sleep(0.05)
    running = [p.poll() is None for p in processes]
    refreshed = idp.counts["refresh_token"]
    return held, processes, running, refreshed


def finish(processes):
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def presented_refresh_tokens(idp, monkeypatch):
    """The refresh token each refresh presented, in the order they reached the platform."""
    presented = []
    real = idp._grant_refresh

    def recording(app, tenant, form):
        presented.append(form.get("refresh_token"))
        return real(app, tenant, form)

    monkeypatch.setattr(idp, "_grant_refresh", recording)
    return presented


def test_processes_refreshing_one_after_another_keep_the_newest_refresh_token(
        cli, idp, monkeypatch):
    idp.access_token_lifetime = 300  # every token is stale: every process refreshes
    assert cli.login_paste("outlook").returncode == 0
    idp.reset_counts()
    presented = presented_refresh_tokens(idp, monkeypatch)
    held, processes, running, refreshed = start_waiting_on_the_lock(cli, idp, 4)
    held.__exit__(None, None, None)
    results = finish(processes)
    assert running == [True] * 4 and refreshed == 0  # all waited while the test held it
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 4  # one after another, under the lock
    issued = [record.value for record in idp.issued("refresh", OUTLOOK["user"])]
    assert presented == issued[:-1]  # each refresh used the token the one before it got
    stored = json.loads((cli.state / "outlook.json").read_text())
    stored_rts = [e["secret"] for e in stored["msal"]["RefreshToken"].values()]
    assert stored_rts == [issued[-1]]


def test_stale_callers_released_together_cause_one_refresh(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600  # the refreshed token serves everyone else
    idp.reset_counts()
    held, processes, running, refreshed = start_waiting_on_the_lock(cli, idp, 8)
    held.__exit__(None, None, None)
    results = finish(processes)
    assert running == [True] * 8 and refreshed == 0
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 1  # the others re-read the file under the lock
    assert len({out for _, out, _ in results}) == 1


def test_token_waits_for_a_held_lock_then_gives_up_within_its_deadline(cli, idp):
    """msmtp waits for us without a timeout of its own: `token` must not wait forever."""
    from offlineimap_oauth.hotpath import TOKEN_DEADLINE_S

    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.reset_counts()
    store = TokenStore(str(cli.state))
    with store.locked("outlook", timeout=5):
        started = time.monotonic()
        result = cli.run("token", "outlook", timeout=TOKEN_DEADLINE_S + 30)
        elapsed = time.monotonic() - started
    assert result.returncode == 5 and result.stdout == ""
    assert "held the token lock of 'outlook'" in result.stderr
    assert "Try again later" in result.stderr and "Traceback" not in result.stderr
    assert TOKEN_DEADLINE_S - 3 <= elapsed <= TOKEN_DEADLINE_S + 5, elapsed
    assert TOKEN_DEADLINE_S < 30  # within the 30 s a caller is promised (README)
    assert idp.counts["refresh_token"] == 0
    assert cli.token("outlook").returncode == 0  # once the lock is free, it works
