"""hotpath.serve in-process: cached answer, forced refresh, its clock and store.

The CLI tests run `token` in a subprocess; these pin the same promises where
a mutation tool (contrib/mutation-test) can see them.
"""

import time

import pytest

from offlineimap_oauth import accounts, hotpath
from offlineimap_oauth.store import TokenStore


@pytest.fixture
def outlook(cli, idp, monkeypatch):
    for key in ("OFFLINEIMAP_OAUTH_STATE_DIR", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(key, cli.env[key])
    assert cli.login_paste("outlook").returncode == 0
    idp.reset_counts()
    return accounts.find(accounts.load(str(cli.config)), "outlook", str(cli.config))


def test_a_fresh_stored_token_is_served_without_a_refresh(cli, idp, outlook):
    store = TokenStore(str(cli.state))
    state, signature = store.load_signed("outlook")
    token, expires_on, served_signature = hotpath.serve(outlook, store)
    assert hotpath.cached_token(state, outlook, time.time()) == (token, expires_on)
    assert served_signature == signature and idp.counts["refresh_token"] == 0
    assert hotpath.access_token(outlook) == (token, expires_on)  # the default store: env
    assert idp.counts["refresh_token"] == 0


def test_force_refreshes_even_a_fresh_token(cli, idp, outlook):
    store = TokenStore(str(cli.state))
    before, _, old_signature = hotpath.serve(outlook, store)
    after, expires_on, signature = hotpath.serve(outlook, store, force=True)
    assert after != before and idp.counts["refresh_token"] == 1
    assert signature != old_signature and expires_on - time.time() > hotpath.REFRESH_MARGIN_S


def test_the_clock_decides_what_is_fresh(cli, idp, outlook):
    store = TokenStore(str(cli.state))
    cached, _ = hotpath.access_token(outlook, store)
    later = time.time() + 3 * 3600  # every stored token has expired by then
    token, _ = hotpath.access_token(outlook, store, now=lambda: later)
    assert token != cached and idp.counts["refresh_token"] == 1


def test_a_fresh_token_is_served_without_waiting_for_the_lock(cli, idp, outlook, monkeypatch):
    """README: a stored token with 10 minutes left comes from the file alone, no lock."""
    store = TokenStore(str(cli.state))
    monkeypatch.setattr(hotpath, "TOKEN_DEADLINE_S", 1)
    with store.locked("outlook", timeout=5):  # another process refreshing right now
        started = time.monotonic()
        token, _ = hotpath.access_token(outlook, store)
        assert time.monotonic() - started < 0.9  # not the lock's 1 s deadline
    assert token and idp.counts["refresh_token"] == 0


def test_the_store_given_is_the_one_used(cli, idp, outlook, monkeypatch, tmp_path):
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_STATE_DIR", str(tmp_path / "elsewhere"))
    token, _ = hotpath.access_token(outlook, TokenStore(str(cli.state)))
    assert token and idp.counts["refresh_token"] == 0
