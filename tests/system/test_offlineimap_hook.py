"""The offlineimap hook in-process: memoised, re-reads the store only when the
file changed, one refresh for many threads, offlineimap's error on failure."""

import threading

import pytest

from offlineimap_oauth import offlineimap as hook
from offlineimap_oauth.store import TokenStore
from tests.support import OUTLOOK


@pytest.fixture
def hook_env(cli, monkeypatch):
    for key in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR",
                "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(key, cli.env[key])
    monkeypatch.setattr(hook, "_memo", {})
    monkeypatch.setattr(hook, "_accounts_memo", [None, None])
    monkeypatch.setattr(hook, "_refusals", {})
    monkeypatch.setattr(hook, "_locks", {})  # a new process: no account's lock yet
    loads = []
    original = TokenStore.load_signed

    def counting_load(self, name):
        loads.append(name)
        return original(self, name)

    monkeypatch.setattr(TokenStore, "load_signed", counting_load)
    return loads


def test_repeated_calls_answer_from_memory_until_the_file_changes(cli, idp, hook_env):
    assert cli.login_paste("outlook").returncode == 0
    first = hook.access_token("outlook")
    assert [hook.access_token("outlook") for _ in range(50)] == [first] * 50
    assert hook_env == ["outlook"]  # the store was read once
    assert cli.login_paste("outlook").returncode == 0  # a new login rewrites the file
    second = hook.access_token("outlook")
    assert second != first and len(hook_env) == 2


def test_threads_needing_a_refresh_cause_one(cli, idp, hook_env):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600
    idp.reset_counts()
    results = []
    threads = [threading.Thread(target=lambda: results.append(hook.access_token("outlook")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8 and len(set(results)) == 1
    assert idp.counts["refresh_token"] == 1


def test_failure_raises_offlineimap_error_at_repo_severity(cli, idp, hook_env):
    from offlineimap.error import OfflineImapError

    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    with pytest.raises(OfflineImapError) as caught:
        hook.access_token("outlook")
    assert caught.value.severity == OfflineImapError.ERROR.REPO
    assert "Run: offlineimap-oauth login outlook" in str(caught.value)
    assert "AADSTS50173" in str(caught.value)
    # offlineimap retries: the same refusal, without asking Microsoft again
    refreshes = idp.counts["refresh_token"]
    with pytest.raises(OfflineImapError, match="AADSTS50173"):
        hook.access_token("outlook")
    assert idp.counts["refresh_token"] == refreshes
    # a new login (the token file changes) is picked up at once
    assert cli.login_paste("outlook").returncode == 0
    assert idp.introspect(hook.access_token("outlook"))["active"]


@pytest.mark.parametrize("version,warned", [("7.3.4", True), ("8.0.3", False), ("8.1.0", False)])
def test_offlineimap_older_than_8_0_3_is_warned_about_once(cli, idp, hook_env, monkeypatch,
                                                           capsys, version, warned):
    import offlineimap

    monkeypatch.setattr(offlineimap, "__version__", version)
    monkeypatch.setattr(hook, "_warned", [])
    assert cli.login_paste("outlook").returncode == 0
    hook.access_token("outlook")
    hook.access_token("outlook")
    err = capsys.readouterr().err
    assert ("asks for the OAuth2 token only once per run" in err) is warned
    if warned:
        assert err.count("WARNING") == 1 and "offlineimap 8.0.3 or newer" in err


def test_a_secret_fixed_outside_accounts_conf_is_picked_up(cli, idp, hook_env, tmp_path):
    from offlineimap.error import OfflineImapError
    from tests.support import OUTLOOK

    secret_file = tmp_path / "secret"
    secret_file.write_text("wrong-secret\n")
    cli.write_config(cli.platform.config(outlook={
        "client_secret": None, "client_secret_command": "cat %s" % secret_file}))
    idp.access_token_lifetime = 300  # every use refreshes, so the secret matters
    secret_file.write_text(OUTLOOK["secret"] + "\n")
    assert cli.login_paste("outlook").returncode == 0
    secret_file.write_text("wrong-secret\n")  # e.g. rotated in the portal, not yet in `pass`
    with pytest.raises(OfflineImapError, match="AADSTS7000215"):
        hook.access_token("outlook")
    secret_file.write_text(OUTLOOK["secret"] + "\n")  # fixed in `pass`; accounts.conf unchanged
    assert idp.introspect(hook.access_token("outlook"))["active"]
