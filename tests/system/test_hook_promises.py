"""The offlineimap hook's promises that survived mutation (contrib/mutation-test).

- with the pythonfile's explicit accounts file, an edit of that file is
  noticed (not served from memory);
- a failure is logged through offlineimap's UI once per account, so
  offlineimap exits 1 at the end while other accounts go on;
- offlineimap's version is read digit by digit;
- one account's slow refresh does not hold up another account's token;
- accounts.conf is parsed once per version; the old-offlineimap warning is
  said whole, once, and only inside offlineimap.
"""

import pytest

from offlineimap_oauth import offlineimap as hook
from tests.support import OUTLOOK


@pytest.fixture
def hook_env(cli, monkeypatch):
    for key in ("OFFLINEIMAP_OAUTH_STATE_DIR", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(key, cli.env[key])
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_CONFIG", str(cli.tmp / "not-this-one.conf"))
    monkeypatch.setattr(hook, "_memo", {})
    monkeypatch.setattr(hook, "_accounts_memo", [None, None])
    monkeypatch.setattr(hook, "_refusals", {})
    monkeypatch.setattr(hook, "_locks", {})  # a new process: no account's lock yet
    monkeypatch.setattr(hook, "_reported", set())


def test_an_edit_of_the_explicit_accounts_file_is_noticed(cli, idp, hook_env, monkeypatch):
    from offlineimap.error import OfflineImapError

    from offlineimap_oauth.store import TokenStore

    loads = []
    real_load = TokenStore.load_signed
    monkeypatch.setattr(TokenStore, "load_signed",
                        lambda store, name: loads.append(name) or real_load(store, name))
    assert cli.login_paste("outlook").returncode == 0
    config = str(cli.config)
    assert len({hook.access_token("outlook", config) for _ in range(5)}) == 1
    assert loads == ["outlook"]  # from memory after the first call
    cli.write_config(cli.platform.config(outlook={"user": "other@outlook.jp"}))
    with pytest.raises(OfflineImapError, match="made with other settings"):
        hook.access_token("outlook", config)


class RecordingUI:
    def __init__(self):
        self.errors = []

    def error(self, failure):
        self.errors.append(failure)


def test_a_failure_is_logged_through_offlineimaps_ui_once_per_account(
        cli, idp, hook_env, monkeypatch):
    import offlineimap.ui
    from offlineimap.error import OfflineImapError

    ui = RecordingUI()
    monkeypatch.setattr(offlineimap.ui, "getglobalui", lambda: ui)
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_CONFIG", str(cli.config))
    for name in ("outlook", "outlook", "work"):  # no login: both fail
        with pytest.raises(OfflineImapError) as caught:
            hook.access_token(name)
        assert str(caught.value).startswith("offlineimap-oauth: No token for ")
    assert [str(failure) for failure in ui.errors] == [
        "offlineimap-oauth: No token for %s ([account outlook]).\n"
        "Run: offlineimap-oauth login outlook" % OUTLOOK["user"],
        "offlineimap-oauth: No token for me@contoso.com ([account work]).\n"
        "Run: offlineimap-oauth login work"]
    assert all(isinstance(failure, OfflineImapError) for failure in ui.errors)


def test_without_offlineimaps_ui_the_failure_is_still_raised(cli, idp, hook_env, monkeypatch):
    import offlineimap.ui
    from offlineimap.error import OfflineImapError

    monkeypatch.setattr(offlineimap.ui, "getglobalui", lambda: None)
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_CONFIG", str(cli.config))
    with pytest.raises(OfflineImapError):
        hook.access_token("outlook")
    assert hook._reported == set()  # a UI that shows up later still gets it


@pytest.mark.parametrize("version,parsed", [
    ("8.0.3", (8, 0, 3)), ("8.10.3", (8, 10, 3)), ("7.3.4rc1", (7, 3, 41)), ("8.x.3", (8, 0, 3)),
    ("8.0.3.1", (8, 0, 3)), (None, (0,))])
def test_offlineimap_version_is_read_digit_by_digit(monkeypatch, version, parsed):
    import offlineimap

    if version is None:
        monkeypatch.delattr(offlineimap, "__version__")
    else:
        monkeypatch.setattr(offlineimap, "__version__", version)
    assert hook.offlineimap_version() == parsed


def test_one_accounts_slow_refresh_does_not_hold_up_another_account(cli, idp, hook_env):
    """offlineimap asks for each account's token from that account's thread:
    a refresh that hangs (here 4 s; up to the 27 s deadline) holds only its
    own account's lock, and another account's stored token is handed out."""
    import threading
    import time

    idp.access_token_lifetime = 300  # inside the margin at once: needs a refresh
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600
    assert cli.login_paste("work").returncode == 0
    idp.reset_counts()
    config = str(cli.config)
    idp.hang(seconds=4, count=1, path_contains="/token")
    slow = []
    thread = threading.Thread(
        target=lambda: slow.append(hook.access_token("outlook", config)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not idp.counts["refresh_token"] and time.monotonic() < deadline:
            time.sleep(0.02)  # until outlook's refresh is under way, its lock held
        assert idp.counts["refresh_token"] == 1
        started = time.monotonic()
        assert hook.access_token("work", config)
        assert time.monotonic() - started < 2  # not after outlook's 4 s
        assert not slow  # outlook's refresh still hangs
    finally:
        thread.join(timeout=30)
    assert slow and idp.counts["refresh_token"] == 1


def test_the_accounts_file_is_parsed_once_per_version_for_all_accounts(
        cli, idp, hook_env, monkeypatch):
    from offlineimap_oauth import accounts

    parsed = []
    real_load = accounts.load
    monkeypatch.setattr(accounts, "load", lambda path: parsed.append(path) or real_load(path))
    assert cli.login_paste("outlook").returncode == 0
    assert cli.login_paste("work").returncode == 0
    config = str(cli.config)
    assert hook.access_token("outlook", config) and hook.access_token("work", config)
    assert parsed == [config]  # one parse serves every account of the run
    cli.write_config(cli.platform.config() + "\n")  # an edit: parsed again, once
    assert cli.login_paste("outlook").returncode == 0  # outlook is looked up again
    assert hook.access_token("outlook", config) and parsed == [config, config]


def test_an_account_missing_from_the_file_names_the_file(cli, idp, hook_env):
    from offlineimap.error import OfflineImapError

    config = str(cli.config)
    with pytest.raises(OfflineImapError) as caught:
        hook.access_token("personal", config)
    assert str(caught.value).startswith(
        "offlineimap-oauth: No account named 'personal' in %s (accounts there: outlook, work)."
        % config)


def test_the_old_offlineimap_warning_is_said_whole_once_per_process(
        cli, idp, hook_env, monkeypatch, capsys):
    import offlineimap

    monkeypatch.setattr(offlineimap, "__version__", "7.3.4")
    monkeypatch.setattr(hook, "_warned", [])
    assert cli.login_paste("outlook").returncode == 0
    assert cli.login_paste("work").returncode == 0
    config = str(cli.config)
    assert hook.access_token("outlook", config) and hook.access_token("work", config)
    assert capsys.readouterr().err == (
        "offlineimap-oauth: WARNING: offlineimap 7.3.4 asks for the OAuth2 token only once per "
        "run, so a sync running longer than about an hour fails when the token expires. Install "
        "offlineimap 8.0.3 or newer (pip install 'offlineimap>=8.0.3'), or run offlineimap in "
        "shorter runs (no autorefresh).\n")


def test_outside_offlineimap_the_hook_neither_warns_nor_imports_offlineimap(
        cli, idp, hook_env, monkeypatch, capsys):
    import sys

    monkeypatch.setattr(hook, "_warned", [])
    for name in [name for name in sys.modules if name.split(".")[0] == "offlineimap"]:
        monkeypatch.delitem(sys.modules, name)
    assert cli.login_paste("outlook").returncode == 0
    assert hook.access_token("outlook", str(cli.config))
    assert "offlineimap" not in sys.modules and capsys.readouterr().err == ""
