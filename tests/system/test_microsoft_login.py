"""Microsoft's login, Ctrl-C and a token_store move, in-process (providers/microsoft/app.py).

test_login_token.py and test_token_store_migration.py check these through
the CLI in a subprocess, where a mutation tool (contrib/mutation-test)
cannot see which test reaches which function.  Here the product's own
login (``flows.login``: the paste flow of the seed's confidential app, the
device code flow of a public organisation app) runs in this process
against the simulated identity platform, as does a refresh after
``token_store`` changed, and Ctrl-C at the moments a user presses it.
"""

import io
import json
import os
import re
import signal
import threading
import time

import pytest

from offlineimap_oauth import accounts, cli as cli_module, discovery_cache, redact
from offlineimap_oauth.errors import TryLater
from offlineimap_oauth.providers.microsoft import app, flows
from offlineimap_oauth.store import TokenStore
from tests.fakes.idp import FakeIdentityPlatform
from tests.support import OUTLOOK, WORK, Cli, Platform
from tests.vaults import gnupg_home, gpg_keys, plaintext_hits  # noqa: F401 - fixtures


@pytest.fixture(scope="module")
def platform(test_ca):
    with FakeIdentityPlatform(test_ca) as idp:
        yield Platform(idp)


@pytest.fixture
def idp(platform):
    platform.idp._faults.clear()
    platform.idp.reset_counts()
    platform.idp.sign_in_as(None)
    return platform.idp


@pytest.fixture
def cli(platform, idp, tmp_path, test_ca, monkeypatch):
    """A private accounts.conf and store, seen by this process as by the CLI."""
    files = Cli(tmp_path, platform, test_ca)
    for key in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR", "REQUESTS_CA_BUNDLE",
                "SSL_CERT_FILE"):
        monkeypatch.setenv(key, files.env[key])
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "SSH_CONNECTION", "SSH_TTY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(app, "RETRY_DELAYS_S", (0.01, 0.01, 0.01, 0.01))
    return files


def account_of(cli, name):
    return accounts.find(accounts.load(str(cli.config)), name, str(cli.config))


class Person:
    """The user at the terminal: opens the printed address, pastes where it landed."""

    def __init__(self, idp):
        self.idp, self.stderr = idp, io.StringIO()

    def readline(self):
        url = next(line for line in self.stderr.getvalue().splitlines()
                   if line.startswith("https://"))
        return self.idp.visit(url) + "\n"


def paste_login(cli, idp, name="outlook", now=time.time):
    person = Person(idp)
    claims = flows.login(account_of(cli, name), TokenStore(str(cli.state)), flow="paste",
                         open_browser=False, stdin=person, stderr=person.stderr, now=now)
    return claims, person


def test_a_paste_login_of_the_confidential_app_stores_a_login_a_refresh_can_use(cli, idp):
    started = time.time()
    claims, person = paste_login(cli, idp)
    assert claims["preferred_username"] == OUTLOOK["user"]
    assert idp.counts["authorization_code"] == 1
    store = TokenStore(str(cli.state))
    state = store.load("outlook")
    assert state["account"] == account_of(cli, "outlook").binding()
    assert state["login_tenant"] == "consumers"
    assert started - 1 <= state["login_at"] == state["renewed_at"] <= time.time() + 1
    users = [entry["username"] for entry in state["msal"]["Account"].values()]
    assert users == [OUTLOOK["user"]] and len(state["msal"]["RefreshToken"]) == 1
    # Where the tokens went is what is recorded, not a request to move them.
    assert "token_store" not in state and "vault" not in state
    # The discovery answers of the login are kept: the first refresh asks only for a token.
    assert discovery_cache.load(str(cli.state))
    idp.reset_counts()
    token, _, _ = app.refresh(account_of(cli, "outlook"), store, time.monotonic() + 20,
                              force=True)
    assert sum(idp.counts.values()) == idp.counts["refresh_token"] == 1, idp.counts
    assert idp.introspect(token)["active"]  # and no discovery was asked again


def test_the_login_clock_is_what_is_stored(cli, idp):
    then = time.time() - 3 * 86400
    paste_login(cli, idp, now=lambda: then)
    state = TokenStore(str(cli.state)).load("outlook")
    assert state["login_at"] == state["renewed_at"] == int(then)


def test_a_device_code_login_of_the_public_org_app(cli, idp, monkeypatch):
    monkeypatch.setattr(idp, "device_interval", 0)  # no real pauses between polls
    idp.sign_in_as(WORK["user"])  # the device flow has no login hint: the user types it
    stderr = io.StringIO()
    claims = flows.login(account_of(cli, "work"), TokenStore(str(cli.state)), flow="device",
                         open_browser=False, stdin=io.StringIO(), stderr=stderr)
    assert claims["preferred_username"] == WORK["user"]
    assert "enter the code" in stderr.getvalue()
    state = TokenStore(str(cli.state)).load("work")
    assert state["login_tenant"] == "organizations"
    assert state["account"] == account_of(cli, "work").binding()
    assert [e["username"] for e in state["msal"]["Account"].values()] == [WORK["user"]]


