"""The whole chain on local simulated servers, step by step.

Run through ``contrib/demo`` (which sets up .venv first).  In a throw-away
HOME it starts a simulated Microsoft identity platform and a simulated
Google, a Dovecot IMAP server for each (a Japanese Microsoft 365-like
mailbox checking tokens at Microsoft, a Gmail-like one checking them at
Google) and an SMTP server requiring XOAUTH2 (all on 127.0.0.1, with a
throw-away CA), then does what a user does with the seed's Outlook and
Gmail accounts: convert the seed's Gnus setup (contrib/seed-gnus.el, both
accounts in one list), log in to each through a (stand-in) browser, sync
both with one offlineimap run, read the groups with Gnus (Emacs in batch),
send from each with msmtp, and ask for status and check.  Every step is announced and its result
shown; the exit status is non-zero if any step failed.  Everything it
started is stopped and its files removed at the end.
"""

import email
import email.header
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.e2e import two_providers as two  # noqa: E402
from tests.fakes.idp import FakeIdentityPlatform  # noqa: E402
from tests.fakes.tls import TestCA  # noqa: E402

USER = two.OUTLOOK["user"]  # the seed's placeholders (contrib/seed-gnus.el)
GMAIL_USER = two.GMAIL["user"]
ACCOUNTS = ("outlook", "gmail")
BIN = os.path.dirname(sys.executable)
COMMAND = os.path.join(BIN, "offlineimap-oauth")
GNUS_READER = os.path.join(ROOT, "tests", "e2e", "gnus_nnmaildir.el")
STEP_TIMEOUT_S = 180
MESSAGE = """\
From: You <you@outlook.jp>
To: friend@example.com
Subject: =?UTF-8?B?44OH44Oi44GL44KJ44Gu6YCB5L+h?=
Message-ID: <demo-1@outlook.jp>
Date: Thu, 26 Nov 2026 09:00:00 +0900
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Gnus から msmtp と XOAUTH2 で送りました。
"""
GMAIL_MESSAGE = """\
From: You <you@gmail.com>
To: friend@example.com
Subject: Sent from the Gmail account
Message-ID: <demo-2@gmail.com>
Date: Thu, 26 Nov 2026 09:01:00 +0900

Sent through msmtp with the Google token.
"""


