"""Test support shared by the system and e2e layers: the seed's two apps on
the simulated platform (``Platform``) and the CLI run as a real subprocess
with a private config and token store (``Cli``)."""

import os
import subprocess
import sys
import time


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROWSER_STANDIN = os.path.join(ROOT, "tests", "fakes", "browser.py")

# The seed's personal app: Web platform, client secret, nativeclient redirect.
OUTLOOK = dict(name="outlook", user="me@outlook.jp", client_id="11111111-1111-4111-8111-111111111111",
               secret="s3cr3t~Value.From_Portal", secret_id="22222222-2222-4222-8222-222222222222",
               tenant="consumers")
# A Microsoft 365 organisation's public app ("Mobile and desktop", public client flows on).
CONTOSO_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
WORK = dict(name="work", user="me@contoso.com", client_id="33333333-3333-4333-8333-333333333333",
            tenant="organizations")


class Platform:
    """The running fake plus the accounts.conf text that points at it."""

    def __init__(self, idp):
        self.idp = idp
        idp.add_org(CONTOSO_TENANT, domains=("contoso.com", "contoso.onmicrosoft.com"))
        idp.add_user(OUTLOOK["user"])
        idp.add_user(WORK["user"], tenant_id=CONTOSO_TENANT)
        idp.add_user("other@outlook.jp")
        idp.register_app(OUTLOOK["client_id"], audience="consumers", secret=OUTLOOK["secret"],
                         secret_id=OUTLOOK["secret_id"],
                         redirect_uris=("https://login.microsoftonline.com/common/oauth2/nativeclient",))
        idp.register_app(WORK["client_id"], audience="organizations", public_client=True,
                         redirect_uris=("http://localhost",
                                        "https://login.microsoftonline.com/common/oauth2/nativeclient"))

    def section(self, spec, **overrides):
        fields = dict(user=spec["user"], client_id=spec["client_id"],
                      authority=self.idp.authority(spec["tenant"]))
        if "secret" in spec:
            fields["client_secret"] = spec["secret"]
        fields.update(overrides)
        body = "".join("%s = %s\n" % (k, v) for k, v in fields.items() if v is not None)
        return "[account %s]\n%s\n" % (spec["name"], body)

    def config(self, **per_account):
        return self.section(OUTLOOK, **per_account.get("outlook", {})) + \
            self.section(WORK, **per_account.get("work", {}))


class Cli:
    """Runs ``python -m offlineimap_oauth`` with a private config and store."""

    def __init__(self, tmp_path, platform, ca):
        self.tmp = tmp_path
        self.platform = platform
        self.config = tmp_path / "accounts.conf"
        self.state = tmp_path / "state"
        self.landed = tmp_path / "landed.txt"
        self.write_config(platform.config())
        self.env = dict(os.environ)
        self.env.update(
            HOME=str(tmp_path),
            REQUESTS_CA_BUNDLE=ca.bundle_path, SSL_CERT_FILE=ca.bundle_path,
            OFFLINEIMAP_OAUTH_CONFIG=str(self.config),
            OFFLINEIMAP_OAUTH_STATE_DIR=str(self.state),
            BROWSER="%s %s %%s" % (sys.executable, BROWSER_STANDIN),
            FAKE_BROWSER_LANDED=str(self.landed),
            FAKE_BROWSER_LOG=str(tmp_path / "browser.log"),
            PYTHONPATH=ROOT,
        )
        for variable in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY"):
            self.env.pop(variable, None)

    def write_config(self, text):
        self.config.write_text(text)

    def run(self, *args, input=None, timeout=60):
        return subprocess.run([sys.executable, "-m", "offlineimap_oauth", *args],
                              input=input, capture_output=True, text=True, env=self.env,
                              timeout=timeout)

    def popen(self, *args):
        return subprocess.Popen([sys.executable, "-m", "offlineimap_oauth", *args],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)

    def login_paste(self, name, extra=()):
        """login --flow paste, with the browser stand-in; pastes what it landed on."""
        process = self.popen("login", name, "--flow", "paste", *extra)
        landed = wait_for_file(self.landed)
        self.landed.unlink()
        out, err = process.communicate(landed + "\n", timeout=60)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def token(self, name):
        return self.run("token", name)


def wait_for_file(path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError("the browser stand-in never wrote %s" % path)
