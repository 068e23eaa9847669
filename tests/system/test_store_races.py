"""The token store under crashes and concurrent refreshes."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from offlineimap_oauth.store import TokenStore
from tests.support import OUTLOOK, ROOT

WRITER = textwrap.dedent("""
    import sys
    from offlineimap_oauth.store import TokenStore
    store = TokenStore(sys.argv[1])
    payload = "x" * 200000  # a big file makes a kill mid-write likely
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        with store.locked("a", timeout=10):
            store.save("a", {"seq": n, "payload": payload, "check": len(payload) + n})
""")


def test_sigkill_while_saving_leaves_a_readable_store_and_no_stuck_lock(tmp_path):
    store = TokenStore(str(tmp_path))
    rng = random.Random(7)
    last_seq = 0
    for _ in range(12):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                                  stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ, PYTHONPATH=ROOT))
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.15))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
        state = store.load("a")  # complete JSON, old or new, never half
        if state is not None:
            assert state["check"] == len(state["payload"]) + state["seq"]
            assert state["seq"] >= 1
            last_seq = state["seq"]
        with store.locked("a", timeout=2):  # the dead writer's lock is gone
            pass
    assert last_seq > 0


def run_token_processes(cli, count):
    processes = [cli.popen("token", "outlook") for _ in range(count)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def test_eight_processes_refreshing_keep_the_newest_refresh_token(cli, idp):
    idp.access_token_lifetime = 300  # every token is stale: every process refreshes
    assert cli.login_paste("outlook").returncode == 0
    results = run_token_processes(cli, 8)
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 8  # one after another, under the lock
    stored = json.loads((cli.state / "outlook.json").read_text())
    stored_rts = [e["secret"] for e in stored["msal"]["RefreshToken"].values()]
    newest = idp.issued("refresh", OUTLOOK["user"])[-1].value
    assert stored_rts == [newest]


def test_sixteen_stale_callers_cause_one_refresh(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600  # the refreshed token serves everyone else
    idp.reset_counts()
    results = run_token_processes(cli, 16)
    assert all(code == 0 for code, _, _ in results), results
    assert idp.counts["refresh_token"] == 1
    assert len({out for _, out, _ in results}) == 1
