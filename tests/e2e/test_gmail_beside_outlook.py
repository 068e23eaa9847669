"""A Gmail and an Outlook account side by side, end to end (issue 13's
"Done when"): one Gnus list holding both (contrib/seed-gnus.el and
contrib/seed-authinfo) is converted by the real CLI into accounts.conf,
~/.offlineimaprc, ~/.msmtprc and the Gnus settings; the user logs in to
both; ONE offlineimap run syncs both Maildirs; Gnus (nnmaildir, one Emacs)
reads the groups of both; Gnus (message-mode + msmtp, one Emacs) sends from
each account with that account's own token.

Real parts: the simulated Microsoft identity platform (MSAL) and the
simulated Google (google-auth), a Dovecot for each (each checks the XOAUTH2
token at its own provider: introspection / tokeninfo), one SMTP server
requiring XOAUTH2, offlineimap 8.0.3, msmtp, Emacs, our CLI as a subprocess.
The only edits to the converted files point them at those local servers
(tests/e2e/two_providers.py, shared with contrib/demo.py).

Everything is set up once for the module; the tests then look at it.
"""

import email
import email.policy
import imaplib
import os
import shutil
import ssl
import subprocess
import sys
import time

import pytest

from tests.e2e import offlineimap_support as oi
from tests.e2e import two_providers as two
from tests.e2e._require import require_binary
from tests.e2e.msmtp_support import EMACS_SEND_EL, emacs_spec, run_msmtp, write_private
from tests.fakes.dovecot import FakeDovecot
from tests.fakes.idp import FakeIdentityPlatform
from tests.fakes.smtp import FakeSMTPServer
from tests.support import BROWSER_STANDIN, ROOT, wait_for_file

GMAIL, OUTLOOK = two.GMAIL, two.OUTLOOK
# Outlook's small mailbox: folder -> [(ident, subject)]; 予定表 is not mail.
OUTLOOK_MAILBOX = {
    "INBOX": [("o-inbox-1", "会議のお知らせ"), ("o-inbox-2", "Invoice for March")],
    "送信済みアイテム": [("o-sent-1", "お礼")],
    "予定表": [("o-cal-1", "定例会議")],
}
SENT = [
    {"name": "gmail", "from": "You <%s>" % GMAIL["user"], "to": "friend@example.org",
     "subject": "Gmailから送信", "body": "Gmail のアカウントから送ります。\n"},
    {"name": "outlook", "from": "You <%s>" % OUTLOOK["user"], "to": "colleague@example.com",
     "subject": "Outlookから送信", "body": "Outlook のアカウントから送ります。\n"},
]
STEP_TIMEOUT_S = 120


def our_cli():
    return os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")


