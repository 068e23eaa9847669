"""Refreshing Google tokens through the real google-auth against the simulated
Google: single flight under the store's lock, no rotation, Google's failures,
deadlines, and a cached-token path that imports nothing of Google's."""

import os
import subprocess
import sys
import time

import pytest

from offlineimap_oauth.errors import ConfigError, LoginRequired, TryLater
from offlineimap_oauth.providers.google import client, flows
from tests.fakes.google.fixtures import USER, gmail, google  # noqa: F401 - fixtures
from tests.support import ROOT
from tests.system.test_google_login import User
from tests.vaults import gnupg_home, gpg_keys  # noqa: F401 - fixtures

def login(gmail, lifetime=3599):
    user = User(gmail.google)
    gmail.google.access_token_lifetime = lifetime
    flows.login(gmail.account, gmail.store, flow="paste", open_browser=False, stdin=user,
                stderr=user.stderr)
    gmail.google.access_token_lifetime = 3599
    return gmail.store.load("gmail")


def refresh(gmail, seconds=20, force=True, account=None):
    return client.refresh(account or gmail.account, gmail.store, time.monotonic() + seconds,
                          force=force)


def test_refresh_keeps_the_refresh_token_and_serves_a_fresh_access_token(gmail):
    before = login(gmail)
    token, fresh_until, signature = refresh(gmail)
    after = gmail.store.load("gmail")
    assert token != before["google"]["access_token"] and token == after["google"]["access_token"]
    assert after["google"]["refresh_token"] == before["google"]["refresh_token"]  # not rotated
    assert abs(fresh_until - (time.time() + 3599 - 600)) < 5
    assert gmail.google.tokeninfo(token)["aud"] == gmail.client.client_id
    assert gmail.google.counts["refreshed"] == 1
    assert signature == gmail.store.load_signed("gmail")[1]


def test_a_fresh_stored_token_is_served_under_the_lock_without_asking_google(gmail):
    stored = login(gmail)
    assert refresh(gmail, force=False)[0] == stored["google"]["access_token"]
    assert gmail.google.counts["refresh_token"] == 0


def test_token_uri_override_is_where_the_refresh_goes(gmail):
    login(gmail)
    refresh(gmail)
    assert ("POST", "/token") in gmail.google.request_log  # not oauth2.googleapis.com


