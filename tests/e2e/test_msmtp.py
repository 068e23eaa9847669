"""Sending with the real msmtp, our real CLI as its passwordeval, and Emacs
message-mode in batch mode, against the fake smtp.office365.com and the
simulated identity platform (issue 4).

The msmtprc is contrib/msmtprc rewritten for the test servers
(tests/e2e/msmtp_support.py); Emacs loads contrib/gnus-send.el, or the
snippet `convert` writes (tests/data/convert), unchanged.
"""

import base64
import email
import email.header
import email.policy
import random
import subprocess

import pytest

from offlineimap_oauth.errors import EXIT_LOGIN_REQUIRED
from tests.e2e._require import require_binary
from tests.e2e.msmtp_support import (
    CONTRIB_MSMTPRC, CONVERTED_GNUS_EL, GNUS_SEND_EL, MSMTPRC_LINE_LIMIT, adapt_msmtprc,
    emacs_spec, run_emacs_send, run_msmtp, token_command, write_private)
from tests.fakes.smtp import FakeSMTPServer
from tests.support import OUTLOOK, WORK

STALE_LIFETIME_S = 300  # inside the refresh margin from the start (hotpath.margin_for)
ADDRESSES = {"outlook": OUTLOOK["user"], "work": WORK["user"]}

JAPANESE_MESSAGE = (
    "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <me@outlook.jp>\n"
    "To: friend@example.org\n"
    "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= =?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN?=\n"
    "Date: Mon, 01 Apr 2024 09:00:00 +0900\n"
    "Message-ID: <msmtp-e2e@outlook.jp>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "こんにちは、世界。送信のテストです。\n"
    ".この行はドットで始まります\n"
    "\n"
    "最後の行\n"
).encode("utf-8")


@pytest.fixture
def msmtp():
    return require_binary("msmtp")


@pytest.fixture
def smtp_server(test_ca, idp):
    with FakeSMTPServer(test_ca, idp.introspect) as server:
        yield server


@pytest.fixture
def msmtprc(cli, smtp_server, test_ca, tmp_path):
    """contrib/msmtprc pointed at the fake server, 0600, our CLI as passwordeval."""
    with open(CONTRIB_MSMTPRC, encoding="utf-8") as file:
        text = adapt_msmtprc(file.read(), host=smtp_server.host, port=smtp_server.port,
                             trust_file=test_ca.ca_cert_path, addresses=ADDRESSES,
                             command=token_command(), logfile=tmp_path / "msmtp.log")
    return write_private(tmp_path / "msmtprc", text)


EMACS_MESSAGES = [
    {"name": "outlook", "from": "山田 太郎 <%s>" % OUTLOOK["user"], "to": "friend@example.org",
     "subject": "個人アカウントからの送信", "body": "個人のアドレスから送ります。\n"},
    # A long Japanese name: message-mode folds the encoded From header.
    {"name": "work", "from": "山田 太郎 株式会社コントソ 東京本社 営業部 <%s>" % WORK["user"],
     "to": "colleague@contoso.com", "subject": "会議のお知らせ",
     "body": "明日の会議は十時からです。\n"},
]


def login_work(cli, idp):
    idp.sign_in_as(WORK["user"])  # the device flow has no login_hint
    result = cli.run("login", "work", "--flow", "device")
    assert result.returncode == 0, result.stderr


def decoded(value):
    return str(email.header.make_header(email.header.decode_header(value)))


# -- the shipped files -------------------------------------------------------

def test_contrib_msmtprc_lines_fit_msmtp_limit():
    with open(CONTRIB_MSMTPRC, encoding="utf-8") as file:
        lines = file.read().splitlines()
    assert lines and max(len(line.encode("utf-8")) for line in lines) < MSMTPRC_LINE_LIMIT


