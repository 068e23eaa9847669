"""notify_command: run once when an account goes from working to "login
required", with the account in the environment, detached from the caller;
not again until a token has been obtained again."""

import time

from offlineimap_oauth.errors import EXIT_LOGIN_REQUIRED
from tests.support import OUTLOOK


def notice_config(cli, platform, command):
    """notify_command set once for all accounts, in [DEFAULT]."""
    cli.write_config("[DEFAULT]\nnotify_command = %s\n\n" % command + platform.config())


def lines_of(path, expected, timeout=15):
    """The notices written so far, once ``expected`` of them have arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= expected:
            time.sleep(0.5)  # a second notice would have come by now
            return path.read_text().splitlines()
        time.sleep(0.1)
    return path.read_text().splitlines() if path.exists() else []


def stale_login(cli, idp):
    idp.access_token_lifetime = 300  # the next token call refreshes
    assert cli.login_paste("outlook").returncode == 0


def test_notice_runs_once_per_transition(cli, idp, platform, tmp_path):
    notices = tmp_path / "notices.txt"
    notice_config(cli, platform, 'echo "$OFFLINEIMAP_OAUTH_ACCOUNT|$OFFLINEIMAP_OAUTH_USER|'
                                 '$OFFLINEIMAP_OAUTH_REASON" >> %s' % notices)
    stale_login(cli, idp)
    idp.revoke(OUTLOOK["user"])
    for _ in range(3):  # msmtp and offlineimap keep asking
        result = cli.token("outlook")
        assert result.returncode == EXIT_LOGIN_REQUIRED and result.stdout == ""
    lines = lines_of(notices, 1)
    assert len(lines) == 1, lines
    name, user, reason = lines[0].split("|")
    assert (name, user) == ("outlook", OUTLOOK["user"]) and reason
    # A new login makes it a working account again; the next failure is news.
    stale_login(cli, idp)
    assert cli.token("outlook").returncode == 0
    stale_login(cli, idp)
    idp.revoke(OUTLOOK["user"])
    for _ in range(2):
        assert cli.token("outlook").returncode == EXIT_LOGIN_REQUIRED
    assert len(lines_of(notices, 2)) == 2


def test_a_slow_notice_never_blocks_the_caller_nor_its_stdout(cli, idp, platform, tmp_path):
    notices = tmp_path / "notices.txt"
    notice_config(cli, platform, "echo on-stdout; sleep 20; echo late >> %s" % notices)
    stale_login(cli, idp)
    idp.revoke(OUTLOOK["user"])
    started = time.monotonic()
    result = cli.token("outlook")
    assert time.monotonic() - started < 10
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert result.stdout == ""  # msmtp reads the token from here


def test_no_notice_for_an_account_never_logged_in(cli, idp, platform, tmp_path):
    notices = tmp_path / "notices.txt"
    notice_config(cli, platform, "echo x >> %s" % notices)
    assert cli.token("outlook").returncode == EXIT_LOGIN_REQUIRED
    time.sleep(1)
    assert not notices.exists()
