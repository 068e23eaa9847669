"""Microsoft's refresh and its failures, in-process (providers/microsoft/app.py).

test_faults.py, test_microsoft_errors.py and test_field_failures.py check
these promises through a `token` subprocess, where a mutation tool
(contrib/mutation-test) cannot see which test reaches which function; here
the same promises are pinned by calling ``app.refresh`` in this process:
what is stored, until when a token is handed out, how often a failing
platform is asked, and which category and next step each failure gets.
"""

import json
import os
import re
import shutil
import time

import pytest

from offlineimap_oauth import accounts, discovery_cache, hotpath, notify
from offlineimap_oauth.errors import ConfigError, LoginRequired, TryLater
from offlineimap_oauth.providers.microsoft import app
from offlineimap_oauth.store import TokenStore
from tests.fakes.idp import FakeIdentityPlatform
from tests.fakes.tls import SYSTEM_ROOTS
from tests.support import OUTLOOK, Cli, Platform

LIFETIME = 3600  # the fake platform's access tokens


@pytest.fixture(scope="module")
def logged_in(test_ca, tmp_path_factory):
    """One platform and one login of [account outlook]; each test gets a copy.

    The platform's refresh tokens stay valid after use (no single use), so
    every test may refresh from the same stored login.
    """
    with FakeIdentityPlatform(test_ca) as idp:
        cli = Cli(tmp_path_factory.mktemp("login"), Platform(idp), test_ca)
        assert cli.login_paste("outlook").returncode == 0
        yield cli


@pytest.fixture
def cli(logged_in, tmp_path, test_ca):
    """The CLI's files for this test: the shared login copied, faults cleared."""
    idp = logged_in.platform.idp
    idp._faults.clear()
    idp.reset_counts()
    copy = Cli(tmp_path, logged_in.platform, test_ca)
    shutil.copytree(str(logged_in.state), str(copy.state))
    return copy


@pytest.fixture
def idp(logged_in):
    return logged_in.platform.idp


