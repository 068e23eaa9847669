"""Benchmark: requests and latency of one refresh in a fresh `token` process,
with the discovery answers kept across processes (today) against the
baseline of asking for them again every time (deleting http_cache.json
before each refresh, as every process did before), in the same run.

    .venv/bin/python bench/refresh.py [--runs N] [--rtt-ms MS]

Each refresh is forced by making the stored access token stale.  Run on
loopback against the simulated identity platform of tests/fakes, once as
is and once with MS of delay added to every request (Microsoft's real
round trips are around 100 ms and more; on loopback they cost nothing).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from run import login, setup_platform  # noqa: E402


def make_stale(state_dir):
    path = os.path.join(state_dir, "work.json")
    with open(path) as handle:
        state = json.load(handle)
    for entry in state["msal"]["AccessToken"].values():
        entry["expires_on"] = str(int(time.time()) + 60)
    with open(path, "w") as handle:
        json.dump(state, handle)


def refreshes(idp, env, runs, keep_discovery):
    state_dir = env["OFFLINEIMAP_OAUTH_STATE_DIR"]
    cache = os.path.join(state_dir, "http_cache.json")
    samples, requests = [], []
    for _ in range(runs):
        make_stale(state_dir)
        if not keep_discovery and os.path.exists(cache):
            os.unlink(cache)
        before = len(idp.request_log)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "offlineimap_oauth", "token", "work"], env=env,
                       stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - started) * 1000)
        requests.append(len(idp.request_log) - before)
    return statistics.median(samples), statistics.mean(requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="refreshes per median")
    parser.add_argument("--rtt-ms", type=float, default=100, help="delay added per request")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        idp, env = setup_platform(work)
        try:
            login(idp, env)
            for delay in (0, args.rtt_ms):
                if delay:
                    idp.hang(delay / 1000, count=10 ** 6, path_contains="/")
                base = refreshes(idp, env, args.runs, keep_discovery=False)
                kept = refreshes(idp, env, args.runs, keep_discovery=True)
                rows.append((delay, base, kept))
        finally:
            idp.stop()
    print("| refresh in a fresh process | requests | median latency | baseline: discovery "
          "asked every time | ratio |")
    print("|---|---|---|---|---|")
    for delay, (base_ms, base_requests), (kept_ms, kept_requests) in rows:
        print("| %s, median of %d | %.1f | %.0f ms | %.1f requests, %.0f ms | %.2fx |"
              % ("loopback" if not delay else "+%.0f ms per request" % delay, args.runs,
                 kept_requests, kept_ms, base_requests, base_ms, kept_ms / base_ms))


if __name__ == "__main__":
    main()
