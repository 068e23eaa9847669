"""The whole chain on local simulated servers, step by step.

Run through ``contrib/demo`` (which sets up .venv first).  In a throw-away
HOME it starts a simulated Microsoft identity platform, a Dovecot IMAP server
holding a Japanese Microsoft 365-like mailbox and an SMTP server requiring
XOAUTH2 (all on 127.0.0.1, with a throw-away CA), then does what a user
does: convert the seed's Gnus setup, log in through a (stand-in) browser,
sync with offlineimap, read the groups with Gnus (Emacs in batch), send with
msmtp, and ask for status and check.  Every step is announced and its result
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
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.fakes.idp import FakeIdentityPlatform  # noqa: E402
from tests.fakes.tls import TestCA  # noqa: E402

USER = "you@outlook.jp"  # the seed's placeholders (contrib/seed-gnus.el)
CLIENT_ID = "11111111-1111-4111-8111-111111111111"
SECRET = "YOUR-CLIENT-SECRET-VALUE"
NATIVECLIENT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
BIN = os.path.dirname(sys.executable)
COMMAND = os.path.join(BIN, "offlineimap-oauth")
GNUS_LISTER = os.path.join(ROOT, "tests", "e2e", "gnus_nnmaildir.el")
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


class Demo:
    """The temporary world: HOME, servers, environment, and the steps."""

    def __init__(self, work):
        self.work = work
        self.failures = 0
        self.ca = TestCA(os.path.join(work, "ca"))
        self.idp = self.dovecot = self.smtp = None
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
        try:
            action()
            print("    ok", flush=True)
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

    @staticmethod
    def show(text, limit=40):
        lines = text.rstrip().splitlines()
        for line in lines[:limit]:
            print("    | " + (line[:110] + "..." if len(line) > 110 else line))
        if len(lines) > limit:
            print("    | ... (%d more lines)" % (len(lines) - limit))

    # ------------------------------------------------------------ steps

    def start_servers(self):
        from tests.fakes.dovecot import FakeDovecot
        from tests.fakes.smtp import FakeSMTPServer

        self.idp = FakeIdentityPlatform(self.ca).start()
        self.idp.add_user(USER)
        self.idp.register_app(CLIENT_ID, audience="consumers", secret=SECRET,
                              redirect_uris=(NATIVECLIENT,))
        print("    identity platform  %s (the seed's app: personal accounts, client "
              "secret, nativeclient redirect)" % self.idp.base_url)
        self.dovecot = FakeDovecot(self.ca, self.idp.base_url + "/introspect",
                                   self.home("dovecot")).start()
        inventory = self.dovecot.populate_japanese_m365(USER)
        print("    IMAP (Dovecot)     127.0.0.1:%d, XOAUTH2 checked against the platform; "
              "%d folders, %d messages" % (self.dovecot.port, len(inventory),
                                           sum(f["count"] for f in inventory.values())))
        self.smtp = FakeSMTPServer(self.ca, self.idp.introspect).start()
        print("    SMTP               127.0.0.1:%d, STARTTLS + AUTH XOAUTH2 required"
              % self.smtp.port)

    def convert(self):
        shutil.copy(os.path.join(ROOT, "contrib", "seed-gnus.el"), self.home(".gnus.el"))
        shutil.copy(os.path.join(ROOT, "contrib", "seed-authinfo"), self.home(".authinfo"))
        preview = self.run(COMMAND, "convert")
        self.show("\n".join(line for line in preview.stdout.splitlines()
                            if line.strip() and not line.startswith(("+", "-", "@", " "))),
                  limit=12)
        written = self.run(COMMAND, "convert", "--write")
        self.show(written.stdout, limit=12)

    def point_at_local_servers(self):
        """The only edits a real user would not make: hosts, ports, CA."""
        self._edit(self.home(".config", "offlineimap-oauth", "accounts.conf"),
                   {"tenant = consumers": "authority = %s" % self.idp.authority("consumers")})
        self._edit(self.home(".offlineimaprc"), {
            "remotehost = outlook.office365.com": "remotehost = 127.0.0.1",
            "remoteport = 993": "remoteport = %d" % self.dovecot.port,
            "sslcacertfile = OS-DEFAULT": "sslcacertfile = %s" % self.ca.ca_cert_path})
        self._edit(self.home(".msmtprc"), {
            "host smtp.office365.com": "host 127.0.0.1",
            "port 587": "port %d" % self.smtp.port,
            "tls_trust_file system": "tls_trust_file %s" % self.ca.ca_cert_path})

    def _edit(self, path, replacements):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for old, new in replacements.items():
            if old not in text:
                raise RuntimeError("%s has no line %r" % (path, old))
            text = text.replace(old, new)
            print("    %s: %s" % (path.replace(self.work, "~"), new))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

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

    def _wait_for_address_bar(self):
        path = self.env["FAKE_BROWSER_LANDED"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(path) and open(path).read().strip():
                return open(path).read().strip()
            time.sleep(0.05)
        raise RuntimeError("the stand-in browser never reached the redirect")

    def token(self):
        started = time.monotonic()
        result = self.run(COMMAND, "token", "outlook")
        print("    %d characters on stdout, %d on stderr, %.0f ms (from the store: no "
              "network)" % (len(result.stdout.strip()), len(result.stderr),
                             (time.monotonic() - started) * 1000))

    def sync(self):
        result = self.run(os.path.join(BIN, "offlineimap"), "-o", "-u", "basic")
        if "ERROR" in result.stdout + result.stderr:
            raise RuntimeError((result.stdout + result.stderr).strip())
        maildir = self.home("Mail", "outlook")
        local = sorted(folder for folder in os.listdir(maildir) if not folder.startswith("."))
        for folder in local:
            count = sum(len(os.listdir(os.path.join(maildir, folder, sub)))
                        for sub in ("cur", "new"))
            print("    ~/Mail/outlook/%s: %d message(s)" % (folder, count))
        skipped = sorted(set(self.dovecot.server_inventory(USER)) -
                         {folder.replace(".", "/") for folder in local})
        print("    not synced (not mail): %s" % ", ".join(skipped))

    def gnus(self):
        env = dict(self.env, GNUS_TEST_MAILDIR=self.home("Mail", "outlook"),
                   GNUS_TEST_COMMAND="groups", GNUS_TEST_ARGS="")
        result = subprocess.run(["emacs", "--batch", "-Q", "-l", GNUS_LISTER, "-f",
                                 "offlineimap-oauth-test-main"], capture_output=True,
                                text=True, env=env, timeout=STEP_TIMEOUT_S)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip()[-500:])
        for line in result.stdout.splitlines():
            if "\t" in line:
                group, count = line.split("\t", 1)
                print("    %s: %s article(s)" % (group, count))

    def send(self):
        self.run("msmtp", "--read-envelope-from", "-t", stdin=MESSAGE)
        if not self.smtp.messages:
            raise RuntimeError("the SMTP server received nothing")
        got = self.smtp.messages[-1]
        parsed = email.message_from_bytes(got.content)
        subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
        print("    arrived: envelope from %s, XOAUTH2 user %s, to %s"
              % (got.envelope_from, got.auth_user, ", ".join(got.rcpt_tos)))
        print("    subject: %s" % subject)

    def status(self):
        self.show(self.run(COMMAND, "status").stdout)

    def check(self):
        result = self.run(COMMAND, "check", "outlook", "--imap-host", "127.0.0.1",
                          "--imap-port", str(self.dovecot.port), "--smtp-host", "127.0.0.1",
                          "--smtp-port", str(self.smtp.port), check=False)
        self.show(result.stdout)
        if result.returncode != 0:
            raise RuntimeError("check exited %d" % result.returncode)

    def stop(self):
        for server in (self.smtp, self.dovecot, self.idp):
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
    ("offlineimap-oauth token outlook (what msmtp and offlineimap call)", "token"),
    ("offlineimap -o: sync the mailbox into ~/Mail/outlook", "sync"),
    ("Gnus (Emacs in batch) lists the nnmaildir groups", "gnus"),
    ("msmtp sends a Japanese message with an XOAUTH2 token", "send"),
    ("offlineimap-oauth status", "status"),
    ("offlineimap-oauth check outlook", "check"),
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
