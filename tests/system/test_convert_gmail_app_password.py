"""convert on Gmail read through nnimap with an app password, through the
real CLI (private HOME): ``--client-id`` with a Google Desktop app client
turns it into a ``provider = google`` account (snippets written for these tests)."""

import os

from tests.system.test_convert_wild import run

GOOGLE_ID = "123456789012-abcdefghij.apps.googleusercontent.com"
APP_PASSWORD = "abcd efgh ijkl mnop"
GNUS = ("(setq gnus-secondary-select-methods\n"
        "      '((nnimap \"gmail\" (nnimap-address \"imap.gmail.com\")\n"
        "                (nnimap-server-port 993) (nnimap-stream ssl))))\n")
AUTHINFO = ('machine gmail login me@gmail.com password "%s"\n'
            'machine smtp.gmail.com login me@gmail.com port 587 password "%s"\n'
            % (APP_PASSWORD, APP_PASSWORD))


def home_with_gmail(tmp_path):
    (tmp_path / ".gnus.el").write_text(GNUS)
    (tmp_path / ".authinfo").write_text(AUTHINFO)
    return tmp_path


def test_gmail_with_an_app_password_converts_with_a_google_client_id(tmp_path):
    home = home_with_gmail(tmp_path)
    refused = run(home)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "Gmail is not converted" in refused.stderr and "--client-id" in refused.stderr
    result = run(home, "--client-id", GOOGLE_ID, "--client-secret-command",
                 "pass show google/gmail-client", "--write")
    assert result.returncode == 0, result.stderr
    assert "myaccount.google.com/apppasswords" in result.stdout
    conf = (home / ".config" / "offlineimap-oauth" / "accounts.conf").read_text()
    assert "[account gmail]" in conf and "provider = google" in conf
    assert "client_id = %s" % GOOGLE_ID in conf
    assert "client_secret_command = pass show google/gmail-client" in conf
    assert "tenant" not in conf
    rc = (home / ".offlineimaprc").read_text()
    assert "type = Gmail" in rc and "remotehost = imap.gmail.com" in rc
    msmtprc = (home / ".msmtprc").read_text()
    assert "account gmail\nhost smtp.gmail.com\nport 587\n" in msmtprc
    for written in (conf, rc, msmtprc):
        assert APP_PASSWORD not in written and "mnop" not in written


def test_a_google_client_id_needs_its_secret_command_and_no_tenant(tmp_path):
    home = home_with_gmail(tmp_path)
    no_secret = run(home, "--client-id", GOOGLE_ID)
    assert no_secret.returncode == 2 and "--client-secret-command" in no_secret.stderr
    tenant = run(home, "--client-id", GOOGLE_ID, "--tenant", "consumers",
                 "--client-secret-command", "pass show x")
    assert tenant.returncode == 2 and "--tenant" in tenant.stderr
    for result in (no_secret, tenant):
        assert "Traceback" not in result.stderr
    assert not os.path.exists(home / ".config" / "offlineimap-oauth" / "accounts.conf")