def test_n_processes_needing_a_refresh_cause_one_refresh(gmail, ca_env, tmp_path):
    login(gmail, lifetime=250)  # stale at once: 5-minute margin
    config = tmp_path / "accounts.conf"
    config.write_text(gmail.section("gmail"))
    env = dict(os.environ, PYTHONPATH=ROOT, OFFLINEIMAP_OAUTH_CONFIG=str(config),
               OFFLINEIMAP_OAUTH_STATE_DIR=gmail.store.directory)
    with gmail.store.locked("gmail", timeout=5):  # all of them queue on the lock
        procs = [subprocess.Popen([sys.executable, "-m", "offlineimap_oauth", "token", "gmail"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for _ in range(6)]
        time.sleep(2)
        assert gmail.google.counts["refresh_token"] == 0
    results = [proc.communicate(timeout=60) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), results
    tokens = {out.strip() for out, _ in results}
    assert tokens == {gmail.store.load("gmail")["google"]["access_token"]}
    assert gmail.google.counts["refresh_token"] == 1


def test_n_threads_needing_a_refresh_cause_one_refresh(gmail):
    import threading

    login(gmail, lifetime=250)
    answers, errors = [], []

    def token():
        try:
            answers.append(refresh(gmail, force=False)[0])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=token) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(set(answers)) == 1 and len(answers) == 5
    assert gmail.google.counts["refresh_token"] == 1


def test_revoked_access_asks_for_a_login(gmail):
    login(gmail)
    gmail.google.revoke(USER)
    with pytest.raises(LoginRequired) as raised:
        refresh(gmail)
    assert "Token has been expired or revoked." in str(raised.value)
    assert str(raised.value).endswith("offlineimap-oauth login gmail")


def test_a_published_apps_refresh_token_outlives_a_week(gmail):
    gmail.client.status = "production"
    login(gmail)
    gmail.google.advance(30 * 24 * 3600)
    assert refresh(gmail)[0]


def test_a_wrong_secret_is_a_configuration_error_and_keeps_the_login(gmail):
    login(gmail)
    wrong = gmail.make_account(client_secret="GOCSPX-not-it")
    with pytest.raises(ConfigError, match="client secret"):
        refresh(gmail, account=wrong)
    assert gmail.store.load("gmail")["google"]["refresh_token"]


def test_a_deleted_client_is_a_configuration_error(gmail):
    login(gmail)
    gmail.google._clients.clear()
    with pytest.raises(ConfigError, match="knows no OAuth client"):
        refresh(gmail)


def test_changed_settings_or_no_login_ask_for_a_login_without_asking_google(gmail):
    with pytest.raises(LoginRequired, match="No token for me@gmail.com"):
        refresh(gmail)
    login(gmail)
    other = gmail.make_account(user="other@gmail.com")
    with pytest.raises(LoginRequired, match="changed: user"):
        refresh(gmail, account=other)
    assert gmail.google.counts["refresh_token"] == 0


def test_one_5xx_is_retried_by_google_auth(gmail):
    login(gmail)
    gmail.google.fail(500, count=1)
    assert refresh(gmail)[0]
    assert gmail.google.counts["refresh_token"] == 2


def test_a_failing_google_is_try_later_and_the_stored_token_survives(gmail):
    before = login(gmail)
    gmail.google.fail(503, count=10)
    with pytest.raises(TryLater):
        refresh(gmail)
    assert gmail.store.load("gmail") == before


def test_a_hanging_google_gives_up_by_the_deadline(gmail):
    login(gmail)
    gmail.google.hang(60, count=5)
    started = time.monotonic()
    with pytest.raises(TryLater):
        refresh(gmail, seconds=3)
    assert time.monotonic() - started < 6


# The cached-token path through the CLI imports nothing of Google's:
# tests/system/test_google_cli.py (probe).


@pytest.mark.parametrize("module,allowed", [
    ("cache.py", {"__future__", "offlineimap_oauth.hotpath"}),
    ("settings.py", {"__future__", "re", "offlineimap_oauth.secret_command"}),
    ("__init__.py", set()),
])
def test_hot_path_modules_import_only_the_standard_library(module, allowed):
    import ast

    path = os.path.join(ROOT, "offlineimap_oauth", "providers", "google", module)
    tree = ast.parse(open(path, encoding="utf-8").read())
    names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names]
    names += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert set(names) <= allowed


def test_the_7_day_expiry_google_announced_is_named_with_its_date(gmail):
    stored = login(gmail)
    dies = stored["google"]["refresh_expires_on"]
    assert abs(dies - (time.time() + 7 * 86400)) < 5
    gmail.google.advance(7 * 86400 + 5)
    with pytest.raises(LoginRequired) as raised:
        client.refresh(gmail.account, gmail.store, time.monotonic() + 20, force=True,
                       now=lambda: time.time() + 7 * 86400 + 5)
    error = raised.value
    assert error.message == (
        "The refresh token of [account gmail] expired on %s: Google gives apps whose OAuth "
        "consent screen is in 'Testing' refresh tokens that last 7 days."
        % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(dies)))
    assert error.hint == (
        "Publish the app (Google Cloud console -> APIs & Services -> OAuth consent screen -> "
        "Publish app; no verification is needed for your own use) so that logins last, then "
        "run: offlineimap-oauth login gmail")
    assert error.code == "invalid_grant"
    assert error.problems == ["Google said: invalid_grant: Token has been expired or revoked."]


def test_revoke_for_logout_ends_the_refresh_token_at_google(gmail):
    stored = login(gmail)
    assert client.revoke_uri(gmail.account) == gmail.google.base_url + "/revoke"
    assert client.revoke(gmail.account, stored) is True
    assert gmail.google.tokeninfo(stored["google"]["access_token"]) is None
    with pytest.raises(LoginRequired):
        refresh(gmail)
    assert client.revoke(gmail.account, None) is False


def test_debug_logs_and_errors_never_show_secrets_or_tokens(gmail):
    import io
    import logging

    from offlineimap_oauth.redact import enable_debug_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    enable_debug_logging(stream)
    try:
        for name in ("google", "urllib3", "requests_oauthlib", "oauthlib"):
            logging.getLogger(name).propagate = True
        stored = login(gmail)
        refresh(gmail)
        wrong = gmail.make_account(client_secret="GOCSPX-wrong-but-secret")
        with pytest.raises(ConfigError) as raised:
            refresh(gmail, account=wrong)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    text = stream.getvalue() + str(raised.value)
    assert "/token" in stream.getvalue()  # the log did record the requests
    secrets = [gmail.client.secret, "GOCSPX-wrong-but-secret", stored["google"]["refresh_token"],
               stored["google"]["access_token"], gmail.store.load("gmail")["google"]["access_token"]]
    for secret in secrets:
        assert secret not in text


