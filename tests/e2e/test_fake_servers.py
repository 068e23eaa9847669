"""The fake mail servers behave like Exchange Online where our product cares.

Dovecot (tests.fakes.dovecot) is driven with imaplib against a small
stand-in RFC 7662 introspection endpoint defined here, so these tests do not
depend on the simulated identity platform; the SMTP fake
(tests.fakes.smtp) is driven by the real msmtp binary and by smtplib.
"""

import base64
import imaplib
import json
import os
import re
import smtplib
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e._require import require_binary
from tests.fakes.smtp import FakeSMTPServer
from tests.fakes.tls import TestCA

USER = "user@example.com"
OTHER = "other@example.com"
ALL_SCOPES = "IMAP.AccessAsUser.All POP.AccessAsUser.All SMTP.Send"


# -- a stand-in introspection endpoint (RFC 7662) ---------------------------

class _Introspection(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Dovecot keeps connections alive
    timeout = 10

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        token = form.get("token", [""])[0]
        info = self.server.tokens.get(token, {"active": False})
        body = json.dumps(info).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class StandInIntrospection:
    """HTTPS POST /introspect answering from `tokens` (token -> claims)."""

    def __init__(self, ca):
        self.tokens = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
        self._server.tokens = self.tokens
        context = ca.server_context(*ca.issue_server_cert("127.0.0.1"))
        self._server.socket = context.wrap_socket(self._server.socket,
                                                  server_side=True)
        self.url = "https://127.0.0.1:%d/introspect" % self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever)

    def issue(self, user, scope=ALL_SCOPES, active=True):
        """Register and return a new token for `user`."""
        token = base64.urlsafe_b64encode(os.urandom(1200)).decode()
        self.tokens[token] = {"active": active, "username": user,
                              "scope": scope, "client_id": "test-client",
                              "exp": int(time.time()) + 3600, "sub": user}
        return token

    def introspect(self, token):
        return dict(self.tokens.get(token, {"active": False}))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


# -- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def idp(ca):
    with StandInIntrospection(ca) as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def dovecot(ca, idp, tmp_path_factory):
    require_binary("dovecot")
    require_binary("doveadm")
    from tests.fakes.dovecot import FakeDovecot
    with FakeDovecot(ca, idp.url, tmp_path_factory.mktemp("dovecot")) as dc:
        dc.inventory = dc.populate_japanese_m365(USER)
        yield dc


@pytest.fixture
def smtp_server(ca, idp):
    with FakeSMTPServer(ca, idp.introspect) as server:
        yield server


# -- IMAP helpers -----------------------------------------------------------

def imap_connect(server, ca):
    context = ssl.create_default_context(cafile=ca.ca_cert_path)
    return imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context,
                             timeout=20)


def xoauth2(user, token):
    """An imaplib authobject: the XOAUTH2 string, then an empty reply to
    the server's error challenge (RFC 7628 style)."""
    answers = iter([f"user={user}\x01auth=Bearer {token}\x01\x01".encode()])
    return lambda challenge: next(answers, b"")


def decode_mutf7(name):
    """Modified UTF-7 (RFC 3501 5.1.3) to str."""
    out, i = [], 0
    while i < len(name):
        if name[i] != "&":
            out.append(name[i])
            i += 1
            continue
        end = name.index("-", i)
        chunk = name[i + 1:end]
        if chunk:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            out.append(base64.b64decode(b64).decode("utf-16-be"))
        else:
            out.append("&")
        i = end + 1
    return "".join(out)


def encode_mutf7(name):
    """str to modified UTF-7, for folder names sent to the server."""
    out, pending = [], ""

    def flush():
        if pending:
            b64 = base64.b64encode(pending.encode("utf-16-be")).decode()
            out.append("&" + b64.rstrip("=").replace("/", ",") + "-")

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            pending = ""
            out.append("&-" if char == "&" else char)
        else:
            pending += char
    flush()
    return "".join(out)


def listed_folders(imap):
    typ, lines = imap.list()
    assert typ == "OK"
    names = {}
    for line in lines:
        text = line.decode("ascii")  # the wire must be pure ASCII
        match = re.fullmatch(r'\((.*?)\) "(.*?)" "?(.*?)"?', text)
        attrs, sep, name = match.groups()
        names[decode_mutf7(name)] = (attrs, sep)
    return names


# -- Dovecot ----------------------------------------------------------------

def test_dovecot_accepts_xoauth2_for_active_token(dovecot, ca, idp):
    imap = imap_connect(dovecot, ca)
    try:
        typ, data = imap.authenticate("XOAUTH2",
                                      xoauth2(USER, idp.issue(USER)))
        assert typ == "OK", dovecot.log_text()
        typ, data = imap.select("INBOX", readonly=True)
        assert typ == "OK"
        assert int(data[0]) == dovecot.inventory["INBOX"]["count"] == 5
    finally:
        imap.logout()