@pytest.mark.parametrize("name", ["outlook", "work"])
def test_msmtp_accepts_contrib_msmtprc(msmtp, tmp_path, name):
    with open(CONTRIB_MSMTPRC, encoding="utf-8") as file:
        rc = write_private(tmp_path / "msmtprc", file.read())
    # --pretend runs passwordeval; "--passwordeval=" unsets it for this check.
    done = subprocess.run([msmtp, "--pretend", "-C", str(rc), "-a", name, "--passwordeval="],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    settings = dict(line.split(" = ", 1) for line in done.stdout.splitlines() if " = " in line)
    assert settings["host"] == "smtp.office365.com" and settings["port"] == "587"
    assert settings["auth"] == "XOAUTH2"
    assert (settings["tls"], settings["tls_starttls"]) == ("on", "on")
    assert settings["tls_trust_file"] == "system" and settings["tls_certcheck"] == "on"
    assert settings["from"] == settings["user"]


def test_msmtp_picks_contrib_account_by_from_header(msmtp, tmp_path):
    with open(CONTRIB_MSMTPRC, encoding="utf-8") as file:
        rc = write_private(tmp_path / "msmtprc", file.read())
    message = b"From: =?UTF-8?B?5bGx55Sw?= <you@example.com>\nSubject: x\n\nhi\n"
    done = subprocess.run([msmtp, "--pretend", "-C", str(rc), "--read-envelope-from", "-t",
                           "--passwordeval="], input=message, capture_output=True, timeout=30)
    output = done.stdout + done.stderr  # --pretend prints its account choice on stdout
    assert done.returncode == 0, output.decode()
    assert b"account chosen by envelope from address you@example.com: work" in output


def test_gnus_send_el_loads_in_batch_and_keeps_gcc_off():
    emacs = require_binary("emacs")
    check = ("(progn (require 'gnus-msg)"
             " (unless (and (null gnus-message-archive-group)"
             "              (eq message-send-mail-function 'message-send-mail-with-sendmail)"
             "              (equal message-sendmail-extra-arguments '(\"--read-envelope-from\"))"
             "              message-sendmail-f-is-evil)"
             "   (kill-emacs 3)))")
    done = subprocess.run([emacs, "--batch", "-Q", "-l", GNUS_SEND_EL, "--eval", check],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- msmtp with our CLI as passwordeval --------------------------------------

def test_japanese_message_arrives_byte_identical(cli, idp, msmtp, msmtprc, smtp_server):
    assert cli.login_paste("outlook").returncode == 0
    done = run_msmtp(msmtp, msmtprc, ["--read-envelope-from", "-t"], JAPANESE_MESSAGE, cli.env)
    assert done.returncode == 0, done.stderr.decode()
    [received] = smtp_server.messages
    assert received.content == JAPANESE_MESSAGE.replace(b"\n", b"\r\n")
    assert (received.envelope_from, received.auth_user) == (OUTLOOK["user"], OUTLOOK["user"])
    assert received.rcpt_tos == ("friend@example.org",)
    parsed = email.message_from_bytes(received.content, policy=email.policy.default)
    assert parsed["Subject"] == "テスト日本語の件名"
    assert parsed.get_content().startswith("こんにちは、世界。")
    assert idp.counts["refresh_token"] == 0  # the stored token served


def with_attachment(size):
    """The Japanese message as multipart/mixed with a base64 attachment."""
    head, body = JAPANESE_MESSAGE.split(b"\n\n", 1)
    head = head.replace(b"Content-Type: text/plain; charset=UTF-8\n"
                        b"Content-Transfer-Encoding: 8bit",
                        b'Content-Type: multipart/mixed; boundary="b0"')
    data = base64.encodebytes(random.Random(4).randbytes(size))
    return (head + b"\n\n--b0\nContent-Type: text/plain; charset=UTF-8\n"
            b"Content-Transfer-Encoding: 8bit\n\n" + body +
            b"--b0\nContent-Type: application/pdf; name=\"a.pdf\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + data + b"--b0--\n")


# msmtp reads the first few KB of a mail before it runs passwordeval, and the
# command inherits the rest of its stdin: whatever reads stdin on the refresh
# path eats the attachment, and msmtp sends the truncated mail with exit 0
# (checked by hand with passwordeval "cat >FILE; echo TOKEN"). So the
# refresh runs a secret command that reads stdin (as `pass` or a gpg
# wrapper may) while a 1 MB attachment waits in the pipe.
STDIN_READING_SECRET_COMMAND = "cat >/dev/null && echo %s" % OUTLOOK["secret"]


@pytest.mark.parametrize("secret", ["inline", "command reading stdin"])
def test_expired_access_token_is_refreshed_once_before_send(
        cli, idp, msmtp, msmtprc, smtp_server, secret):
    idp.access_token_lifetime = STALE_LIFETIME_S  # stored token stale at once
    assert cli.login_paste("outlook").returncode == 0
    if secret != "inline":  # the secret is not part of the login's binding
        cli.write_config(cli.platform.config(outlook={
            "client_secret": None, "client_secret_command": STDIN_READING_SECRET_COMMAND}))
    assert idp.counts["refresh_token"] == 0
    message = with_attachment(1024 * 1024)
    done = run_msmtp(msmtp, msmtprc, ["-a", "outlook", "friend@example.org"], message, cli.env)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""  # Gnus reports any output as a failed send
    assert idp.counts["refresh_token"] == 1
    [received] = smtp_server.messages
    assert received.content == message.replace(b"\n", b"\r\n")
    assert (smtp_server.auth_attempts, smtp_server.auth_failures) == (1, 0)


def test_parallel_sends_after_expiry_share_one_refresh(cli, idp, msmtp, msmtprc, smtp_server):
    # Gnus sending its queue, or several Emacs: one refresh, not one each.
    idp.access_token_lifetime = STALE_LIFETIME_S
    assert cli.login_paste("outlook").returncode == 0
    idp.access_token_lifetime = 3600  # the refreshed token then serves the others
    senders = [subprocess.Popen([msmtp, "-C", str(msmtprc), "-a", "outlook",
                                 "friend@example.org"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env)
               for _ in range(4)]
    try:
        results = [sender.communicate(JAPANESE_MESSAGE, timeout=60) for sender in senders]
    finally:
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
                sender.wait(timeout=10)
    assert [sender.returncode for sender in senders] == [0] * 4, results
    assert idp.counts["refresh_token"] == 1
    assert len(smtp_server.messages) == 4 and smtp_server.auth_failures == 0


def test_revoked_refresh_token_names_login_command(cli, idp, msmtp, msmtprc, smtp_server):
    idp.access_token_lifetime = STALE_LIFETIME_S
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    done = run_msmtp(msmtp, msmtprc, ["-a", "outlook", "friend@example.org"],
                     JAPANESE_MESSAGE, cli.env)
    output = (done.stdout + done.stderr).decode()
    print(output)  # what the user sees; -s shows it
    assert done.returncode != 0
    assert "offlineimap-oauth login outlook" in output
    assert "AADSTS50173" in output
    assert "cannot read output of" in output  # msmtp's own line follows ours
    assert smtp_server.messages == [] and smtp_server.auth_attempts == 0


def test_never_logged_in_names_login_command(cli, msmtp, msmtprc, smtp_server):
    done = run_msmtp(msmtp, msmtprc, ["-a", "work", "friend@example.org"],
                     JAPANESE_MESSAGE, cli.env)
    assert done.returncode != 0
    assert "Run: offlineimap-oauth login work" in done.stderr.decode()
    assert smtp_server.messages == []


def test_token_command_alone_exits_login_required_after_revoke(cli, idp):
    # The exit status msmtp ignores, checked here once through the same path.
    idp.access_token_lifetime = STALE_LIFETIME_S
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    done = subprocess.run(token_command().split() + ["token", "outlook"],
                          capture_output=True, text=True, env=cli.env, timeout=60)
    assert (done.returncode, done.stdout) == (EXIT_LOGIN_REQUIRED, "")


# -- Emacs message-mode through msmtp, two accounts --------------------------

@pytest.mark.parametrize("setup", [GNUS_SEND_EL, CONVERTED_GNUS_EL],
                         ids=["contrib-gnus-send.el", "converted-gnus-accounts.el"])
def test_emacs_sends_from_each_account_with_its_own_token(
        cli, idp, msmtp, msmtprc, smtp_server, tmp_path, setup):
    emacs = require_binary("emacs")
    assert cli.login_paste("outlook").returncode == 0  # fresh: served from the store
    idp.access_token_lifetime = STALE_LIFETIME_S  # work's (a public client) needs a refresh
    login_work(cli, idp)
    idp.reset_counts()
    spec = tmp_path / "messages.el"
    spec.write_text(emacs_spec(EMACS_MESSAGES), encoding="utf-8")
    done = run_emacs_send(emacs, msmtp, msmtprc, spec, cli.env, setup=setup)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["SENT outlook", "SENT work"]
    received = {m.auth_user: m for m in smtp_server.messages}
    assert set(received) == set(ADDRESSES.values())
    for sent in EMACS_MESSAGES:
        message = received[ADDRESSES[sent["name"]]]
        assert message.envelope_from == ADDRESSES[sent["name"]]
        assert message.rcpt_tos == (sent["to"],)
        parsed = email.message_from_bytes(message.content, policy=email.policy.default)
        # Decoded the classic way: email.policy.default puts a space between
        # the two encoded words of a folded display name, which RFC 2047
        # (6.2) says to ignore; Emacs split the name inside a word.
        raw_from = email.message_from_bytes(message.content)["From"]
        assert decoded(raw_from) == sent["from"]
        assert parsed["Subject"] == sent["subject"]
        assert parsed.get_content() == sent["body"].replace("\n", "\r\n")
    # The long name was folded, and msmtp still read the address.
    assert b"\r\n =?utf-8?" in received[WORK["user"]].content.split(b"\r\nTo:")[0]
    assert idp.counts["refresh_token"] == 1  # work refreshed, outlook served cached


def test_emacs_shows_login_command_when_refresh_token_revoked(
        cli, idp, msmtp, msmtprc, smtp_server, tmp_path):
    emacs = require_binary("emacs")
    idp.access_token_lifetime = STALE_LIFETIME_S
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    spec = tmp_path / "messages.el"
    spec.write_text(emacs_spec([{"name": "outlook", "from": "Me <%s>" % OUTLOOK["user"],
                                 "to": "friend@example.org", "subject": "件名",
                                 "body": "本文\n"}]), encoding="utf-8")
    done = run_emacs_send(emacs, msmtp, msmtprc, spec, cli.env)
    print(done.stdout)  # what message-mode shows; -s shows it
    assert done.returncode == 1
    assert done.stdout.startswith("FAILED outlook: Sending...failed")
    assert "Run: offlineimap-oauth login outlook" in done.stdout
    assert smtp_server.messages == []