def test_a_revoked_published_login_names_every_cause_not_a_7_day_expiry(gmail):
    gmail.client.status = "production"  # Google announces no expiry date
    stored = login(gmail)
    assert not stored["google"].get("refresh_expires_on")
    gmail.google.revoke(USER)
    with pytest.raises(LoginRequired) as raised:
        refresh(gmail)
    assert raised.value.message == "Google no longer accepts the stored login of [account gmail]."
    assert raised.value.code == "invalid_grant"


def test_out_of_time_before_asking_google_is_try_later_with_the_reason(gmail):
    stored = login(gmail)
    with pytest.raises(TryLater) as raised:
        refresh(gmail, seconds=0.5)  # under half a second left: not worth a request
    assert gmail.google.counts["refresh_token"] == 0
    assert raised.value.message == ("Cannot reach Google's token service for [account gmail]: "
                                    "gave up: out of time for [account gmail].")
    assert raised.value.hint == ("Check the network and try again later; a still-valid cached "
                                 "token keeps working meanwhile.")
    assert gmail.store.load("gmail") == stored


def test_revoke_is_false_when_google_cannot_be_asked(gmail):
    stored = login(gmail)
    assert client.revoke(gmail.account, stored, timeout=0.2) is False  # no time: not asked
    assert gmail.google.counts["revoke"] == 0
    gmail.google.stop()
    assert client.revoke(gmail.account, stored) is False


def test_a_short_lived_token_is_handed_out_until_half_its_life_or_5_minutes_are_left(gmail):
    login(gmail)
    gmail.google.access_token_lifetime = 900  # under 20 minutes: half its life, at least 300 s
    started = time.time()
    _, fresh_until, _ = refresh(gmail)
    assert started + 900 - 450 - 2 <= fresh_until <= time.time() + 900 - 450


@pytest.mark.parametrize("status", [503, 502, 400])
def test_a_page_instead_of_googles_answer_is_try_later(gmail, status):
    """A proxy or captive portal answering in Google's place: google-auth reports any
    body that is not JSON as not retryable, whatever its status; it is still no
    refusal by Google, so nothing in accounts.conf is blamed (a bug found by mutation)."""
    stored = login(gmail)
    gmail.google.fail(status, count=10, html=True)
    with pytest.raises(TryLater) as raised:
        refresh(gmail)
    error = raised.value
    assert error.message == "Google's token service failed for [account gmail]."
    assert error.problems[0].startswith("google-auth said: <!DOCTYPE html>")
    assert "Bad Gateway" in error.problems[0]
    assert error.hint == ("Try again later; a still-valid cached token keeps working. If it "
                          "persists, something between here and Google (a proxy, a captive "
                          "portal) may be answering in its place: run again with -v.")
    assert gmail.store.load("gmail") == stored


def test_google_auths_errors_without_details_still_explain(gmail):
    import google.auth.exceptions

    bare = client._refresh_error(google.auth.exceptions.RefreshError("No access token."),
                                 gmail.account)
    assert type(bare) is TryLater and bare.problems == ["google-auth said: No access token."]
    long = client._refresh_error(google.auth.exceptions.RefreshError("x" * 300), gmail.account)
    assert long.problems == ["google-auth said: " + "x" * 200]
    empty = client._refresh_error(google.auth.exceptions.RefreshError(), gmail.account)
    assert empty.problems == ["google-auth said: RefreshError"]
    refused = client._refresh_error(google.auth.exceptions.RefreshError(
        "invalid_grant: Bad Request", {"error": "invalid_grant"}), gmail.account)
    assert type(refused) is LoginRequired
    silent = client._unreachable(gmail.account, google.auth.exceptions.TransportError())
    assert silent.message == ("Cannot reach Google's token service for [account gmail]: "
                              "TransportError.")


def test_a_login_without_a_refresh_token_asks_for_a_login_without_asking_google(gmail):
    stored = login(gmail)
    del stored["google"]["refresh_token"]
    gmail.store.save("gmail", stored)
    with pytest.raises(LoginRequired) as raised:
        refresh(gmail)
    assert raised.value.message == "No refresh token for me@gmail.com in the store."
    assert raised.value.hint == "Run: offlineimap-oauth login gmail"
    assert gmail.google.counts["refresh_token"] == 0


