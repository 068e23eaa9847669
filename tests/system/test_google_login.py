"""Logging in to the simulated Google through the real google-auth-oauthlib:
loopback with the browser stand-in, and paste (SSH)."""

import io
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from offlineimap_oauth.errors import ConfigError, LoginRequired
from offlineimap_oauth.providers.google import flows
from tests.fakes.google.fixtures import USER, gmail, google  # noqa: F401 - fixtures
from tests.support import BROWSER_STANDIN, ROOT

DRIVER = os.path.join(ROOT, "tests", "system", "google_driver.py")


def visit(google, url):
    """What the browser does with the sign-in address: where Google sends it."""
    parts = urlsplit(url)
    import http.client

    conn = http.client.HTTPSConnection(parts.hostname, parts.port,
                                       context=google.ca.client_context(), timeout=30)
    try:
        conn.request("GET", parts.path + "?" + parts.query)
        response = conn.getresponse()
        response.read()
        assert response.status == 302, response.status
        return response.getheader("Location")
    finally:
        conn.close()


class User:
    """The person at the terminal: opens the printed address, pastes where it lands."""

    def __init__(self, google, edit=lambda landed: landed):
        self.google, self.edit, self.stderr, self.landed = google, edit, io.StringIO(), None

    def readline(self):
        url = next(line for line in self.stderr.getvalue().splitlines()
                   if line.startswith("https://"))
        self.landed = visit(self.google, url)
        return self.edit(self.landed) + "\n"


def paste_login(gmail, user):
    return flows.login(gmail.account, gmail.store, flow="paste", open_browser=False,
                       stdin=user, stderr=user.stderr)


def test_paste_login_with_pkce_state_offline_access_and_consent(gmail):
    user = User(gmail.google)
    result = paste_login(gmail, user)
    assert result["user"] == USER and result["scope"] == "https://mail.google.com/"
    asked = gmail.google.last_authorize
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["access_type"] == "offline" and asked["prompt"] == "consent"
    assert asked["login_hint"] == USER and asked["client_id"] == gmail.client.client_id
    redirect = urlsplit(asked["redirect_uri"])
    assert redirect.scheme == "http" and redirect.hostname == "127.0.0.1" and redirect.port
    assert "oob" not in user.stderr.getvalue()
    assert gmail.google.counts["code_redeemed"] == 1  # verifier and secret matched
    stored = gmail.store.load("gmail")
    assert stored["account"] == gmail.account.binding()
    refresh = [t for t in gmail.google.issued("refresh")]
    assert stored["google"]["refresh_token"] == refresh[0].value
    info = gmail.google.tokeninfo(stored["google"]["access_token"])
    assert info["aud"] == gmail.client.client_id and info["scope"] == "https://mail.google.com/"
    assert "email" not in info  # Google's tokeninfo has email only with the email scope


def test_pasted_address_of_another_login_attempt_is_refused_before_redeeming(gmail):
    def other_state(landed):
        return landed.replace("state=", "state=X")
    with pytest.raises(LoginRequired, match="another login attempt"):
        paste_login(gmail, User(gmail.google, other_state))
    assert gmail.google.counts["authorization_code"] == 0
    assert gmail.store.load("gmail") is None


def test_pasted_code_with_a_changed_verifier_side_fails_pkce(gmail, monkeypatch):
    original = flows.start

    def start(account, redirect_uri):
        flow, url, state = original(account, redirect_uri)
        flow.code_verifier = "x" * 64  # not the one whose challenge Google saw
        return flow, url, state
    monkeypatch.setattr(flows, "start", start)
    with pytest.raises(LoginRequired, match="PKCE"):
        paste_login(gmail, User(gmail.google))
    assert gmail.store.load("gmail") is None


def test_a_non_test_user_pastes_googles_error_page_and_learns_what_to_do(gmail):
    gmail.client.test_users.clear()
    user = User(gmail.google)
    with pytest.raises(ConfigError) as raised:
        paste_login(gmail, user)
    assert "/signin/oauth/error" in user.landed  # Google never came back to the redirect
    assert "Test users" in str(raised.value) and USER in str(raised.value)
    assert gmail.store.load("gmail") is None and gmail.google.counts["error_page"] == 1


def test_cancel_on_the_consent_page(gmail):
    gmail.google.deny_consent()
    with pytest.raises(LoginRequired, match="cancelled or refused") as raised:
        paste_login(gmail, User(gmail.google))
    assert "Allow" in str(raised.value)


def test_a_web_client_gets_redirect_uri_mismatch_explained(gmail):
    gmail.client.kind = "web"
    with pytest.raises(ConfigError, match="'Desktop app'"):
        paste_login(gmail, User(gmail.google))


def test_googles_page_for_the_oob_redirect_is_explained(gmail):
    landed = visit(gmail.google, gmail.google.auth_uri + "?" + "&".join([
        "client_id=" + gmail.client.client_id, "redirect_uri=urn:ietf:wg:oauth:2.0:oob",
        "response_type=code", "scope=https://mail.google.com/"]))
    with pytest.raises(ConfigError, match="out-of-band"):
        flows.parse_pasted(landed, "S", gmail.account)


def test_an_unpublished_apps_login_a_week_old_is_refused_at_refresh(gmail):
    from offlineimap_oauth.providers.google import client
    import time

    paste_login(gmail, User(gmail.google))
    gmail.google.advance(7 * 24 * 3600 + 1)
    with pytest.raises(LoginRequired, match="7 days"):
        client.refresh(gmail.account, gmail.store, time.monotonic() + 20, force=True)


def run_driver(command, gmail, env, **spec):
    spec = dict(raw=gmail.raw, store=gmail.store.directory, **spec)
    return subprocess.run([sys.executable, DRIVER, command, json.dumps(spec)], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def browser_env(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, BROWSER="%s %s %%s" % (sys.executable, BROWSER_STANDIN),
               FAKE_BROWSER_LOG=str(tmp_path / "browser.log"),
               FAKE_BROWSER_LANDED=str(tmp_path / "landed"), HOME=str(tmp_path))
    env.pop("DISPLAY", None)
    env.pop("SSH_CONNECTION", None)
    return env


# The loopback login through the CLI: tests/system/test_google_cli.py.


def test_loopback_login_of_a_non_test_user_times_out_with_the_fix(gmail, browser_env, tmp_path):
    gmail.client.test_users.clear()
    result = run_driver("login-localhost", gmail, browser_env, login_timeout=3)
    assert result.returncode == 4 and result.stdout == ""
    assert "Test users" in result.stderr and USER in result.stderr
    landed = (tmp_path / "landed").read_text()
    assert "/signin/oauth/error" in landed and parse_qs(urlsplit(landed).query)["authError"]
    assert gmail.store.load("gmail") is None


def test_unticking_the_gmail_permission_on_the_consent_page_is_explained(gmail):
    gmail.google.unticked.add("https://mail.google.com/")
    gmail.account = gmail.make_account(scopes="https://mail.google.com/ email")
    with pytest.raises(LoginRequired) as raised:
        paste_login(gmail, User(gmail.google))
    assert "lacks the permission https://mail.google.com/" in str(raised.value)
    assert "tick" in str(raised.value)
    assert gmail.store.load("gmail") is None