class World:
    """HOME, servers and the environment every program of the user runs in."""

    def __init__(self, root, test_ca):
        self.home = root / "home"
        self.home.mkdir()
        self.ca = test_ca
        self.landed = root / "browser-address-bar.txt"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("XDG_", "OFFLINEIMAP_OAUTH_", "SSH_"))
                    and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(HOME=str(self.home), LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONPATH=ROOT,
                        REQUESTS_CA_BUNDLE=test_ca.bundle_path, SSL_CERT_FILE=test_ca.bundle_path,
                        BROWSER="%s %s %%s" % (sys.executable, BROWSER_STANDIN),
                        FAKE_BROWSER_LANDED=str(self.landed),
                        FAKE_BROWSER_LOG=str(root / "browser.log"))

    def run(self, *argv, stdin=None):
        return subprocess.run(list(argv), input=stdin, capture_output=True, text=True,
                              env=self.env, timeout=STEP_TIMEOUT_S, cwd=str(self.home))

    def cli(self, *args):
        return self.run(our_cli(), *args)

    def login_outlook(self):
        """The seed's flow: paste the address the browser landed on."""
        process = subprocess.Popen([our_cli(), "login", "outlook"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=self.env)
        try:
            landed = wait_for_file(self.landed)
            out, err = process.communicate(landed + "\n", timeout=STEP_TIMEOUT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def login_gmail(self):
        """Google's loopback redirect: the browser on this machine comes back."""
        return self.cli("login", "gmail", "--flow", "localhost")


@pytest.fixture(scope="module")
def world(tmp_path_factory, test_ca):
    for binary in ("dovecot", "doveadm", "msmtp", "emacs"):
        require_binary(binary)
    offlineimap = oi.offlineimap_program()
    root = tmp_path_factory.mktemp("two")
    w = World(root, test_ca)
    w.started = time.monotonic()
    with FakeIdentityPlatform(test_ca) as idp:
        two.register_outlook(idp)
        google = two.start_google(test_ca)
        servers = [google]
        try:
            w.idp, w.google = idp, google
            w.outlook_imap = FakeDovecot(test_ca, idp.base_url + "/introspect",
                                         root / "dovecot-outlook").start()
            servers.append(w.outlook_imap)
            w.gmail_imap = two.gmail_dovecot(test_ca, google, root / "dovecot-gmail")
            servers.append(w.gmail_imap)
            w.validator = two.smtp_validator(idp, google)
            w.smtp = FakeSMTPServer(test_ca, w.validator).start()
            servers.append(w.smtp)
            populate_outlook(w.outlook_imap)
            two.populate_gmail(w.gmail_imap)

            # convert: the seed's one list holding both accounts
            shutil.copy(two.SEED_GNUS, w.home / ".gnus.el")
            shutil.copy(two.SEED_AUTHINFO, w.home / ".authinfo")
            w.convert = w.cli("convert", "--write")
            assert w.convert.returncode == 0, w.convert.stdout + w.convert.stderr
            two.point_at_local_servers(str(w.home), idp=idp, google=google,
                                       outlook_imap=w.outlook_imap, gmail_imap=w.gmail_imap,
                                       smtp=w.smtp, cacert=test_ca.ca_cert_path)
            w.logins = [w.login_outlook(), w.login_gmail()]
            for login in w.logins:
                assert login.returncode == 0, login.stderr
            google.counts.clear()
            idp.reset_counts()
            # ONE offlineimap run, both accounts
            w.sync = oi.run_offlineimap(offlineimap, w.home / ".offlineimaprc", w.env)
            w.setup_seconds = time.monotonic() - w.started
            yield w
        finally:
            for server in reversed(servers):
                server.stop()


def populate_outlook(dovecot, user=OUTLOOK["user"]):
    dovecot.doveadm("mailbox", "create", "-s", "-u", user,
                    *[name for name in OUTLOOK_MAILBOX if name != "INBOX"])
    for folder, messages in OUTLOOK_MAILBOX.items():
        for ident, subject in messages:
            dovecot.doveadm("save", "-u", user, "-m", folder,
                            stdin=two.message(user, ident, subject))


def stored_token(world, name):
    result = world.cli("token", name)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# -- convert -------------------------------------------------------------------

def test_one_gnus_list_becomes_a_google_and_a_microsoft_account(world):
    out = world.convert.stdout + world.convert.stderr
    assert "convert: gmail (you@gmail.com, Google)" in out, out
    assert "convert: outlook (you@outlook.jp, consumers)" in out, out
    assert "urn:ietf:wg:oauth:2.0:oob is dropped" in out, out  # the seed's Gmail redirect
    rc = (world.home / ".offlineimaprc").read_text(encoding="utf-8")
    assert "accounts = gmail, outlook" in rc
    assert "type = Gmail" in rc and 'access_token("gmail")' in rc and \
        'access_token("outlook")' in rc


# -- one offlineimap run syncs both ------------------------------------------------

def test_one_offlineimap_run_syncs_both_accounts_each_checked_at_its_provider(world):
    output = oi.output_of(world.sync)
    assert world.sync.returncode == 0 and "ERROR" not in output, output
    mail = world.home / "Mail"
    gmail = {name: entry for name, entry in oi.maildir_inventory(mail / "gmail").items()
             if entry["count"]}
    assert {name: sorted(oi.by_message_id(entry)) for name, entry in gmail.items()} == {
        folder.replace("/", "."): sorted("<%s@example.org>" % ident for ident, _ in kept)
        for folder, kept in two.GMAIL_KEPT.items()}, output
    outlook = {name: entry["count"] for name, entry
               in oi.maildir_inventory(mail / "outlook").items()}
    assert outlook == {"INBOX": 2, "送信済みアイテム": 1}, output
    # each Dovecot let in only its own user, with a token its provider vouched for
    assert "Login: user=<%s>" % GMAIL["user"] in world.gmail_imap.log_text()
    assert "Login: user=<%s>" % OUTLOOK["user"] not in world.gmail_imap.log_text()
    assert "Login: user=<%s>" % OUTLOOK["user"] in world.outlook_imap.log_text()
    assert "Login: user=<%s>" % GMAIL["user"] not in world.outlook_imap.log_text()
    assert world.google.counts["tokeninfo"] >= 1 and world.idp.counts["introspect"] >= 1
    print("setup (servers, convert, 2 logins, 1 sync): %.1f s" % world.setup_seconds)


# -- Gnus reads both Maildirs ------------------------------------------------------

def test_gnus_reads_the_groups_of_both_maildirs_without_gmails_repeats(world):
    gnus_el = world.home / ".config" / "offlineimap-oauth" / "gnus-accounts.el"
    stdout = oi.gnus(world.home, "subjects", str(gnus_el), home=world.home)
    seen = [tuple(line.split("\t")) for line in stdout.splitlines() if line.count("\t") == 2]
    by_server = {}
    for server, group, subject in seen:
        by_server.setdefault(server, []).append((group, subject))
    assert set(by_server) == {"gmail", "outlook"}, stdout
    assert sorted(by_server["gmail"]) == sorted(
        (folder.replace("/", "."), subject)
        for folder, kept in two.GMAIL_KEPT.items() for _, subject in kept), stdout
    assert sorted(by_server["outlook"]) == sorted(
        (folder, subject) for folder, kept in OUTLOOK_MAILBOX.items()
        if folder != "予定表" for _, subject in kept), stdout
    # each Gmail message once: no All Mail / Starred / 重要 group repeats it
    groups = {group for group, _ in by_server["gmail"]}
    assert not groups & {"[Gmail].All Mail", "[Gmail].Starred", "[Gmail].重要"}, stdout


# -- Gnus sends from each account with its own token -------------------------------

def test_gnus_sends_from_each_account_with_that_accounts_own_token(world, tmp_path):
    tokens = {name: stored_token(world, name) for name in ("gmail", "outlook")}
    assert tokens["gmail"] != tokens["outlook"]
    world.validator.accepted.clear()
    del world.smtp.messages[:]
    spec = tmp_path / "messages.el"
    spec.write_text(emacs_spec(SENT), encoding="utf-8")
    gnus_el = world.home / ".config" / "offlineimap-oauth" / "gnus-accounts.el"
    env = dict(world.env, EMACS_SEND_MSMTP=require_binary("msmtp"),
               EMACS_SEND_MSMTPRC=str(world.home / ".msmtprc"), EMACS_SEND_SPEC=str(spec))
    done = subprocess.run([require_binary("emacs"), "--batch", "-Q", "-l", str(gnus_el),
                           "-l", EMACS_SEND_EL, "-f", "emacs-send-batch"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          timeout=STEP_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["SENT gmail", "SENT outlook"]
    users = {"gmail": GMAIL["user"], "outlook": OUTLOOK["user"]}
    providers = {"gmail": "google", "outlook": "microsoft"}
    # one AUTH per message, in the order sent: who authenticated with what
    assert len(world.smtp.messages) == len(world.validator.accepted) == 2
    for sent, received, accepted in zip(SENT, world.smtp.messages, world.validator.accepted):
        name = sent["name"]
        parsed = email.message_from_bytes(received.content, policy=email.policy.default)
        assert parsed["Subject"] == sent["subject"]
        assert received.envelope_from == received.auth_user == users[name]
        assert accepted == (providers[name], users[name], tokens[name]), name
    assert world.smtp.auth_failures == 0


def test_each_server_refuses_the_other_accounts_token(world, tmp_path):
    """What would happen if the accounts' tokens got swapped: IMAP and SMTP
    refuse them (so the tests above do depend on each account's own token)."""
    tokens = {name: stored_token(world, name) for name in ("gmail", "outlook")}
    context = ssl.create_default_context(cafile=world.ca.ca_cert_path)
    for server, user, other in ((world.gmail_imap, GMAIL["user"], "outlook"),
                                (world.outlook_imap, OUTLOOK["user"], "gmail")):
        blob = "user=%s\x01auth=Bearer %s\x01\x01" % (user, tokens[other])
        with imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context) as imap:
            with pytest.raises(imaplib.IMAP4.error):
                imap.authenticate("XOAUTH2", lambda _: blob.encode("ascii"))
    text = (world.home / ".msmtprc").read_text(encoding="utf-8")
    swapped = text.replace("token gmail", "@@").replace("token outlook", "token gmail") \
        .replace("@@", "token outlook")
    assert swapped != text
    rc = write_private(tmp_path / "msmtprc", swapped)
    del world.smtp.messages[:]
    failures = world.smtp.auth_failures
    for name in ("gmail", "outlook"):
        done = run_msmtp(require_binary("msmtp"), rc, ["-a", name, "friend@example.org"],
                         b"Subject: swapped\n\nx\n", world.env)
        assert done.returncode != 0 and b"authentication failed" in done.stderr, done.stderr
    assert world.smtp.messages == [] and world.smtp.auth_failures == failures + 2