def in_this_process(cli, monkeypatch):
    for key in ("OFFLINEIMAP_OAUTH_STATE_DIR", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(key, cli.env[key])
    # Retries without the real 1-2-4-8 s pauses; their number is what counts.
    monkeypatch.setattr(app, "RETRY_DELAYS_S", (0.01, 0.01, 0.01, 0.01))
    return TokenStore(str(cli.state))


@pytest.fixture
def outlook(cli, monkeypatch):
    return in_this_process(cli, monkeypatch)


@pytest.fixture
def own_platform(test_ca, tmp_path, monkeypatch):
    """A platform of its own, logged in, for a test that stops it or kills its logins."""
    with FakeIdentityPlatform(test_ca) as idp:
        cli = Cli(tmp_path, Platform(idp), test_ca)
        assert cli.login_paste("outlook").returncode == 0
        idp.reset_counts()
        in_this_process(cli, monkeypatch)
        yield cli


def account_of(cli, name="outlook"):
    return accounts.find(accounts.load(str(cli.config)), name, str(cli.config))


def refresh(cli, seconds=20, force=True, name="outlook", now=time.time):
    store = TokenStore(str(cli.state))
    return app.refresh(account_of(cli, name), store, time.monotonic() + seconds, now=now,
                       force=force)


def test_a_refresh_stores_the_new_token_and_hands_it_out_until_its_margin(cli, idp, outlook):
    before = outlook.load("outlook")
    started = time.time()
    token, fresh_until, signature = refresh(cli)
    after = outlook.load("outlook")
    assert idp.counts["refresh_token"] == 1
    assert signature == outlook.load_signed("outlook")[1]
    secrets = [entry["secret"] for entry in after["msal"]["AccessToken"].values()]
    assert secrets == [token] and token not in json.dumps(before)
    # Handed out until 10 minutes before it expires, counted from the request.
    assert started + LIFETIME - 600 - 2 <= fresh_until <= time.time() + LIFETIME - 600
    assert abs(after["renewed_at"] - started) < 5
    assert after["login_at"] == before["login_at"] and after["login_tenant"] == "consumers"
    assert after["account"] == account_of(cli).binding()
    # The rotated refresh token is what is kept (the old one may stop working).
    assert after["msal"]["RefreshToken"] != before["msal"]["RefreshToken"]
    # The discovery answers are kept for the next process.
    assert discovery_cache.load(str(cli.state))


def test_the_clock_given_decides_what_is_stored(cli, idp, outlook):
    state = outlook.load("outlook")
    del state["login_at"], state["login_tenant"]  # a store written before these existed
    outlook.save("outlook", state)
    later = time.time() + 5 * 86400
    refresh(cli, now=lambda: later)
    state = outlook.load("outlook")
    assert state["renewed_at"] == state["login_at"] == int(later)
    assert state["login_tenant"] == "consumers"


def test_a_fresh_stored_token_is_served_under_the_lock_without_asking(cli, idp, outlook):
    stored = [entry["secret"] for entry in outlook.load("outlook")["msal"]["AccessToken"].values()]
    token, _, signature = refresh(cli, force=False)
    assert [token] == stored and idp.counts["refresh_token"] == 0
    assert signature == outlook.load_signed("outlook")[1]


def test_one_server_error_is_retried(cli, idp, outlook, caplog):
    idp.fail(status=503, count=1)
    caplog.set_level("DEBUG", logger=app.log.name)
    token, _, _ = refresh(cli)
    assert token and idp.counts["refresh_token"] == 2
    # What -v shows: the retry and its pause.
    said = [r.getMessage() for r in caplog.records if r.name == app.log.name]
    assert said == ["refresh of outlook failed; retrying in 0.01 s"]


def test_persistent_server_errors_give_up_after_four_retries_keeping_the_login(
        cli, idp, outlook):
    before = outlook.load("outlook")
    idp.fail(status=500, count=1000)
    with pytest.raises(TryLater) as caught:
        refresh(cli)
    assert idp.counts["refresh_token"] == 5  # the first try and RETRY_DELAYS_S's four
    assert caught.value.message == ("Cannot reach Microsoft's identity platform for [account "
                                    "outlook]: HTTP error from the identity platform (HTTP "
                                    "Error: 500).")
    assert caught.value.hint == ("Check the network and try again later; a still-valid cached "
                                 "token keeps working meanwhile.")
    assert outlook.load("outlook") == before


def test_retries_stop_when_the_next_pause_would_pass_the_deadline(cli, idp, outlook,
                                                                  monkeypatch):
    monkeypatch.setattr(app, "RETRY_DELAYS_S", (1, 2, 4, 8))
    idp.fail(status=500, count=1000)
    started = time.monotonic()
    with pytest.raises(TryLater):
        refresh(cli, seconds=2.8)
    # A pause is taken while the retry would still start a second before the
    # deadline: the 1 s pause (t + 1 + 1 < 2.8), not the 2 s one: two tries.
    assert idp.counts["refresh_token"] == 2
    assert time.monotonic() - started < 2.8


def test_out_of_time_before_asking_gives_up_without_a_request(cli, idp, outlook):
    with pytest.raises(TryLater) as caught:
        app._refresh_once(account_of(cli), outlook, outlook.load("outlook"),
                          time.monotonic() - 1, time.time)
    assert caught.value.message == "Gave up refreshing [account outlook]: out of time."
    assert caught.value.hint == "Try again later."
    assert idp.counts["refresh_token"] == 0


def test_a_failed_attempt_drops_the_saved_discovery_answers(cli, idp, outlook):
    assert os.path.exists(discovery_cache.path(str(cli.state)))
    idp.fail(status=500, count=1000)
    with pytest.raises(TryLater):
        refresh(cli)
    assert not os.path.exists(discovery_cache.path(str(cli.state)))


def test_a_dead_refresh_token_asks_for_a_login_and_notifies_once(own_platform, notices):
    cli, idp = own_platform, own_platform.platform.idp
    told = cli.tmp / "told.txt"
    command = 'echo "$OFFLINEIMAP_OAUTH_ACCOUNT|$OFFLINEIMAP_OAUTH_REASON" > %s' % told
    cli.write_config(cli.platform.config(outlook={"notify_command": command}))
    idp.expire_refresh_tokens(OUTLOOK["user"])
    with pytest.raises(LoginRequired) as caught:
        refresh(cli)
    assert caught.value.code == "AADSTS700082" and "90 days" in caught.value.message
    assert "offlineimap-oauth login outlook" in caught.value.hint
    marker = notify.marker_path(str(cli.state), "outlook")
    assert os.path.exists(marker) and len(notices) == 1  # the marker stops a second one
    notices[0].wait(timeout=30)
    # The notice names the account and why (the first line of what token says).
    assert told.read_text() == "outlook|%s\n" % caught.value.message.splitlines()[0]
    with pytest.raises(LoginRequired):
        refresh(cli)
    assert len(notices) == 1
    assert cli.login_paste("outlook").returncode == 0
    assert not os.path.exists(marker)


def test_a_successful_refresh_ends_the_login_needed_state(cli, idp, outlook, notices):
    cli.write_config(cli.platform.config(outlook={"notify_command": "true"}))
    marker = notify.marker_path(str(cli.state), "outlook")
    open(marker, "w").close()
    refresh(cli)
    assert not os.path.exists(marker) and notices == []


def test_a_refresh_token_of_another_user_is_never_used(cli, idp, outlook):
    state = outlook.load("outlook")
    for entry in state["msal"]["Account"].values():
        entry["username"] = "other@outlook.jp"
    outlook.save("outlook", state)
    with pytest.raises(LoginRequired) as caught:
        refresh(cli)
    assert caught.value.message == "No refresh token for me@outlook.jp in the store."
    assert "offlineimap-oauth login outlook" in caught.value.hint
    assert idp.counts["refresh_token"] == 0


def test_a_changed_tenant_is_named_with_the_way_back(cli, idp, outlook):
    cli.write_config(cli.platform.config(outlook={"authority": idp.authority("organizations")}))
    with pytest.raises(ConfigError) as caught:
        refresh(cli)
    message, hint = caught.value.message, caught.value.hint
    assert message.startswith("The tenant of [account outlook] changed since the login "
                              "(tenant = consumers then, organizations now). ")
    assert hint.endswith("\nOr set tenant = consumers back in %s." % cli.config)
    assert "tenant = consumers" in hint.splitlines()[0]  # Microsoft's own fix comes first


def test_the_same_tenant_in_other_letters_is_not_a_change(cli, idp, outlook):
    cli.write_config(cli.platform.config(outlook={"authority": idp.authority("Consumers")}))
    state = outlook.load("outlook")
    error = app._tenant_changed(LoginRequired("x", hint="y"), account_of(cli), state)
    assert (error.message, error.hint) == ("x", "y")


def test_a_platform_that_refuses_connections_is_try_later_naming_the_host(own_platform):
    cli, idp = own_platform, own_platform.platform.idp
    host = idp.base_url.split("//")[1]
    idp.stop()
    with pytest.raises(TryLater) as caught:
        refresh(cli)
    assert re.fullmatch(r"Cannot reach %s for \[account outlook\] \(\[Errno \d+\] Connection "
                        r"refused\)\." % re.escape(host), caught.value.message)
    assert caught.value.hint == ("Check the network (and a proxy in HTTPS_PROXY); then try "
                                 "again later. A still-valid cached token keeps working "
                                 "meanwhile.")


def test_a_dropped_connection_is_try_later_naming_the_failure(cli, idp, outlook):
    idp.drop(count=1000)
    with pytest.raises(TryLater) as caught:
        refresh(cli)
    assert caught.value.message == "Cannot reach %s for [account outlook] (ConnectionError)." \
        % idp.base_url.split("//")[1]


def test_a_certificate_nobody_trusts_is_a_config_error_naming_the_ca_bundle(
        cli, idp, outlook, monkeypatch):
    assert os.path.exists(SYSTEM_ROOTS), "the system's CA bundle (ca-certificates)"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", SYSTEM_ROOTS)  # without the test CA
    with pytest.raises(ConfigError) as caught:
        refresh(cli)
    message = caught.value.message
    assert message.startswith("The certificate of %s could not be verified for [account "
                              "outlook] ([SSL: CERTIFICATE_VERIFY_FAILED]"
                              % idp.base_url.split("//")[1])
    assert caught.value.hint == (
        "A company proxy or antivirus that inspects HTTPS shows its own certificate: point "
        "REQUESTS_CA_BUNDLE (or the system's CA store) at a bundle that also holds its CA, e.g. "
        "export REQUESTS_CA_BUNDLE=/path/to/bundle-with-proxy-ca.pem")
    assert idp.counts["refresh_token"] == 0


def test_a_throttled_discovery_is_try_later_not_a_tenant_error(cli, idp, outlook):
    os.unlink(discovery_cache.path(str(cli.state)))
    idp.fail(status=429, count=1000, path_contains="openid-configuration")
    with pytest.raises(TryLater) as caught:
        refresh(cli)
    assert caught.value.message == ("The identity platform's configuration for [account "
                                    "outlook] could not be read (HTTP 429).")
    assert caught.value.hint == "Try again later."


@pytest.mark.parametrize("status", [400, 404])
def test_an_authority_microsoft_does_not_know_is_a_config_error(cli, idp, outlook, status):
    os.unlink(discovery_cache.path(str(cli.state)))
    idp.fail(status=status, count=1000, path_contains="openid-configuration")
    with pytest.raises(ConfigError) as caught:
        refresh(cli)
    assert caught.value.message == ("Microsoft does not know the authority %s of [account "
                                    "outlook]." % idp.authority("consumers"))
    assert caught.value.hint == ("Check tenant (consumers, organizations, common, a tenant ID "
                                 "or domain) or authority in %s." % cli.config)
    # MSAL's own first line, which names the authority it could not use.
    assert caught.value.problems[0].startswith("MSAL said: ")
    assert idp.authority("consumers") in caught.value.problems[0]


def test_a_captive_portals_page_for_the_configuration_is_try_later(cli, idp, outlook):
    os.unlink(discovery_cache.path(str(cli.state)))
    idp.fail(status=200, count=1000, path_contains="openid-configuration", html=True)
    with pytest.raises(TryLater) as caught:
        refresh(cli)
    assert caught.value.message == ("The identity platform's configuration for [account "
                                    "outlook] could not be read (not JSON: a captive portal or "
                                    "proxy?).")


def test_a_platform_that_does_not_answer_is_given_up_by_the_deadline(cli, idp, outlook):
    idp.hang(seconds=8, count=1000)
    started = time.monotonic()
    with pytest.raises(TryLater):
        refresh(cli, seconds=2)
    assert time.monotonic() - started < 4  # each request is cut to what is left, not 10 s


def test_a_refresh_waits_for_the_lock_only_until_its_deadline(cli, idp, outlook):
    with outlook.locked("outlook", timeout=5):  # another process refreshing
        started = time.monotonic()
        with pytest.raises(TryLater) as caught:
            refresh(cli, seconds=0.3)
        assert 0.25 <= time.monotonic() - started < 3
    assert caught.value.message == ("Another offlineimap-oauth process has held the token lock "
                                    "of 'outlook' for more than 0 s.")
    assert idp.counts["refresh_token"] == 0


def test_a_login_without_its_refresh_token_asks_for_a_login_without_asking_microsoft(
        cli, idp, outlook):
    state = outlook.load("outlook")
    state["msal"]["RefreshToken"] = {}  # the user's account is there, its refresh token not
    outlook.save("outlook", state)
    with pytest.raises(LoginRequired) as caught:
        refresh(cli)
    assert caught.value.message == "No refresh token for me@outlook.jp in the store."
    assert caught.value.hint == "Run: offlineimap-oauth login outlook"
    assert idp.counts["refresh_token"] == 0


def test_the_last_second_before_the_deadline_is_still_used(cli, idp, outlook):
    token, _, _ = app._refresh_once(account_of(cli), outlook, outlook.load("outlook"),
                                    time.monotonic() + 0.9, time.time)
    assert idp.introspect(token)["active"] and idp.counts["refresh_token"] == 1


def test_a_network_failure_names_the_host_of_the_request_that_failed():
    """Not the authority's host when another one failed (a token endpoint or a
    cloud's discovery elsewhere): that is the host a proxy or firewall must let through."""
    import types

    import requests

    account = types.SimpleNamespace(name="outlook",
                                    authority="https://login.example.test/consumers")
    failed = requests.Request("POST", "https://tokens.example.test:8443/oauth2/v2.0/token")
    error = requests.exceptions.ConnectionError("[Errno 111] Connection refused",
                                                request=failed.prepare())
    assert app.network_error(error, account).message == (
        "Cannot reach tokens.example.test:8443 for [account outlook] ([Errno 111] Connection "
        "refused).")
    # Without a request (raised before one was made), the authority's host.
    bare = requests.exceptions.ConnectionError("Name or service not known")
    assert app.network_error(bare, account).message == (
        "Cannot reach login.example.test for [account outlook] (Name or service not known).")


def test_a_refresh_that_had_to_ask_for_discovery_keeps_the_answers_for_the_next(
        cli, idp, outlook):
    os.unlink(discovery_cache.path(str(cli.state)))  # e.g. dropped after a failed attempt
    refresh(cli)
    assert idp.counts["refresh_token"] == 1 and sum(idp.counts.values()) > 1  # discovery asked
    idp.reset_counts()
    refresh(cli)
    assert sum(idp.counts.values()) == idp.counts["refresh_token"] == 1, idp.counts


def test_a_short_lived_token_is_handed_out_for_most_of_its_life(cli, idp, outlook, monkeypatch):
    """Not refreshed at once: the margin shrinks with the lifetime (hotpath.margin_for)."""
    monkeypatch.setattr(idp, "access_token_lifetime", 900)
    started = time.time()
    token, fresh_until, _ = refresh(cli)
    margin = hotpath.margin_for(900)
    assert margin < 600  # not the margin of an hour-long token
    assert started + 900 - margin - 2 <= fresh_until <= time.time() + 900 - margin
