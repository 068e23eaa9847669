"""The real parts behind ``token_store = gpg | keyring``, for tests.

- ``gpg_keys`` (session): two throwaway keys made once with the real gpg:
  ``nopass`` (no passphrase) and ``locked`` (passphrase, never cached).
- ``gnupg_home``: a copy of them in the test's own HOME, its gpg-agent
  killed after the test.
- ``secret_service``: a real Secret Service (gnome-keyring-daemon) on a
  private D-Bus session bus (dbus-run-session), with its keyrings under the
  test's HOME; unlocked unless restarted with ``unlock=False``.
- ``mode_cli``: the ``cli`` of tests/support.py with both accounts set to
  ``token_store = plain | gpg | keyring`` (parametrize ``mode``).
- ``read_stored`` and ``plaintext_hits``: what the store holds (decrypted
  through the real backend, in a subprocess with the test's environment)
  and which secrets can be found in plaintext under a directory.

In CI a missing gpg or gnome-keyring fails the test (tests/e2e/_require.py).
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.e2e._require import require_binary
from tests.support import ROOT

__all__ = ["gpg_keys", "gnupg_home", "secret_service", "mode", "mode_cli", "read_stored",
           "plaintext_hits", "SecretService"]

KEYRING_PASSWORD = "test-keyring-password"
GPG_PASSPHRASE = "a passphrase nobody types"


def _gpg(home, *args, input=None):
    return subprocess.run([require_binary("gpg"), "--homedir", str(home), "--batch", "--quiet",
                           *args], input=input, capture_output=True, timeout=60, check=True)


def kill_agent(home):
    subprocess.run([require_binary("gpgconf"), "--homedir", str(home), "--kill", "gpg-agent"],
                   capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def gpg_keys(tmp_path_factory):
    """(GNUPGHOME with both keys, {"nopass": fingerprint, "locked": fingerprint})."""
    home = tmp_path_factory.mktemp("gnupg-keys")
    os.chmod(home, 0o700)
    keys = {}
    try:
        for kind, passphrase in (("nopass", ""), ("locked", GPG_PASSPHRASE)):
            uid = "%s <%s@example.invalid>" % (kind, kind)
            _gpg(home, "--pinentry-mode", "loopback", "--passphrase", passphrase,
                 "--quick-gen-key", uid, "future-default", "default", "never")
            listing = _gpg(home, "--with-colons", "--list-keys", uid).stdout.decode()
            keys[kind] = [line.split(":")[9] for line in listing.splitlines()
                          if line.startswith("fpr:")][0]
    finally:
        kill_agent(home)
    return home, keys


@pytest.fixture
def gnupg_home(tmp_path, gpg_keys):
    """A private GNUPGHOME under the test's HOME holding both keys; agent stopped after."""
    source, keys = gpg_keys
    home = tmp_path / "gnupg"
    shutil.copytree(source, home, ignore=shutil.ignore_patterns("S.*", "*.lock"))
    os.chmod(home, 0o700)
    yield home, keys
    kill_agent(home)


class SecretService:
    """gnome-keyring-daemon on a private session bus; ``env`` reaches it."""

    def __init__(self, tmp_path):
        require_binary("dbus-run-session")
        require_binary("gnome-keyring-daemon")
        self.tmp = tmp_path
        self.data = tmp_path / "xdg-data"
        self.runtime = tmp_path / "xdg-runtime"
        self.runtime.mkdir(mode=0o700, exist_ok=True)
        self.process = None
        self.env = {}

    def start(self, unlock=True):
        script = ('%s >/dev/null 2>&1; echo "$DBUS_SESSION_BUS_ADDRESS"; read line'
                  % ("printf %%s '%s' | gnome-keyring-daemon --unlock --components=secrets"
                     % KEYRING_PASSWORD if unlock
                     else "gnome-keyring-daemon --daemonize --components=secrets"))
        env = dict(os.environ, HOME=str(self.tmp), XDG_DATA_HOME=str(self.data),
                   XDG_RUNTIME_DIR=str(self.runtime))
        for variable in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            env.pop(variable, None)
        log = open(self.tmp / "dbus-session.log", "ab")
        self.process = subprocess.Popen(
            [require_binary("dbus-run-session"), "--", "sh", "-c", script], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        log.close()
        address = self.process.stdout.readline().decode().strip()
        assert address, "dbus-run-session gave no bus address (see dbus-session.log)"
        self.env = dict(DBUS_SESSION_BUS_ADDRESS=address, XDG_DATA_HOME=str(self.data),
                        XDG_RUNTIME_DIR=str(self.runtime))
        return self

    def stop(self):
        if self.process is None:
            return
        self.process.stdin.close()  # `read` returns: the session and its daemons end
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process = None
        time.sleep(0.2)  # gnome-keyring-daemon notices the bus is gone


@pytest.fixture
def secret_service(tmp_path):
    service = SecretService(tmp_path).start()
    yield service
    service.stop()


@pytest.fixture(params=["plain", "gpg", "keyring"])
def mode(request):
    return request.param


@pytest.fixture
def mode_cli(request, cli, platform, mode):
    """``cli`` with every account on ``token_store = mode``; ``cli.mode_env`` reaches the backend."""
    cli.mode = mode
    settings = {"token_store": mode}
    if mode == "gpg":
        home, keys = request.getfixturevalue("gnupg_home")
        cli.env["GNUPGHOME"] = str(home)
        cli.gpg_keys = keys
        settings["gpg_key"] = keys["nopass"]
    elif mode == "keyring":
        service = request.getfixturevalue("secret_service")
        cli.env.update(service.env)
        cli.secret_service = service
    cli.settings = settings
    cli.write_config(platform.config(outlook=settings, work=settings))
    return cli


READER = """
import json, sys
from offlineimap_oauth.store import TokenStore
state, _ = TokenStore(sys.argv[1]).load_secrets(sys.argv[2])
msal = (state or {}).get("msal") or {}
print(json.dumps({kind: sorted(e["secret"] for e in msal.get(kind, {}).values())
                  for kind in ("RefreshToken", "AccessToken")}))
"""


def read_stored(cli, name):
    """{"RefreshToken": [...], "AccessToken": [...]} as the store holds them, decrypted."""
    result = subprocess.run([sys.executable, "-c", READER, str(cli.state), name],
                            capture_output=True, text=True, env=dict(cli.env, PYTHONPATH=ROOT),
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def plaintext_hits(directory, secrets):
    """[(path, secret prefix)] for every secret found in plaintext in a file under ``directory``."""
    needles = [secret.encode() for secret in secrets if secret]
    hits = []
    for root, _, files in os.walk(directory):
        for entry in files:
            path = os.path.join(root, entry)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            hits.extend((path, needle[:12].decode()) for needle in needles if needle in data)
    return hits


def keyring_item(cli, name="outlook"):
    """The raw keyring item (through the keyring library itself), or "None"."""
    probe = subprocess.run([sys.executable, "-c", "import keyring, sys; print(keyring."
                            "get_password('offlineimap-oauth:' + sys.argv[1], sys.argv[2]))",
                            str(cli.state), name],
                           capture_output=True, text=True, env=cli.env, timeout=60)
    assert probe.returncode == 0, probe.stderr
    return probe.stdout.strip()
