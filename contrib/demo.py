"""The whole chain on local simulated servers, step by step.

Run through ``contrib/demo`` (which sets up .venv first).  Starts a simulated
Microsoft identity platform (HTTPS on 127.0.0.1 with a throw-away CA), then
uses the real ``offlineimap-oauth`` command against it exactly as a user
would: accounts.conf, login through a (stand-in) browser, token, status.
Every step is announced, its result shown, and the exit status is non-zero
if any step failed.  Everything it starts is stopped and removed at the end.
"""

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

USER = "me@outlook.jp"
CLIENT_ID = "11111111-1111-4111-8111-111111111111"
SECRET = "demo-secret~Value.123"
NATIVECLIENT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
COMMAND = os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")


class Demo:
    """Holds the temporary world: directories, servers, environment."""

    def __init__(self, work):
        self.work = work
        self.failures = 0
        self.ca = TestCA(os.path.join(work, "ca"))
        self.idp = None
        self.env = dict(os.environ)
        self.env.update(
            HOME=work,
            REQUESTS_CA_BUNDLE=self.ca.bundle_path, SSL_CERT_FILE=self.ca.bundle_path,
            XDG_CONFIG_HOME=os.path.join(work, ".config"),
            XDG_STATE_HOME=os.path.join(work, ".local", "state"),
            BROWSER="%s %s %%s" % (sys.executable, os.path.join(ROOT, "tests", "fakes",
                                                                  "browser.py")),
            FAKE_BROWSER_LANDED=os.path.join(work, "browser-address-bar.txt"),
        )
        for variable in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR", "DISPLAY"):
            self.env.pop(variable, None)

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

    def run(self, *args, stdin=None, timeout=120):
        result = subprocess.run([COMMAND, *args], input=stdin, capture_output=True, text=True,
                                env=self.env, timeout=timeout)
        return result

    # ------------------------------------------------------------ steps

    def start_platform(self):
        self.idp = FakeIdentityPlatform(self.ca).start()
        self.idp.add_user(USER)
        self.idp.register_app(CLIENT_ID, audience="consumers", secret=SECRET,
                              redirect_uris=(NATIVECLIENT,))
        print("    identity platform at %s (personal app, client secret, nativeclient "
              "redirect: the seed's registration)" % self.idp.base_url)

    def write_accounts(self):
        directory = os.path.join(self.env["XDG_CONFIG_HOME"], "offlineimap-oauth")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "accounts.conf")
        with open(path, "w") as handle:
            handle.write("[account outlook]\nuser = %s\nclient_id = %s\nclient_secret = %s\n"
                         "authority = %s\nredirect_uri = %s\n"
                         % (USER, CLIENT_ID, SECRET, self.idp.authority("consumers"),
                            NATIVECLIENT))
        os.chmod(path, 0o600)
        print("    wrote %s" % path)

    def login(self):
        process = subprocess.Popen([COMMAND, "login", "outlook", "--flow", "paste"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=self.env)
        landed = self._wait_for_address_bar()
        print("    the browser landed on %s..." % landed[:70])
        out, err = process.communicate(landed + "\n", timeout=120)
        for line in err.splitlines():
            print("    | " + (line[:100] + "..." if len(line) > 100 else line))
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
        result = self.run("token", "outlook")
        took = (time.monotonic() - started) * 1000
        if result.returncode != 0 or not result.stdout.strip():
            raise RuntimeError(result.stderr.strip())
        print("    token: %d characters on stdout, nothing on stderr, %.0f ms "
              "(served from the store: no network)" % (len(result.stdout.strip()), took))

    def status(self):
        result = self.run("status")
        print("\n".join("    | " + line for line in result.stdout.splitlines()))
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())

    def stop(self):
        if self.idp:
            self.idp.stop()


def main():
    if not os.path.exists(COMMAND):
        print("demo: %s is missing; run contrib/demo (it sets up .venv)" % COMMAND)
        return 2
    work = tempfile.mkdtemp(prefix="offlineimap-oauth-demo-")
    demo = Demo(work)
    try:
        steps = [
            ("Start a simulated Microsoft identity platform on 127.0.0.1", demo.start_platform),
            ("Write accounts.conf for the seed's outlook.com account", demo.write_accounts),
            ("offlineimap-oauth login outlook --flow paste (a stand-in browser signs in)",
             demo.login),
            ("offlineimap-oauth token outlook (what msmtp and offlineimap call)", demo.token),
            ("offlineimap-oauth status", demo.status),
        ]
        for title, action in steps:
            if not demo.step(title, action) and title.startswith("Start"):
                break
    finally:
        demo.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\ndemo: %s" % ("all steps passed" if not demo.failures
                          else "%d step(s) FAILED" % demo.failures))
    return 1 if demo.failures else 0


if __name__ == "__main__":
    sys.exit(main())
