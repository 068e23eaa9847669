"""The identity platform failing: cached tokens still serve, refreshes give up
within 30 s with the try-later exit code, and never print on stdout.

Each fault gets its own simulated platform and token store, and their `token`
runs go at once (threads): the promise is about each caller's wall-clock
time, and waiting out each backoff (1, 2, 4, 8 s) in turn would cost the
suite most of a minute."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from offlineimap_oauth.errors import EXIT_TRY_LATER
from tests.fakes.idp import FakeIdentityPlatform
from tests.support import Cli, Platform

GIVE_UP_S = 30


def stale_login(cli, idp):
    idp.access_token_lifetime = 300  # under the 10-minute margin: needs a refresh
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600
    idp.reset_counts()


def timed_token(cli):
    started = time.monotonic()
    result = cli.token("outlook")
    return result, time.monotonic() - started


def assert_try_later(result, elapsed):
    assert result.returncode == EXIT_TRY_LATER, result.stderr
    assert result.stdout == ""
    assert "try again later" in result.stderr.lower()
    assert elapsed < GIVE_UP_S


# --------------------------------------------- the faults, set up before `token`
def one_server_error(cli, idp):
    stale_login(cli, idp)
    idp.fail(status=503, count=1)


def persistent_server_errors(cli, idp):
    stale_login(cli, idp)
    idp.fail(status=500, count=1000)


def platform_down(cli, idp):
    """Returns the `token` run made while the stored token was still fresh."""
    assert cli.login_paste("outlook").returncode == 0
    idp.stop()  # connection refused from now on
    cached = cli.token("outlook")
    # Let the stored token run into the refresh margin.
    path = cli.state / "outlook.json"
    state = json.loads(path.read_text())
    for entry in state["msal"]["AccessToken"].values():
        entry["expires_on"] = str(int(time.time()) + 60)
    path.write_text(json.dumps(state))
    return cached


def throttled_discovery(cli, idp):
    stale_login(cli, idp)
    (cli.state / "http_cache.json").unlink()  # a fresh machine asks for discovery
    idp.fail(status=429, count=1000, path_contains="openid-configuration")


FAULTS = (one_server_error, persistent_server_errors, platform_down, throttled_discovery)
# A platform that never answers, trickles or hangs up: tests/system/test_deadline.py.


class Outcome:
    def __init__(self, idp, before, result, elapsed):
        self.idp, self.before, self.result, self.elapsed = idp, before, result, elapsed


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, test_ca):
    """fault name -> Outcome: every fault's `token` run, all at once."""
    with ExitStack() as stack:
        prepared = {}
        for fault in FAULTS:
            idp = stack.enter_context(FakeIdentityPlatform(test_ca))
            cli = Cli(tmp_path_factory.mktemp(fault.__name__), Platform(idp), test_ca)
            prepared[fault.__name__] = (cli, idp, fault(cli, idp))
        with ThreadPoolExecutor(len(prepared)) as pool:
            running = {name: pool.submit(timed_token, cli) for name, (cli, _, _) in prepared.items()}
            done = {name: Outcome(prepared[name][1], prepared[name][2], *future.result())
                    for name, future in running.items()}
        yield done


def test_one_server_error_is_retried(outcomes):
    outcome = outcomes["one_server_error"]
    assert outcome.result.returncode == 0, outcome.result.stderr
    assert outcome.idp.counts["refresh_token"] == 2  # the failed one and the retry


def test_persistent_server_errors_give_up_in_time(outcomes):
    outcome = outcomes["persistent_server_errors"]
    assert_try_later(outcome.result, outcome.elapsed)
    assert 2 <= outcome.idp.counts["refresh_token"] <= 6  # bounded retries, not a loop


def test_platform_down_gives_up_in_time_but_serves_cached_token(outcomes):
    outcome = outcomes["platform_down"]
    assert outcome.before.returncode == 0, outcome.before.stderr  # cached: no network needed
    assert_try_later(outcome.result, outcome.elapsed)


def test_throttled_discovery_is_try_later_not_a_tenant_error(outcomes):
    outcome = outcomes["throttled_discovery"]
    assert_try_later(outcome.result, outcome.elapsed)
    assert "Check tenant" not in outcome.result.stderr and "HTTP 429" in outcome.result.stderr
