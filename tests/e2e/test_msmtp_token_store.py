"""msmtp works unchanged on top of token_store = gpg | keyring: a stale
token is refreshed once through the real gpg / Secret Service while msmtp
waits with the rest of a 1 MB mail in the pipe, and nothing is eaten."""

import pytest

from tests.e2e.msmtp_support import run_msmtp
from tests.e2e.test_msmtp import (  # noqa: F401 - fixtures
    STALE_LIFETIME_S, msmtp, msmtprc, smtp_server, with_attachment)
from tests.support import OUTLOOK
from tests.vaults import *  # noqa: F401,F403 - gpg_keys, gnupg_home, secret_service, mode_cli
from tests.vaults import plaintext_hits


@pytest.mark.parametrize("mode", ["gpg", "keyring"])
def test_msmtp_sends_after_a_refresh_through_the_token_store(
        mode_cli, idp, msmtp, msmtprc, smtp_server):
    cli = mode_cli
    idp.access_token_lifetime = STALE_LIFETIME_S  # stored token stale at once
    assert cli.login_paste("outlook").returncode == 0
    message = with_attachment(1024 * 1024)
    done = run_msmtp(msmtp, msmtprc, ["-a", "outlook", "friend@example.org"], message, cli.env)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    assert idp.counts["refresh_token"] == 1
    [received] = smtp_server.messages
    assert received.content == message.replace(b"\n", b"\r\n")
    refresh_tokens = [t.value for t in idp.issued("refresh", OUTLOOK["user"])]
    assert plaintext_hits(cli.tmp, refresh_tokens) == []
