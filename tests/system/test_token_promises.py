"""Promises of `token` and the offlineimap hook that no test exercised (issue 17).

- the hook hands out a remembered token only while it has 10 minutes left
  (not until it expires: Exchange refuses tokens close to expiry);
- a refresh records when the refresh token was renewed (`status` and
  `check` warn at 60 days otherwise);
- `token` waits for a lock another process holds, then gives up with a
  message within its deadline (msmtp and Emacs would freeze otherwise).
"""

import threading
import time

import pytest

from offlineimap_oauth import accounts, hotpath
from offlineimap_oauth import offlineimap as hook
from offlineimap_oauth.cli import main
from offlineimap_oauth.store import TokenStore
from tests.system.test_offlineimap_hook import hook_env  # noqa: F401 - fixture

DAY = 86400


@pytest.fixture
def in_process(cli, hook_env):  # noqa: F811 - the imported fixture
    """The CLI's environment in this process (the hook and main(argv) run here)."""
    return TokenStore(str(cli.state))


def test_the_hook_stops_serving_a_remembered_token_at_its_refresh_margin(
        cli, idp, in_process):
    # A token whose margin (hotpath.margin_for: 5 minutes for so short a
    # lifetime) begins 3 s after it is issued.
    idp.access_token_lifetime = hotpath.MIN_REFRESH_MARGIN_S + 3
    assert cli.login_paste("outlook").returncode == 0
    first = hook.access_token("outlook")
    fresh_until = hook._memo["outlook"][1]
    assert hook.access_token("outlook") == first  # remembered while outside the margin
    idp.reset_counts()
    idp.access_token_lifetime = 3600
    time.sleep(max(0, fresh_until + 0.5 - time.time()))  # at most about 3 s
    second = hook.access_token("outlook")
    assert second != first  # still valid for 5 minutes, but no longer handed out
    assert idp.counts["refresh_token"] == 1
    # An hour-long token is handed out until 10 minutes before it expires.
    assert 3600 - hotpath.REFRESH_MARGIN_S - 60 <= hook._memo["outlook"][1] - time.time() \
        <= 3600 - hotpath.REFRESH_MARGIN_S


def test_a_refresh_records_when_the_refresh_token_was_renewed(cli, idp, in_process):
    assert cli.login_paste("outlook").returncode == 0
    store = in_process
    logged_in = store.load("outlook")
    assert abs(logged_in["renewed_at"] - time.time()) < 60
    account = accounts.find(accounts.load(str(cli.config)), "outlook", str(cli.config))
    later = logged_in["renewed_at"] + 61 * DAY  # past status's 60-day warning
    hotpath.serve(account, store, now=lambda: later, force=True)
    state = store.load("outlook")
    assert state["renewed_at"] == later
    assert state["login_at"] == logged_in["login_at"]  # a refresh is not a login
    assert idp.counts["refresh_token"] == 1


def test_token_waits_for_a_held_lock_and_gives_up_at_its_deadline(
        cli, idp, in_process, monkeypatch, capsys):
    idp.access_token_lifetime = 300  # stale: `token` must refresh, under the lock
    assert cli.login_paste("outlook").returncode == 0
    idp.reset_counts()
    monkeypatch.setattr(hotpath, "TOKEN_DEADLINE_S", 2)
    result = []
    with in_process.locked("outlook", timeout=5):  # another process's refresh, hung
        started = time.monotonic()
        waiter = threading.Thread(target=lambda: result.append(main(["token", "outlook"])),
                                  daemon=True)  # a token waiting forever must not hang us
        waiter.start()
        waiter.join(timeout=10)
        elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert result == [5] and out == ""
    assert "held the token lock of 'outlook'" in err and "Try again later" in err
    assert 1.5 <= elapsed <= 5, elapsed  # it waited, and not for ever
    assert idp.counts["refresh_token"] == 0
    assert main(["token", "outlook"]) == 0  # the lock is free: served
    assert idp.counts["refresh_token"] == 1
