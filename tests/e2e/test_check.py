"""`check NAME` against real Dovecot and the test SMTP server: passes on a
healthy account and fails at the right step, with the fix, for each broken one;
the exit code is the category of the first failure (3 configuration, 4 login)."""

import pytest

from offlineimap_oauth.errors import EXIT_CONFIG, EXIT_LOGIN_REQUIRED
from tests.e2e._require import require_binary
from tests.fakes.dovecot import FakeDovecot
from tests.fakes.smtp import FakeSMTPServer
from tests.support import OUTLOOK


@pytest.fixture
def servers(idp, test_ca, tmp_path):
    require_binary("dovecot")
    with FakeDovecot(test_ca, idp.base_url + "/introspect", tmp_path / "dovecot") as dovecot:
        dovecot.doveadm("mailbox", "create", "-u", OUTLOOK["user"], "-s", "Drafts")
        with FakeSMTPServer(test_ca, idp.introspect) as smtp:
            yield dovecot, smtp


def check(cli, servers):
    dovecot, smtp = servers
    return cli.run("check", "outlook", "--imap-host", "127.0.0.1", "--imap-port",
                   str(dovecot.port), "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port))


def line_of(output, start):
    return next(line for line in output.splitlines() if start in line)


def test_healthy_account_passes_every_step(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    result = check(cli, servers)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in ("accounts.conf", "access token: cached", "IMAP connect", "IMAP TLS",
                 "IMAP AUTHENTICATE XOAUTH2 as me@outlook.jp", "IMAP SELECT INBOX: 0 message",
                 "IMAP LIST: 2 folder(s)", "SMTP STARTTLS", "SMTP AUTH XOAUTH2 as me@outlook.jp",
                 "signed-in user is me@outlook.jp"):
        assert line_of(out, step).startswith("[ OK ]"), step
    assert "[FAIL]" not in out
    assert out.endswith("outlook: all checks passed\n")
    assert servers[1].messages == []  # check sends nothing


def test_readable_secret_file_is_warned_about(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    cli.config.chmod(0o644)
    result = check(cli, servers)
    assert result.returncode == 0
    assert line_of(result.stdout, "holds a client secret").startswith("[WARN]")
    assert "chmod 600 %s" % cli.config in result.stdout
    cli.config.chmod(0o600)
    assert "holds a client secret" not in check(cli, servers).stdout


def test_wrong_tenant_fails_at_the_token_step(cli, idp, servers):
    idp.access_token_lifetime = 300  # the next use refreshes, at the new tenant
    assert cli.login_paste("outlook").returncode == 0
    cli.write_config(cli.platform.config(outlook={"authority": idp.authority("common")}))
    result = check(cli, servers)
    assert result.returncode == EXIT_CONFIG
    assert line_of(result.stdout, "access token").startswith("[FAIL]")
    assert "Set tenant = consumers in [account outlook]" in result.stdout
    assert "IMAP connect" not in result.stdout


def test_wrong_secret_fails_at_the_token_step(cli, idp, servers):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    cli.write_config(cli.platform.config(outlook={"client_secret": OUTLOOK["secret_id"]}))
    result = check(cli, servers)
    assert result.returncode == EXIT_CONFIG
    assert "AADSTS7000215" in result.stdout and "not its Secret ID" in result.stdout


def test_revoked_login_fails_at_the_token_step(cli, idp, servers):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    result = check(cli, servers)
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert "AADSTS50173" in result.stdout
    assert "Run: offlineimap-oauth login outlook" in result.stdout


def test_smtp_auth_disabled_fails_at_smtp_auth_with_the_admin_switch(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    servers[1].smtp_auth_disabled_for.add(OUTLOOK["user"])
    result = check(cli, servers)
    assert result.returncode == EXIT_CONFIG
    assert line_of(result.stdout, "IMAP AUTHENTICATE").startswith("[ OK ]")
    failed = line_of(result.stdout, "SMTP AUTH XOAUTH2")
    assert failed.startswith("[FAIL]") and "SMTP AUTH is disabled" in failed
    assert "Manage email apps -> Authenticated SMTP" in result.stdout
    assert "5.7.139" in result.stdout


def test_revoked_login_with_a_cached_token_fails_at_the_fresh_token(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])  # the cached access token is still served, servers refuse it
    result = check(cli, servers)
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert line_of(result.stdout, "access token: cached").startswith("[ OK ]")
    assert line_of(result.stdout, "IMAP AUTHENTICATE").startswith("[WARN]")
    failed = line_of(result.stdout, "fresh access token")
    assert failed.startswith("[FAIL]") and "revoked" in failed
    assert "AADSTS50173" in result.stdout
    assert "Run: offlineimap-oauth login outlook" in result.stdout
    assert "SMTP" not in result.stdout  # no token to try


def test_refused_cached_token_is_replaced_and_everything_works(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    old = cli.token("outlook").stdout
    idp.revoke_access_tokens(OUTLOOK["user"])  # the seed's 2021: only a fresh token works
    result = check(cli, servers)
    assert result.returncode == 0, result.stdout
    assert line_of(result.stdout, "refused the cached token").startswith("[WARN]")
    assert line_of(result.stdout, "a fresh token was stored").startswith("[WARN]")
    assert [l for l in result.stdout.splitlines() if "IMAP AUTHENTICATE" in l][-1].startswith(
        "[ OK ]")
    assert line_of(result.stdout, "SMTP AUTH XOAUTH2").startswith("[ OK ]")
    new = cli.token("outlook").stdout
    assert new != old and idp.introspect(new.strip())["active"]


def test_mailbox_user_mismatch_fails_at_the_user_step(cli, idp, servers):
    assert cli.login_paste("outlook").returncode == 0
    cli.write_config(cli.platform.config(outlook={"user": "other@outlook.jp"}))
    result = check(cli, servers)
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert "changed: user" in result.stdout
    assert line_of(result.stdout, "signed-in user").startswith("[FAIL]")
    assert "signed-in user is me@outlook.jp, but [account outlook] has user = other@outlook.jp" \
        in result.stdout
