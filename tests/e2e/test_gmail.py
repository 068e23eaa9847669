"""A Gmail account end to end: offlineimap syncs a Gmail-like mailbox from
Dovecot (which checks every XOAUTH2 token against the simulated Google's
tokeninfo) through our pythonfile, with the offlineimaprc section convert
writes for Gmail, and msmtp sends with the Google token through the msmtprc
block convert writes.

Real parts: the simulated Google (HTTPS, real google-auth/oauthlib), Dovecot,
offlineimap 8.0.3, msmtp, our CLI as a subprocess.
"""

import configparser
import os
import sys

import pytest

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.render import msmtprc, offlineimaprc
from offlineimap_oauth.hookfile import render_pythonfile
from offlineimap_oauth.providers.google import flows
from tests.e2e import offlineimap_support as oi
from tests.e2e._require import require_binary
from tests.e2e.msmtp_support import run_msmtp, write_private
from tests.fakes.dovecot import GOOGLE_OAUTH2_CONF, FakeDovecot
from tests.fakes.google.fixtures import USER, gmail, google  # noqa: F401 - fixtures
from tests.fakes.smtp import FakeSMTPServer
from tests.support import ROOT
from tests.system.test_google_login import User

# Gmail's folders; All Mail, Important and Starred (English or Japanese) repeat
# the messages of the others and must not be synced.
KEPT = {"INBOX": ["inbox-1", "inbox-2"], "[Gmail]/Sent Mail": ["sent-1"], "Work": ["work-1"]}
REPEATS = {"[Gmail]/All Mail": ["inbox-1", "inbox-2", "sent-1", "work-1"],
           "[Gmail]/Starred": ["inbox-1"], "[Gmail]/重要": ["inbox-2"]}


def message(ident):
    return ("From: friend@example.org\nTo: %s\nSubject: %s\nMessage-ID: <%s@example.org>\n"
            "Date: Mon, 01 Apr 2024 09:00:00 +0900\n\nbody of %s\n"
            % (USER, ident, ident, ident)).encode("ascii")


@pytest.fixture
def dovecot(test_ca, google, tmp_path):
    require_binary("dovecot")
    require_binary("doveadm")
    url = google.tokeninfo_uri + "?dovecot=1&access_token="
    with FakeDovecot(test_ca, url, tmp_path / "dovecot", oauth2_conf=GOOGLE_OAUTH2_CONF) as server:
        for folder, idents in dict(KEPT, **REPEATS).items():
            if folder != "INBOX":
                server.doveadm("mailbox", "create", "-s", "-u", USER, folder)
            for ident in idents:
                server.doveadm("save", "-u", USER, "-m", folder, stdin=message(ident))
        yield server


@pytest.fixture
def account(gmail):
    return model.MailAccount(provider="google", name="gmail", user=USER,
                             client_id=gmail.client.client_id, client_secret=gmail.client.secret,
                             imap_host="imap.gmail.com", smtp_host="smtp.gmail.com")


@pytest.fixture
def env(gmail, tmp_path, test_ca):
    """Our CLI's environment: accounts.conf with the Gmail account, a logged-in store."""
    config = tmp_path / "accounts.conf"
    config.write_text(gmail.section("gmail"))
    user = User(gmail.google)
    flows.login(gmail.account, gmail.store, flow="paste", open_browser=False, stdin=user,
                stderr=user.stderr)
    return dict(os.environ, PYTHONPATH=ROOT, HOME=str(tmp_path), LANG="C.UTF-8", LC_ALL="C.UTF-8",
                OFFLINEIMAP_OAUTH_CONFIG=str(config),
                OFFLINEIMAP_OAUTH_STATE_DIR=gmail.store.directory,
                REQUESTS_CA_BUNDLE=test_ca.bundle_path, SSL_CERT_FILE=test_ca.bundle_path)


def our_cli():
    script = os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")
    return script if os.access(script, os.X_OK) else [sys.executable, "-m", "offlineimap_oauth"]