def test_with_a_second_left_google_is_still_asked(gmail):
    """Only under half a second is a request not worth making: a deadline nearly spent
    (msmtp's 28 s almost gone behind a held lock) still gets Google's answer."""
    login(gmail)
    token, _, _ = refresh(gmail, seconds=1.4)
    assert gmail.google.counts["refresh_token"] == 1
    assert token == gmail.store.load("gmail")["google"]["access_token"]


def test_v_names_each_request_to_google_with_its_timeout(gmail, caplog):
    """What -v shows when something answers in Google's place: the method, the address
    asked and the time allowed (the cap of 10 s, or what is left of the deadline)."""
    import logging

    login(gmail)
    with caplog.at_level(logging.DEBUG, logger=client.__name__):
        refresh(gmail)
    said = [r.getMessage() for r in caplog.records if r.name == client.__name__]
    assert said == ["POST %s (timeout 10.0 s)" % gmail.account.token_uri]


def configured(gmail, **keys):
    """The account as accounts.conf gives it with these (provider-neutral) keys added."""
    from offlineimap_oauth import accounts

    text = gmail.section("gmail").rstrip("\n") + "\n" + "".join(
        "%s = %s\n" % item for item in keys.items())
    return accounts.parse(text, "accounts.conf")["gmail"]


def test_a_held_lock_is_waited_for_until_the_deadline_and_no_longer(gmail):
    """Another process's refresh hung with the lock: msmtp gets an answer by the deadline."""
    import threading

    login(gmail, lifetime=250)  # stale: a refresh is needed, under the lock
    result = []

    def token():
        try:
            result.append(refresh(gmail, seconds=1.5, force=False))
        except TryLater as error:
            result.append(error)
    with gmail.store.locked("gmail", timeout=5):
        started = time.monotonic()
        waiter = threading.Thread(target=token, daemon=True)  # a hang must not hang us
        waiter.start()
        waiter.join(timeout=10)
        elapsed = time.monotonic() - started
    assert len(result) == 1 and isinstance(result[0], TryLater), result
    assert "held the token lock of 'gmail'" in str(result[0])
    assert 1.0 <= elapsed <= 5, elapsed
    assert gmail.google.counts["refresh_token"] == 0


def test_a_login_google_ends_runs_notify_command_with_the_account_and_the_reason(gmail, notices):
    marker = os.path.join(os.path.dirname(gmail.store.directory), "notified.txt")
    command = 'printf "%%s|%%s|%%s" "$OFFLINEIMAP_OAUTH_ACCOUNT" "$OFFLINEIMAP_OAUTH_USER" ' \
              '"$OFFLINEIMAP_OAUTH_REASON" > %s' % marker
    gmail.client.status = "production"  # no 7-day expiry: Google's own refusal is the reason
    login(gmail)
    gmail.google.revoke(USER)
    with pytest.raises(LoginRequired):
        refresh(gmail, account=configured(gmail, notify_command=command))
    assert len(notices) == 1
    notices[0].wait(timeout=30)  # the notice command has run to its end
    with open(marker, encoding="utf-8") as handle:
        assert handle.read() == ("gmail|%s|Google no longer accepts the stored login of "
                                 "[account gmail]." % USER)


def test_a_refresh_moves_the_refresh_token_where_token_store_now_says(
        gmail, gnupg_home, monkeypatch, tmp_path):
    """token_store changed from plain to gpg: the next refresh puts the refresh token in
    the gpg file and leaves no plaintext copy; a gpg that hangs is given up by the deadline."""
    from tests.vaults import plaintext_hits

    home, keys = gnupg_home
    monkeypatch.setenv("GNUPGHOME", str(home))
    secret = login(gmail)["google"]["refresh_token"]
    account = configured(gmail, token_store="gpg", gpg_key=keys["nopass"])
    assert refresh(gmail, account=account)[0]
    assert "refresh_token" not in gmail.store.load("gmail")["google"]
    assert os.path.exists(os.path.join(gmail.store.directory, "gmail.json.gpg"))
    assert plaintext_hits(str(tmp_path), [secret]) == []
    assert refresh(gmail, account=account)[0]  # read back from gpg
    assert gmail.google.counts["refresh_token"] == 2

    from offlineimap_oauth.errors import Locked

    hung = tmp_path / "hung-bin"
    hung.mkdir()
    (hung / "gpg").write_text("#!/bin/sh\nexec sleep 60\n")
    (hung / "gpg").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (hung, os.environ["PATH"]))
    started = time.monotonic()
    with pytest.raises(Locked) as raised:
        refresh(gmail, seconds=2, account=account)
    assert time.monotonic() - started < 6
    assert raised.value.message.startswith("gpg did not finish within 2 s")
    assert gmail.google.counts["refresh_token"] == 2


