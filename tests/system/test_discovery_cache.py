"""One round trip per refresh: MSAL's discovery answers are kept in the state
directory across processes, never an error answer, and dropped when a call
that relied on them failed."""

import json

from tests.system.test_faults import stale_login


def cache_file(cli):
    return cli.state / "http_cache.json"


def test_a_refresh_in_a_fresh_process_is_one_request(cli, idp):
    stale_login(cli, idp)  # the login's discovery answer is kept for the next process
    idp.request_log.clear()
    assert cli.token("outlook").returncode == 0
    assert idp.counts["refresh_token"] == 1
    assert [path for _, path in idp.request_log] == ["/consumers/oauth2/v2.0/token"]


def test_saved_discovery_is_json_without_secrets_and_private(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    text = cache_file(cli).read_text()
    saved = json.loads(text)
    assert all(key.startswith("GET ") for key in saved["entries"])
    assert "openid-configuration" in text
    assert "refresh_token" not in text and "access_token" not in text
    assert cache_file(cli).stat().st_mode & 0o777 == 0o600


def test_an_error_answer_is_never_kept_for_the_next_process(cli, idp):
    stale_login(cli, idp)
    cache_file(cli).unlink()
    idp.fail(status=503, count=1, path_contains="openid-configuration")
    assert cli.token("outlook").returncode == 0  # retried within the deadline
    saved = json.loads(cache_file(cli).read_text())["entries"]
    assert saved and all(entry["status"] == 200 for entry in saved.values())
    stale_login(cli, idp)
    idp.fail(status=503, count=1, path_contains="openid-configuration")
    assert cli.token("outlook").returncode == 0
    assert idp.counts["discovery"] == 0  # the kept answer was good; the fault never met


def test_a_damaged_cache_file_costs_one_discovery_request(cli, idp):
    stale_login(cli, idp)
    cache_file(cli).write_text("{not json")
    assert cli.token("outlook").returncode == 0
    assert idp.counts["discovery"] == 1
    assert json.loads(cache_file(cli).read_text())["format"] == 1


def test_a_failed_refresh_drops_the_saved_answers(cli, idp):
    stale_login(cli, idp)
    idp.fail(status=500, count=1000)
    assert cli.token("outlook").returncode != 0
    assert not cache_file(cli).exists()
