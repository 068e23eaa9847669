"""Benchmarks of the token paths, each against a baseline measured in the same run.

    .venv/bin/python bench/run.py [--runs N]

Prints one table:
- cached ``token`` latency (median of N process starts): our CLI from a
  regular (non-editable) install vs ``python -c pass`` vs a plain-MSAL
  script that loads a SerializableTokenCache and calls acquire_token_silent
  (what MSAL-based helpers do), with ratios; and our CLI when its sidecar
  is gone (the first call after a login, refresh or config edit);
- the in-process offlineimap hook: memoised calls per second;
- refresh storms: refresh grants the simulated platform saw for N = 2, 4,
  8, 16 concurrent ``token`` processes that all found the token stale;
- per ``token_store`` (plain, gpg with a passphrase-less throwaway key,
  keyring on a private gnome-keyring-daemon): cached ``token`` with and
  without the sidecar, with ``plaintext_access_token = no`` (every call
  decrypts), and a forced refresh (``token --refresh``).
Everything runs on 127.0.0.1 against the simulated identity platform of
tests/fakes; nothing is sent elsewhere.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.fakes.idp import FakeIdentityPlatform  # noqa: E402
from tests.fakes.tls import TestCA  # noqa: E402

CLIENT_ID = "33333333-3333-4333-8333-333333333333"
USER = "me@contoso.com"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TARGETS = {"vs_bare": 1.5, "vs_msal": 0.1, "hook_us": 50.0}

PLAIN_MSAL = """
import sys, msal
cache = msal.SerializableTokenCache()
cache.deserialize(open(sys.argv[1]).read())
app = msal.PublicClientApplication(sys.argv[2], authority=sys.argv[3], token_cache=cache,
                                   instance_discovery=False)