def test_the_hot_path_serves_an_encrypted_access_token_without_a_refresh_or_a_sidecar(
        gmail, gnupg_home, monkeypatch):
    """plaintext_access_token = no: a fresh token is decrypted and handed out without
    waiting for a refresh's lock, no refresh, and no signature (no fast-path sidecar:
    the token must stay off the disk)."""
    from offlineimap_oauth import hotpath

    home, keys = gnupg_home
    monkeypatch.setenv("GNUPGHOME", str(home))
    login(gmail)
    account = configured(gmail, token_store="gpg", gpg_key=keys["nopass"],
                         plaintext_access_token="no")
    token, _, signature = refresh(gmail, account=account)
    assert signature is None  # nothing for a sidecar to copy
    assert "access_token" not in gmail.store.load("gmail")["google"]
    with gmail.store.locked("gmail", timeout=5):  # another process refreshing meanwhile
        started = time.monotonic()
        assert hotpath.serve(account, gmail.store)[0::2] == (token, None)
        assert time.monotonic() - started < 5  # served without waiting for the lock
    assert gmail.google.counts["refresh_token"] == 1


def test_the_hot_path_hands_no_signature_for_a_plaintext_token_left_from_before(gmail):
    """plaintext_access_token = no set while the file still holds a plaintext token: it
    serves, but no sidecar may copy it again."""
    from offlineimap_oauth import hotpath

    login(gmail)
    left = configured(gmail, plaintext_access_token="no", token_store="gpg", gpg_key="x")
    hit = hotpath.serve(left, gmail.store)
    assert hit[0] == gmail.store.load("gmail")["google"]["access_token"] and hit[2] is None
    assert hotpath.serve(gmail.account, gmail.store)[2] is not None  # the default: a sidecar


def test_the_hot_path_without_a_stored_login_asks_for_one(gmail):
    from offlineimap_oauth import hotpath

    with pytest.raises(LoginRequired) as caught:
        hotpath.serve(gmail.account, gmail.store)
    assert caught.value.message == "No token for %s ([account gmail])." % USER
    assert gmail.google.counts["refresh_token"] == 0


def test_the_hot_path_gives_up_on_a_hung_gpg_at_its_deadline(gmail, gnupg_home, monkeypatch,
                                                             tmp_path):
    """Decrypting a stored access token to serve it is bound by `token`'s deadline: a gpg
    waiting for a passphrase must not keep msmtp or offlineimap waiting for gpg's own."""
    from offlineimap_oauth import hotpath
    from offlineimap_oauth.errors import Locked

    home, keys = gnupg_home
    monkeypatch.setenv("GNUPGHOME", str(home))
    login(gmail)
    account = configured(gmail, token_store="gpg", gpg_key=keys["nopass"],
                         plaintext_access_token="no")
    refresh(gmail, account=account)
    hung = tmp_path / "hung-bin"
    hung.mkdir()
    (hung / "gpg").write_text("#!/bin/sh\nexec sleep 60\n")
    (hung / "gpg").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (hung, os.environ["PATH"]))
    monkeypatch.setattr(hotpath, "TOKEN_DEADLINE_S", 2)
    started = time.monotonic()
    with pytest.raises(Locked) as raised:
        hotpath.serve(account, gmail.store)
    assert time.monotonic() - started < 6
    assert raised.value.message.startswith("gpg did not finish within 2 s")


def test_the_hot_path_refreshes_a_google_token_at_google_by_its_clock_or_when_forced(gmail):
    from offlineimap_oauth import hotpath

    login(gmail)
    first = gmail.store.load("gmail")["google"]["access_token"]
    token = hotpath.serve(gmail.account, gmail.store, now=lambda: time.time() + 3500)[0]
    assert token != first and gmail.google.counts["refresh_token"] == 1  # stale by that clock
    assert gmail.google.tokeninfo(token)["aud"] == gmail.client.client_id
    forced = hotpath.serve(gmail.account, gmail.store, force=True)[0]
    assert forced != token and gmail.google.counts["refresh_token"] == 2