class Demo:
    """The temporary world: HOME, servers, environment, and the steps."""

    def __init__(self, work):
        self.work = work
        self.failures = 0
        self.ca = TestCA(os.path.join(work, "ca"))
        self.idp = self.dovecot = self.smtp = self.google = self.gmail_imap = None
        self.validator = None
        self.env = dict(os.environ)
        for variable in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR", "DISPLAY",
                         "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            self.env.pop(variable, None)
        self.env.update(
            HOME=work, LANG="C.UTF-8", PATH=BIN + os.pathsep + self.env.get("PATH", ""),
            REQUESTS_CA_BUNDLE=self.ca.bundle_path, SSL_CERT_FILE=self.ca.bundle_path,
            BROWSER="%s %s %%s" % (sys.executable, os.path.join(ROOT, "tests", "fakes",
                                                                  "browser.py")),
            FAKE_BROWSER_LANDED=os.path.join(work, "browser-address-bar.txt"),
        )

    def home(self, *parts):
        return os.path.join(self.work, *parts)

    def step(self, title, action):
        print("\n==> %s" % title, flush=True)
        started = time.monotonic()
        try:
            action()
            print("    ok (%.1f s)" % (time.monotonic() - started), flush=True)
            return True
        except Exception as error:  # noqa: BLE001 - a demo reports and goes on
            self.failures += 1
            print("    FAILED: %s" % error, flush=True)
            if os.environ.get("DEMO_DEBUG"):
                traceback.print_exc()
            return False

    def run(self, *command, stdin=None, check=True):
        result = subprocess.run(list(command), input=stdin, capture_output=True, text=True,
                                env=self.env, timeout=STEP_TIMEOUT_S)
        if check and result.returncode != 0:
            raise RuntimeError("%s exited %d:\n%s" % (os.path.basename(command[0]),
                                                      result.returncode,
                                                      (result.stdout + result.stderr).strip()))
        return result

    def show(self, text, limit=40):
        """Output of a command, HOME shown as ~; notes wrapped, other long lines cut."""
        lines = []
        for line in text.replace(self.work, "~").rstrip().splitlines():
            if line.startswith("note: "):
                lines += textwrap.wrap(line, 104, subsequent_indent="      ")
            else:
                lines.append(line[:110] + "..." if len(line) > 110 else line)
        for line in lines[:limit]:
            print("    | " + line)
        if len(lines) > limit:
            print("    | ... (%d more lines)" % (len(lines) - limit))

    # ------------------------------------------------------------ steps

    def start_servers(self):
        from tests.fakes.dovecot import FakeDovecot
        from tests.fakes.smtp import FakeSMTPServer

        self.idp = FakeIdentityPlatform(self.ca).start()
        two.register_outlook(self.idp)
        print("    Microsoft identity platform  %s (the seed's app: personal accounts, "
              "client secret, nativeclient redirect)" % self.idp.base_url)
        self.google = two.start_google(self.ca)
        print("    Google sign-in               %s (a Desktop app client in Testing, "
              "you@gmail.com a test user)" % self.google.base_url)
        self.dovecot = FakeDovecot(self.ca, self.idp.base_url + "/introspect",
                                   self.home("dovecot")).start()
        inventory = self.dovecot.populate_japanese_m365(USER)
        print("    IMAP for Outlook (Dovecot)   127.0.0.1:%d, XOAUTH2 checked at Microsoft; "
              "%d folders, %d messages" % (self.dovecot.port, len(inventory),
                                           sum(f["count"] for f in inventory.values())))
        self.gmail_imap = two.gmail_dovecot(self.ca, self.google, self.home("dovecot-gmail"))
        two.populate_gmail(self.gmail_imap)
        inventory = self.gmail_imap.server_inventory(GMAIL_USER)
        print("    IMAP for Gmail (Dovecot)     127.0.0.1:%d, XOAUTH2 checked at Google; "
              "%d folders, %d messages" % (self.gmail_imap.port, len(inventory),
                                           sum(f["count"] for f in inventory.values())))
        self.validator = two.smtp_validator(self.idp, self.google)
        self.smtp = FakeSMTPServer(self.ca, self.validator).start()
        print("    SMTP (both accounts)         127.0.0.1:%d, STARTTLS + AUTH XOAUTH2 required"
              % self.smtp.port)

    def convert(self):
        shutil.copy(two.SEED_GNUS, self.home(".gnus.el"))
        shutil.copy(two.SEED_AUTHINFO, self.home(".authinfo"))
        preview = self.run(COMMAND, "convert")
        self.show("\n".join(line for line in preview.stdout.splitlines()
                            if line.strip() and not line.startswith(("+", "-", "@", " "))),
                  limit=16)
        written = self.run(COMMAND, "convert", "--write")
        self.show(written.stdout, limit=12)

    def point_at_local_servers(self):
        """The only edits a real user would not make: hosts, ports, CA, endpoints."""
        changes = two.point_at_local_servers(
            self.work, idp=self.idp, google=self.google, outlook_imap=self.dovecot,
            gmail_imap=self.gmail_imap, smtp=self.smtp, cacert=self.ca.ca_cert_path)
        for path, new in changes:
            print("    %s: %s" % (path.replace(self.work, "~"), new))

    def login(self):
        process = subprocess.Popen([COMMAND, "login", "outlook"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=self.env)
        landed = self._wait_for_address_bar()
        print("    (the browser landed on %s...)" % landed[:72])
        out, err = process.communicate(landed + "\n", timeout=STEP_TIMEOUT_S)
        self.show(err)
        if process.returncode != 0:
            raise RuntimeError("login exited %d" % process.returncode)

    def login_gmail(self):
        result = self.run(COMMAND, "login", "gmail", "--flow", "localhost")
        self.show(result.stderr)

    def _wait_for_address_bar(self):
        path = self.env["FAKE_BROWSER_LANDED"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(path) and open(path).read().strip():
                return open(path).read().strip()
            time.sleep(0.05)
        raise RuntimeError("the stand-in browser never reached the redirect")

    def token(self):
        for name in ACCOUNTS:
            started = time.monotonic()
            result = self.run(COMMAND, "token", name)
            print("    %s: %d characters on stdout, %d on stderr, %.0f ms (from the store: "
                  "no network)" % (name, len(result.stdout.strip()), len(result.stderr),
                                   (time.monotonic() - started) * 1000))

    def sync(self):
        result = self.run(os.path.join(BIN, "offlineimap"), "-o", "-u", "basic")
        if "ERROR" in result.stdout + result.stderr:
            raise RuntimeError((result.stdout + result.stderr).strip())
        for name, server, user, why in (
                ("outlook", self.dovecot, USER, "not mail"),
                ("gmail", self.gmail_imap, GMAIL_USER, "repeats of the folders above")):
            local = self._synced_folders(name)
            for folder, count in local.items():
                print("    ~/Mail/%s/%s: %d message(s)" % (name, folder, count))
            skipped = sorted(folder for folder, entry in server.server_inventory(user).items()
                             if entry["count"] and folder.replace("/", ".") not in local)
            print("    not synced (%s): %s" % (why, ", ".join(skipped)))

    def _synced_folders(self, name):
        maildir = self.home("Mail", name)
        counts = {}
        for folder in sorted(os.listdir(maildir)):
            if folder.startswith(".nnmaildir") or folder == ".offlineimap":
                continue
            count = sum(len(os.listdir(os.path.join(maildir, folder, sub)))
                        for sub in ("cur", "new"))
            if count or not folder.startswith("["):  # Gmail's empty [Gmail] parent: left out
                counts[folder] = count
        return counts

    def gnus(self):
        """Gnus loads the converted gnus-accounts.el and enters each group."""
        settings = self.home(".config", "offlineimap-oauth", "gnus-accounts.el")
        env = dict(self.env, GNUS_TEST_COMMAND="subjects", GNUS_TEST_ARGS=settings)
        result = subprocess.run(["emacs", "--batch", "-Q", "-l", GNUS_READER, "-f",
                                 "offlineimap-oauth-test-main"], capture_output=True,
                                text=True, env=env, timeout=STEP_TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip()[-500:])
        groups = {}
        for line in result.stdout.splitlines():
            if line.count("\t") == 2:
                server, group, subject = line.split("\t")
                groups.setdefault("nnmaildir+%s:%s" % (server, group), []).append(subject)
        if not any(group.startswith("nnmaildir+gmail:") for group in groups):
            raise RuntimeError("Gnus found no Gmail group:\n" + result.stdout)
        for group, subjects in groups.items():
            shown = ", ".join(subjects[:2]) + (", ..." if len(subjects) > 2 else "")
            print("    %s: %d article(s) (%s)" % (group, len(subjects), shown[:60]))

    def send(self):
        for name, text in (("outlook", MESSAGE), ("gmail", GMAIL_MESSAGE)):
            before = len(self.smtp.messages)
            self.run("msmtp", "--read-envelope-from", "-t", stdin=text)
            if len(self.smtp.messages) != before + 1:
                raise RuntimeError("the SMTP server received nothing from %s" % name)
            got = self.smtp.messages[-1]
            provider = self.validator.accepted[-1][0]
            parsed = email.message_from_bytes(got.content)
            subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
            print("    %s arrived: envelope from %s, XOAUTH2 user %s with a %s token, to %s"
                  % (name, got.envelope_from, got.auth_user,
                     "Google" if provider == "google" else "Microsoft", ", ".join(got.rcpt_tos)))
            print("    subject: %s" % subject)

    def status(self):
        self.show(self.run(COMMAND, "status").stdout)

    def check(self):
        failed = []
        for name, imap in (("outlook", self.dovecot), ("gmail", self.gmail_imap)):
            result = self.run(COMMAND, "check", name, "--imap-host", "127.0.0.1",
                              "--imap-port", str(imap.port), "--smtp-host", "127.0.0.1",
                              "--smtp-port", str(self.smtp.port), check=False)
            self.show(result.stdout)
            if result.returncode != 0:
                failed.append("check %s exited %d" % (name, result.returncode))
        if failed:
            raise RuntimeError("; ".join(failed))

    def stop(self):
        for server in (self.smtp, self.gmail_imap, self.dovecot, self.google, self.idp):
            if server is not None:
                try:
                    server.stop()
                except Exception:  # noqa: BLE001 - stop the others anyway
                    traceback.print_exc()


STEPS = (
    ("Start the simulated servers on 127.0.0.1", "start_servers"),
    ("offlineimap-oauth convert: the seed's ~/.gnus.el and ~/.authinfo -> every config file",
     "convert"),
    ("Point the converted files at the local servers (the only edit a real user skips)",
     "point_at_local_servers"),
    ("offlineimap-oauth login outlook (paste flow; a stand-in browser signs in)", "login"),
    ("offlineimap-oauth login gmail --flow localhost (Google's loopback redirect; the "
     "stand-in browser signs in)", "login_gmail"),
    ("offlineimap-oauth token outlook / gmail (what msmtp and offlineimap call)", "token"),
    ("offlineimap -o: one run syncs both mailboxes into ~/Mail/outlook and ~/Mail/gmail",
     "sync"),
    ("Gnus (Emacs in batch) reads the nnmaildir groups of both accounts", "gnus"),
    ("msmtp sends from each account with its own XOAUTH2 token", "send"),
    ("offlineimap-oauth status", "status"),
    ("offlineimap-oauth check outlook / check gmail", "check"),
)


def main():
    missing = [p for p in (COMMAND, os.path.join(BIN, "offlineimap")) if not os.path.exists(p)]
    missing += [p for p in ("emacs", "msmtp") if not shutil.which(p)]
    if missing:
        print("demo: missing %s; run contrib/demo (it sets everything up)" % ", ".join(missing))
        return 2
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's deprecation chatter
    work = tempfile.mkdtemp(prefix="offlineimap-oauth-demo-")
    demo = Demo(work)
    try:
        for number, (title, method) in enumerate(STEPS):
            if not demo.step(title, getattr(demo, method)) and number < 3:
                break  # later steps need the servers and the config files
    finally:
        demo.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\ndemo: %s" % ("all steps passed" if not demo.failures
                          else "%d step(s) FAILED" % demo.failures))
    return 1 if demo.failures else 0


if __name__ == "__main__":
    sys.exit(main())
