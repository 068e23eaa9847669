"""The identity platform failing: cached tokens still serve, refreshes give up
within 30 s with the try-later exit code, and never print on stdout."""

import json
import time

from offlineimap_oauth.errors import EXIT_TRY_LATER

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


def test_one_server_error_is_retried(cli, idp):
    stale_login(cli, idp)
    idp.fail(status=503, count=1)
    result, _ = timed_token(cli)
    assert result.returncode == 0, result.stderr
    assert idp.counts["refresh_token"] == 2  # the failed one and the retry


def test_persistent_server_errors_give_up_in_time(cli, idp):
    stale_login(cli, idp)
    idp.fail(status=500, count=1000)
    result, elapsed = timed_token(cli)
    assert_try_later(result, elapsed)
    assert 2 <= idp.counts["refresh_token"] <= 6  # bounded retries, not a loop


# A platform that never answers: tests/system/test_deadline.py (every request,
# discovery included).


def test_platform_down_gives_up_in_time_but_serves_cached_token(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    idp.stop()  # connection refused from now on
    assert cli.token("outlook").returncode == 0  # cached: no network needed
    # Let the stored token run into the refresh margin.
    path = cli.state / "outlook.json"
    state = json.loads(path.read_text())
    for entry in state["msal"]["AccessToken"].values():
        entry["expires_on"] = str(int(time.time()) + 60)
    path.write_text(json.dumps(state))
    result, elapsed = timed_token(cli)
    assert_try_later(result, elapsed)


def test_throttled_discovery_is_try_later_not_a_tenant_error(cli, idp):
    stale_login(cli, idp)
    (cli.state / "http_cache.json").unlink()  # a fresh machine asks for discovery
    idp.fail(status=429, count=1000, path_contains="openid-configuration")
    result, elapsed = timed_token(cli)
    assert_try_later(result, elapsed)
    assert "Check tenant" not in result.stderr and "HTTP 429" in result.stderr