@pytest.mark.parametrize("case", ["inactive", "unknown", "other-user",
                                  "no-imap-scope"])
def test_dovecot_refuses_bad_tokens(dovecot, ca, idp, case):
    token = {
        "inactive": lambda: idp.issue(USER, active=False),
        "unknown": lambda: "not-a-token",
        "other-user": lambda: idp.issue(OTHER),
        "no-imap-scope": lambda: idp.issue(USER, scope="SMTP.Send"),
    }[case]()
    imap = imap_connect(dovecot, ca)
    started = time.monotonic()
    try:
        with pytest.raises(imaplib.IMAP4.error) as refused:
            imap.authenticate("XOAUTH2", xoauth2(USER, token))
        assert "[AUTHENTICATIONFAILED]" in str(refused.value)
        assert time.monotonic() - started < 2, "failed logins are delayed"
    finally:
        imap.shutdown()


def test_dovecot_revoked_token_refused_at_once(dovecot, ca, idp):
    token = idp.issue(USER)
    imap = imap_connect(dovecot, ca)
    assert imap.authenticate("XOAUTH2", xoauth2(USER, token))[0] == "OK"
    imap.logout()
    idp.tokens[token]["active"] = False  # no auth cache may hide this
    imap = imap_connect(dovecot, ca)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            imap.authenticate("XOAUTH2", xoauth2(USER, token))
    finally:
        imap.shutdown()


def test_dovecot_lists_japanese_folders_in_modified_utf7(dovecot, ca, idp):
    from tests.fakes.dovecot import JAPANESE_M365_FOLDERS
    imap = imap_connect(dovecot, ca)
    try:
        imap.authenticate("XOAUTH2", xoauth2(USER, idp.issue(USER)))
        folders = listed_folders(imap)
    finally:
        imap.logout()
    assert set(folders) == set(JAPANESE_M365_FOLDERS)
    assert {sep for _, sep in folders.values()} == {"/"}  # like Exchange
    assert set(dovecot.inventory) == set(JAPANESE_M365_FOLDERS)


def test_dovecot_seed_inventory(dovecot):
    inventory = dovecot.inventory
    inbox = inventory["INBOX"]
    assert max(inbox["sizes"]) > 5 * 1024 * 1024
    assert frozenset({"\\Seen", "\\Flagged"}) in inbox["flags"]
    assert frozenset() in inbox["flags"]
    assert all(entry["count"] >= 1 for entry in inventory.values())
    assert inventory["下書き"]["flags"] == [frozenset({"\\Draft"})]
    assert inventory == dovecot.server_inventory(USER)


def test_dovecot_inventory_matches_seed(dovecot):
    from tests.fakes.dovecot import japanese_m365_messages
    for folder, messages in japanese_m365_messages(USER).items():
        entry = dovecot.inventory[folder]
        assert entry["count"] == len(messages)
        assert entry["flags"] == [m.flags for m in messages]
        assert entry["message_ids"] == [
            m.raw.split(b"Message-ID: ")[1].split(b"\n")[0].decode()
            for m in messages]


def test_dovecot_flags_follow_imap_store(dovecot, ca, idp):
    imap = imap_connect(dovecot, ca)
    try:
        imap.authenticate("XOAUTH2", xoauth2(USER, idp.issue(USER)))
        typ, _ = imap.select('"%s"' % encode_mutf7("アーカイブ"))
        assert typ == "OK"
        typ, _ = imap.uid("STORE", "1", "+FLAGS", "(\\Answered)")
        assert typ == "OK"
    finally:
        imap.logout()
    assert "\\Answered" in dovecot.flags(USER, "アーカイブ")[1]
    dovecot.doveadm("flags", "remove", "-u", USER, "\\Answered",
                    "mailbox", "アーカイブ", "uid", "1")
    assert dovecot.flags(USER, "アーカイブ")[1] == frozenset({"\\Seen"})