account = app.get_accounts()[0]
result = app.acquire_token_silent(sys.argv[4].split(), account=account)
sys.stdout.write(result["access_token"] + "\\n")
"""


MODES = ("plain", "gpg", "keyring")


def regular_install(directory):
    """A clean venv holding our package (and MSAL) as a regular install, as
    users get it: all three measurements run its interpreter, so .pth files
    of a development venv (an editable install's finder costs ~10 ms) count
    for none of them."""
    venv.EnvBuilder(with_pip=True).create(directory)
    python = os.path.join(directory, "bin", "python")
    subprocess.run([python, "-m", "pip", "install", "-q", ROOT + "[keyring]"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return python, os.path.join(directory, "bin", "offlineimap-oauth")


def median_ms(command, env, runs, before=None):
    samples = []
    for _ in range(runs):
        if before:
            before()  # not timed
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def setup_platform(work):
    ca = TestCA(os.path.join(work, "ca"))
    idp = FakeIdentityPlatform(ca).start()
    idp.add_org(TENANT, domains=("contoso.com",))
    idp.add_user(USER, tenant_id=TENANT)
    idp.register_app(CLIENT_ID, audience="organizations", public_client=True)
    config = os.path.join(work, "accounts.conf")
    with open(config, "w") as handle:
        handle.write("[account work]\nuser = %s\nclient_id = %s\nauthority = %s\n"
                     % (USER, CLIENT_ID, idp.authority("organizations")))
    env = dict(os.environ, REQUESTS_CA_BUNDLE=ca.bundle_path, SSL_CERT_FILE=ca.bundle_path,
               OFFLINEIMAP_OAUTH_CONFIG=config, HOME=work,
               OFFLINEIMAP_OAUTH_STATE_DIR=os.path.join(work, "state"), PYTHONPATH=ROOT)
    return idp, env


def login(idp, env):
    idp.sign_in_as(USER)
    subprocess.run([sys.executable, "-m", "offlineimap_oauth", "login", "work", "--flow",
                    "device"], env=env, check=True, stderr=subprocess.DEVNULL)


def bench_latency(idp, env, work, runs, python, ours):
    state = json.load(open(os.path.join(env["OFFLINEIMAP_OAUTH_STATE_DIR"], "work.json")))
    msal_cache = os.path.join(work, "msal-cache.json")
    with open(msal_cache, "w") as handle:
        json.dump(state["msal"], handle)
    from offlineimap_oauth.accounts import DEFAULT_SCOPES

    plain = [python, "-c", PLAIN_MSAL, msal_cache, CLIENT_ID,
             idp.authority("organizations"), " ".join(DEFAULT_SCOPES)]
    env = dict(env)
    env.pop("PYTHONPATH", None)  # the installed package, not the source tree
    bare = median_ms([python, "-c", "pass"], env, runs)
    token = median_ms([ours, "token", "work"], env, runs)
    sidecar = os.path.join(env["OFFLINEIMAP_OAUTH_STATE_DIR"], "work.token")
    full = median_ms([ours, "token", "work"], env, runs,
                     before=lambda: os.path.exists(sidecar) and os.unlink(sidecar))
    msal_ms = median_ms(plain, env, runs)
    return bare, token, full, msal_ms


def bench_hook(env, calls=200000):
    os.environ.update({k: env[k] for k in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR")})
    from offlineimap_oauth.offlineimap import access_token

    access_token("work")
    started = time.perf_counter()
    for _ in range(calls):
        access_token("work")
    per_call = (time.perf_counter() - started) / calls
    return 1 / per_call, per_call * 1e6


def bench_storm(idp, env, sizes=(2, 4, 8, 16)):
    rows = []
    for size in sizes:
        idp.access_token_lifetime = 300  # stale at once: below the 10-minute margin
        login(idp, env)
        idp.access_token_lifetime = 3600
        idp.reset_counts()
        processes = [subprocess.Popen([sys.executable, "-m", "offlineimap_oauth", "token", "work"],
                                      env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True)
                     for _ in range(size)]
        tokens = {process.communicate(timeout=120)[0] for process in processes}
        ok = all(process.returncode == 0 for process in processes)
        rows.append((size, idp.counts["refresh_token"], len(tokens), ok))
    return rows


def gpg_home(work):
    """A throwaway GNUPGHOME with one passphrase-less key; returns (home, fingerprint)."""
    home = tempfile.mkdtemp(prefix="gpg", dir=work)
    subprocess.run(["gpg", "--homedir", home, "--batch", "--quiet", "--pinentry-mode",
                    "loopback", "--passphrase", "", "--quick-gen-key", "bench <bench@example.invalid>",
                    "future-default", "default", "never"], check=True, capture_output=True)
    listing = subprocess.run(["gpg", "--homedir", home, "--with-colons", "--list-keys"],
                             check=True, capture_output=True, text=True).stdout
    return home, [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][0]


def mode_env(idp, env, work, mode, extra, fingerprint):
    """Environment of an account on ``token_store = mode`` with its own store, logged in."""
    tag = mode + ("-sealed" if extra else "")
    config = os.path.join(work, tag + ".conf")
    with open(config, "w") as handle:
        handle.write("[account work]\nuser = %s\nclient_id = %s\nauthority = %s\n"
                     "token_store = %s\ngpg_key = %s\n%s"
                     % (USER, CLIENT_ID, idp.authority("organizations"), mode, fingerprint, extra))
    env = dict(env, OFFLINEIMAP_OAUTH_CONFIG=config,
               OFFLINEIMAP_OAUTH_STATE_DIR=os.path.join(work, "state-" + tag))
    login(idp, env)
    return env


def interleaved_medians(cases, runs):
    """{name: median ms} of ``cases`` = {name: (command, env, before)}, run round-robin
    so that a busy machine slows every case alike."""
    samples = {name: [] for name in cases}
    for _ in range(runs):
        for name, (command, env, before) in cases.items():
            if before:
                before()  # not timed
            started = time.perf_counter()
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def bench_modes(idp, env, work, runs, python, ours):
    """{(mode, what): median ms} for every token_store, and ("bare", "") for python -c pass."""
    home, fingerprint = gpg_home(work)
    env = dict(env, GNUPGHOME=home)
    from tests.vaults import SecretService

    service = SecretService(__import__("pathlib").Path(work)).start()
    try:
        env.update(service.env)
        cached, refreshes = {("bare", ""): ([python, "-c", "pass"], env, None)}, {}
        for mode in MODES:
            for extra in ("",) + (("plaintext_access_token = no\n",) if mode != "plain" else ()):
                menv = mode_env(idp, env, work, mode, extra, fingerprint)
                menv.pop("PYTHONPATH", None)
                command = [ours, "token", "work"]
                if extra:
                    cached[mode, "sealed"] = (command, menv, None)
                    continue
                sidecar = os.path.join(menv["OFFLINEIMAP_OAUTH_STATE_DIR"], "work.token")
                subprocess.run(command, env=menv, stdout=subprocess.DEVNULL, check=True)
                cached[mode, "sidecar"] = (command, menv, None)
                cached[mode, "json"] = (command, menv,
                                        lambda s=sidecar: os.path.exists(s) and os.unlink(s))
                refreshes[mode, "refresh"] = (command + ["--refresh"], menv, None)
        results = interleaved_medians(cached, runs)
        results.update(interleaved_medians(refreshes, max(runs // 4, 5)))
    finally:
        service.stop()
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="process starts per median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        idp, env = setup_platform(work)
        try:
            login(idp, env)
            python, ours = regular_install(os.path.join(work, "venv"))
            bare, token, full, msal_ms = bench_latency(idp, env, work, args.runs, python, ours)
            modes = bench_modes(idp, env, work, args.runs, python, ours)
            bare_modes = modes["bare", ""]
            rate, per_call_us = bench_hook(env)
            storms = bench_storm(idp, env)
        finally:
            idp.stop()
    print("| measurement | value | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    print("| cached `token`, median of %d | %.1f ms | `python -c pass` %.1f ms | %.2fx | <= %.1fx |"
          % (args.runs, token, bare, token / bare, TARGETS["vs_bare"]))
    print("| cached `token` vs plain MSAL | %.1f ms | plain-MSAL script %.1f ms | %.3fx | <= %.1fx |"
          % (token, msal_ms, token / msal_ms, TARGETS["vs_msal"]))
    print("| cached `token`, first call after a change (no sidecar: JSON store + accounts.conf) "
          "| %.1f ms | `python -c pass` %.1f ms | %.2fx | |" % (full, bare, full / bare))
    print("| memoised hook `access_token()` | %.2f us/call (%.0f calls/s) | | | <= %.0f us |"
          % (per_call_us, rate, TARGETS["hook_us"]))
    bare = bare_modes  # the token_store rows were measured round-robin with their own baseline
    for mode in MODES:
        print("| `token_store = %s`: cached `token`, sidecar | %.1f ms | `python -c pass` %.1f ms "
              "| %.2fx | <= %.1fx |" % (mode, modes[mode, "sidecar"], bare,
                                        modes[mode, "sidecar"] / bare, TARGETS["vs_bare"]))
        print("| `token_store = %s`: cached `token`, no sidecar (public JSON) | %.1f ms | "
              "`python -c pass` %.1f ms | %.2fx | |" % (mode, modes[mode, "json"], bare,
                                                      modes[mode, "json"] / bare))
        if (mode, "sealed") in modes:
            print("| `token_store = %s`, `plaintext_access_token = no`: cached `token` (decrypts) "
                  "| %.1f ms | `python -c pass` %.1f ms | %.2fx | |"
                  % (mode, modes[mode, "sealed"], bare, modes[mode, "sealed"] / bare))
        print("| `token_store = %s`: `token --refresh` (decrypt, refresh, encrypt, save) | %.1f ms "
              "| plain refresh %.1f ms | %.2fx | |" % (mode, modes[mode, "refresh"],
                                                      modes["plain", "refresh"],
                                                      modes[mode, "refresh"] / modes["plain", "refresh"]))
    for size, refreshes, distinct, ok in storms:
        print("| refresh storm, %d processes | %d refresh grant(s), %d distinct token(s)%s | | | 1 |"
              % (size, refreshes, distinct, "" if ok else ", SOME FAILED"))


if __name__ == "__main__":
    main()