def write_rc(tmp_path, account, dovecot, test_ca):
    """The offlineimaprc sections convert writes for Gmail, pointed at Dovecot."""
    rc = configparser.ConfigParser(interpolation=None)
    rc.optionxform = str
    rc.read_string("".join(text + "\n" for _, text in offlineimaprc.render_account(account)))
    hook = tmp_path / "offlineimap-hook.py"
    hook.write_text(render_pythonfile(our_cli()), encoding="utf-8")
    rc["general"] = {"accounts": "gmail", "pythonfile": str(hook),
                     "metadata": str(tmp_path / "offlineimap-meta")}
    remote = rc["Repository gmail-remote"]
    assert remote["type"] == "Gmail" and remote["auth_mechanisms"] == "XOAUTH2"
    remote.update(remotehost=dovecot.host, remoteport=str(dovecot.port),
                  sslcacertfile=test_ca.ca_cert_path)
    rc["Repository gmail-local"]["localfolders"] = str(tmp_path / "Mail" / "gmail")
    path = tmp_path / "offlineimaprc"
    with open(path, "w", encoding="utf-8") as out:
        rc.write(out)
    return path


def test_offlineimap_syncs_gmail_once_per_message_with_the_google_token(
        tmp_path, account, dovecot, env, test_ca, gmail):
    rc = write_rc(tmp_path, account, dovecot, test_ca)
    result = oi.run_offlineimap(oi.offlineimap_program(), rc, env)
    output = oi.output_of(result)
    assert result.returncode == 0 and "ERROR" not in output, output
    maildir = tmp_path / "Mail" / "gmail"
    local = oi.maildir_inventory(maildir)
    # '/' on the server becomes '.' locally (nnmaildir sees top-level dirs only)
    assert {name for name, entry in local.items() if entry["count"]} == \
        {name.replace("/", ".") for name in KEPT}, output
    for folder, idents in KEPT.items():
        assert sorted(oi.by_message_id(local[folder.replace("/", ".")])) == \
            sorted("<%s@example.org>" % ident for ident in idents), folder
    assert gmail.google.counts["refresh_token"] == 0  # the stored token served


def test_msmtp_sends_with_the_google_token(tmp_path, account, env, test_ca, gmail):
    msmtp = require_binary("msmtp")

    def google_tokeninfo(token):
        info = gmail.google.tokeninfo(token, dovecot=True)
        return info and {"active": True, "scope": "SMTP.Send", "username": info["email"]}

    with FakeSMTPServer(test_ca, google_tokeninfo) as server:
        command = our_cli()
        text = msmtprc.render_account(account, [command] if isinstance(command, str) else command)
        assert "host smtp.gmail.com\nport 587\n" in text and "auth xoauth2\n" in text
        text = text.replace("host smtp.gmail.com", "host %s" % server.host).replace(
            "port 587", "port %d" % server.port).replace(
            "tls_trust_file system", "tls_trust_file %s" % test_ca.ca_cert_path)
        rc = write_private(tmp_path / "msmtprc", text)
        mail = ("From: %s\nTo: friend@example.org\nSubject: hello from Gmail\n\nhi\n"
                % USER).encode("ascii")
        result = run_msmtp(msmtp, rc, ["-a", "gmail", "friend@example.org"], mail, env)
        assert result.returncode == 0, result.stderr
        [sent] = server.messages
        assert sent.auth_user.lower() == USER and b"hello from Gmail" in sent.content


def test_dovecot_refuses_a_revoked_google_token(tmp_path, account, dovecot, env, test_ca,
                                                 gmail):
    gmail.google.revoke(USER)  # the stored access token still looks fresh to us
    rc = write_rc(tmp_path, account, dovecot, test_ca)
    result = oi.run_offlineimap(oi.offlineimap_program(), rc, env)
    output = oi.output_of(result)
    # Google's tokeninfo answers 400 for a dead token, which Dovecot reports as a
    # temporary failure; offlineimap skips the account.
    assert "XOAUTH2 authentication failed" in output and "skipping account" in output, output
    local = oi.maildir_inventory(tmp_path / "Mail" / "gmail")
    assert not any(entry["count"] for entry in local.values()), local