def test_dovecot_japanese_subjects_survive(dovecot, ca, idp):
    imap = imap_connect(dovecot, ca)
    try:
        imap.authenticate("XOAUTH2", xoauth2(USER, idp.issue(USER)))
        imap.select("INBOX", readonly=True)
        typ, data = imap.fetch("1:4", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    finally:
        imap.logout()
    import email.header
    subjects = [str(email.header.make_header(email.header.decode_header(
        part[1].decode().split(":", 1)[1].strip())))
        for part in data if isinstance(part, tuple)]
    assert "会議のお知らせ" in subjects and "請求書の送付について" in subjects


# -- SMTP with the real msmtp -----------------------------------------------

MESSAGE = (
    "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <user@example.com>\n"
    "To: friend@example.org\n"
    "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= =?UTF-8?B?5pel5pys6Kqe?=\n"
    "Date: Mon, 01 Apr 2024 09:00:00 +0900\n"
    "Message-ID: <msmtp-test@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "こんにちは、世界。\n"
    ".この行はドットで始まります\n"
    "\n"
    "最後の行\n"
).encode("utf-8")


def run_msmtp(server, ca, tmp_path, user, token, message=MESSAGE):
    msmtp = require_binary("msmtp")
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    rc = tmp_path / "msmtprc"
    rc.write_text(
        "account test\n"
        f"host {server.host}\nport {server.port}\nfrom {user}\n"
        f"user {user}\nauth xoauth2\n"
        f"passwordeval cat {token_file}\n"
        f"tls on\ntls_starttls on\ntls_trust_file {ca.ca_cert_path}\n"
        "account default : test\n")
    rc.chmod(0o600)
    return subprocess.run([msmtp, "-C", str(rc), "friend@example.org"],
                          input=message, capture_output=True, timeout=30)


def test_msmtp_delivers_japanese_message_byte_identical(
        smtp_server, ca, idp, tmp_path):
    done = run_msmtp(smtp_server, ca, tmp_path, USER, idp.issue(USER))
    assert done.returncode == 0, done.stderr.decode()
    [received] = smtp_server.messages
    assert received.content == MESSAGE.replace(b"\n", b"\r\n")
    assert received.envelope_from == USER
    assert received.rcpt_tos == ("friend@example.org",)
    assert received.auth_user == USER
    assert (smtp_server.auth_attempts, smtp_server.auth_failures) == (1, 0)


@pytest.mark.parametrize("case", ["unknown", "inactive", "other-user",
                                  "no-smtp-scope"])
def test_msmtp_bad_token_gets_535_5_7_3(smtp_server, ca, idp, tmp_path, case):
    token = {
        "unknown": lambda: "not-a-token",
        "inactive": lambda: idp.issue(USER, active=False),
        "other-user": lambda: idp.issue(OTHER),
        "no-smtp-scope": lambda: idp.issue(USER, scope="IMAP.AccessAsUser.All"),
    }[case]()
    done = run_msmtp(smtp_server, ca, tmp_path, USER, token)
    assert done.returncode != 0
    assert "535 5.7.3 Authentication unsuccessful" in done.stderr.decode()
    assert smtp_server.messages == []
    assert smtp_server.auth_failures == 1


def test_msmtp_smtp_auth_disabled_gets_5_7_139(smtp_server, ca, idp, tmp_path):
    smtp_server.smtp_auth_disabled_for.add(USER.upper())
    done = run_msmtp(smtp_server, ca, tmp_path, USER, idp.issue(USER))
    assert done.returncode != 0
    assert ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication"
            " is disabled for the Mailbox") in done.stderr.decode()
    assert smtp_server.messages == []


# -- SMTP protocol details with smtplib -------------------------------------

def smtp_connect(server, ca):
    client = smtplib.SMTP(server.host, server.port, timeout=20)
    client.ehlo()
    client.starttls(context=ssl.create_default_context(
        cafile=ca.ca_cert_path))
    client.ehlo()
    return client


def test_smtp_requires_starttls_before_auth(smtp_server):
    client = smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=20)
    try:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        code, _ = client.docmd("AUTH", "XOAUTH2")
        assert code == 530
    finally:
        client.close()


def test_smtp_advertises_only_xoauth2(smtp_server, ca):
    client = smtp_connect(smtp_server, ca)
    try:
        assert client.esmtp_features["auth"].split() == ["XOAUTH2"]
        code, _ = client.docmd("AUTH", "PLAIN AGIgYg==")
        assert code == 504
    finally:
        client.quit()


def test_smtp_mail_before_auth_gets_530_5_7_57(smtp_server, ca):
    client = smtp_connect(smtp_server, ca)
    try:
        code, text = client.mail(USER)
        assert (code, text) == (530, b"5.7.57 Client not authenticated "
                                     b"to send mail.")
    finally:
        client.quit()


def test_smtp_inline_initial_response_accepted(smtp_server, ca, idp):
    client = smtp_connect(smtp_server, ca)
    try:
        blob = f"user={USER}\x01auth=Bearer {idp.issue(USER)}\x01\x01"
        code, text = client.docmd(
            "AUTH", "XOAUTH2 " + base64.b64encode(blob.encode()).decode())
        assert code == 235, text
        client.sendmail(USER, ["friend@example.org"], b"Subject: x\r\n\r\nhi\r\n")
    finally:
        client.quit()
    assert smtp_server.messages[0].content == b"Subject: x\r\n\r\nhi\r\n"