def test_the_client_secret_is_masked_in_everything_shown_after_a_login(cli, idp, monkeypatch):
    monkeypatch.setattr(redact, "_known", set())
    paste_login(cli, idp)
    shown = redact.redact("MSAL sent client_credential %s" % OUTLOOK["secret"])
    assert OUTLOOK["secret"] not in shown and redact.MASK in shown


def test_a_login_whose_platform_does_not_answer_gives_up_after_the_request_timeout(
        cli, idp):
    idp.hang(seconds=5, count=1000, path_contains="openid-configuration")
    started = time.monotonic()
    with pytest.raises(TryLater) as caught:
        app.build_app(account_of(cli, "work"), app.new_cache(), timeout=0.1)
    elapsed = time.monotonic() - started
    # MSAL tries the request twice, each waiting half a second at least (never
    # less: a shorter timeout fails a slow but working network), and not the
    # 5 s the platform would take.
    assert 1.0 <= elapsed < 2.9, elapsed
    assert "[account work]" in caught.value.message


class CtrlC:
    """A terminal where the user presses Ctrl-C instead of pasting."""

    def readline(self):
        raise KeyboardInterrupt


def test_ctrl_c_at_the_paste_prompt_ends_the_login_with_130_saving_nothing(
        cli, idp, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", CtrlC())
    code = cli_module.main(["login", "outlook", "--flow", "paste", "--no-browser"])
    assert code == 130
    assert capsys.readouterr().err.splitlines()[-1] == "offlineimap-oauth: interrupted."
    assert not os.path.exists(TokenStore(str(cli.state)).path("outlook"))


def test_ctrl_c_while_the_platform_is_slow_ends_token_with_130_keeping_the_login(
        cli, idp, capsys):
    paste_login(cli, idp)
    store = TokenStore(str(cli.state))
    before = store.load("outlook")
    idp.hang(seconds=3, count=1)
    # Ctrl-C reaches the main thread, blocked reading the platform's answer.
    timer = threading.Timer(0.3, signal.pthread_kill,
                            (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    try:
        code = cli_module.main(["token", "outlook", "--refresh"])
    finally:
        timer.cancel()
    assert code == 130
    assert capsys.readouterr().err.splitlines()[-1] == "offlineimap-oauth: interrupted."
    assert store.load("outlook") == before


def test_a_changed_token_store_moves_the_tokens_at_the_next_refresh(cli, idp, gnupg_home,
                                                                   monkeypatch):
    home, keys = gnupg_home
    monkeypatch.setenv("GNUPGHOME", str(home))
    paste_login(cli, idp)
    cli.write_config(cli.platform.config(outlook=dict(token_store="gpg",
                                                      gpg_key=keys["nopass"])))
    store = TokenStore(str(cli.state))
    app.refresh(account_of(cli, "outlook"), store, time.monotonic() + 30, force=True)
    public = json.loads((cli.state / "outlook.json").read_text())
    assert public["vault"]["store"] == "gpg" and "RefreshToken" not in public["msal"]
    assert (cli.state / "outlook.json.gpg").exists()
    refresh_tokens = [t.value for t in idp.issued("refresh", OUTLOOK["user"])]
    assert plaintext_hits(str(cli.state), refresh_tokens) == []
    # And the moved login still refreshes (read back through gpg).
    token, _, _ = app.refresh(account_of(cli, "outlook"), store, time.monotonic() + 30,
                              force=True)
    assert idp.introspect(token)["active"]


def test_a_gpg_that_waits_for_a_passphrase_is_given_up_at_the_refreshs_deadline(
        cli, idp, gnupg_home, monkeypatch, tmp_path):
    """msmtp must not hang on a pinentry nobody sees: the decryption gets what is left
    of the refresh's time, not gpg's own 25 s."""
    from offlineimap_oauth.errors import Locked

    home, keys = gnupg_home
    monkeypatch.setenv("GNUPGHOME", str(home))
    cli.write_config(cli.platform.config(outlook=dict(token_store="gpg", gpg_key=keys["nopass"])))
    paste_login(cli, idp)
    waiting = tmp_path / "bin"
    waiting.mkdir()
    (waiting / "gpg").write_text("#!/bin/sh\nexec sleep 30\n")
    (waiting / "gpg").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (waiting, os.environ["PATH"]))
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal: as under msmtp
    started = time.monotonic()
    with pytest.raises(Locked) as caught:
        app.refresh(account_of(cli, "outlook"), TokenStore(str(cli.state)),
                    time.monotonic() + 2, force=True)
    assert time.monotonic() - started < 6
    assert re.fullmatch(r"gpg did not finish within [12] s \(a pinentry waiting for a "
                        r"passphrase\?\)\.", caught.value.message), caught.value.message
    assert idp.counts["refresh_token"] == 0
