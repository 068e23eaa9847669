"""Google accounts through the real CLI (``python -m offlineimap_oauth``) against
the simulated Google: login (paste and loopback), token (cached and refreshed),
status, logout, and a Gmail and an Outlook account served from one
accounts.conf."""

import json
import subprocess
import sys
import time

import pytest

from tests.fakes.google.fixtures import USER, gmail, google  # noqa: F401 - fixtures
from tests.system.test_google_login import visit

HEAVY = ("google", "google_auth_oauthlib", "oauthlib", "requests_oauthlib", "requests",
         "urllib3", "ssl", "http", "msal", "argparse", "offlineimap_oauth.providers.microsoft.app",
         "offlineimap_oauth.providers.microsoft.flows", "offlineimap_oauth.providers.google.client",
         "offlineimap_oauth.providers.google.flows", "offlineimap_oauth.providers.google.explain")

PROBE = """
import sys
from offlineimap_oauth.cli import main
code = main(["token", sys.argv[1]])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {0!r} or m in {0!r})
sys.stderr.write("HEAVY=%s\\n" % ",".join(heavy))
sys.exit(code)
"""


@pytest.fixture
def both(cli, gmail):
    """The CLI with accounts.conf holding the seed's two Outlook accounts and a Gmail one."""
    cli.write_config(cli.platform.config() + gmail.section("gmail"))
    cli.gmail = gmail
    return cli


def paste_login(cli, name="gmail", extra=()):
    """login --flow paste --no-browser: open the printed address, paste where it lands."""
    process = cli.popen("login", name, "--flow", "paste", "--no-browser", *extra)
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("https://"):
            landed = visit(cli.gmail.google, line.strip())
            out, err = process.communicate(landed + "\n", timeout=60)
            return subprocess.CompletedProcess(process.args, process.returncode, out,
                                               "".join(lines) + err)
    process.kill()
    out, err = process.communicate()
    raise AssertionError("login printed no address: %s%s" % ("".join(lines), err))


def stored(cli, name="gmail"):
    return json.loads((cli.state / ("%s.json" % name)).read_text())


def test_paste_login_then_token_serves_the_stored_google_token(both):
    result = paste_login(both)
    assert result.returncode == 0, result.stderr
    assert "Logged in as %s; tokens for [account gmail] saved." % USER in result.stderr
    assert result.stdout == ""
    token = both.token("gmail")
    assert token.returncode == 0, token.stderr
    assert token.stdout == stored(both)["google"]["access_token"] + "\n"
    assert both.gmail.google.tokeninfo(token.stdout.strip(), dovecot=True)["email"] == USER
    assert both.gmail.google.counts["refresh_token"] == 0  # served from the store


def test_a_gmail_and_an_outlook_account_in_one_file_are_both_served(both):
    assert both.login_paste("outlook").returncode == 0
    assert paste_login(both).returncode == 0
    outlook, gmail_token = both.token("outlook"), both.token("gmail")
    assert outlook.returncode == 0 and gmail_token.returncode == 0, (outlook.stderr,
                                                                    gmail_token.stderr)
    assert outlook.stdout != gmail_token.stdout
    assert gmail_token.stdout.strip() == stored(both)["google"]["access_token"]
    assert "msal" in stored(both, "outlook") and "google" not in stored(both, "outlook")
    status = both.run("status", "--json")
    assert status.returncode == 4  # EXIT_LOGIN_REQUIRED: "work" has never logged in
    records = {entry["name"]: entry for entry in json.loads(status.stdout)["accounts"]}
    assert records["gmail"]["provider"] == "google" and records["gmail"]["login"] == "ok"
    assert records["gmail"]["token_uri"] == both.gmail.google.token_uri
    assert records["gmail"]["refresh_token_expires"]  # an app in 'Testing': 7 days
    assert records["outlook"]["provider"] == "microsoft" and records["outlook"]["login"] == "ok"
    assert records["work"]["login"] == "login required"
    assert stored(both)["google"]["refresh_token"] not in status.stdout
    text = both.run("status", "gmail")
    assert "provider:      google" in text.stdout and "7-day logins" in text.stdout


def test_a_stale_google_token_is_refreshed_through_the_cli(both):
    both.gmail.google.access_token_lifetime = 250  # stale at once: 5-minute margin
    assert paste_login(both).returncode == 0
    before = stored(both)["google"]
    both.gmail.google.access_token_lifetime = 3599
    token = both.token("gmail")
    assert token.returncode == 0, token.stderr
    after = stored(both)["google"]
    assert token.stdout.strip() == after["access_token"] != before["access_token"]
    assert after["refresh_token"] == before["refresh_token"]
    assert both.gmail.google.counts["refresh_token"] == 1
    forced = both.run("token", "gmail", "--refresh")
    assert forced.returncode == 0 and forced.stdout.strip() != token.stdout.strip()


def probe(cli, name):
    roots = tuple(sorted(set(HEAVY)))
    result = subprocess.run([sys.executable, "-c", PROBE.format(roots), name], env=cli.env,
                            capture_output=True, text=True, timeout=60)
    line = [l for l in result.stderr.splitlines() if l.startswith("HEAVY=")][-1]
    return result, [m for m in line[len("HEAVY="):].split(",") if m]


def test_a_cached_google_token_imports_nothing_of_googles(both):
    assert paste_login(both).returncode == 0
    result, heavy = probe(both, "gmail")
    assert result.returncode == 0 and result.stdout.strip() == stored(both)["google"]["access_token"]
    assert heavy == []


def test_the_probe_sees_google_auth_when_a_refresh_is_needed(both):
    both.gmail.google.access_token_lifetime = 250
    assert paste_login(both).returncode == 0
    result, heavy = probe(both, "gmail")
    assert result.returncode == 0, result.stderr
    assert "google.auth" in heavy and "offlineimap_oauth.providers.google.client" in heavy
    assert "msal" not in heavy


def test_loopback_login_through_the_cli_and_the_browser_stand_in(both):
    result = both.run("login", "gmail", "--flow", "localhost")
    assert result.returncode == 0, result.stderr
    assert stored(both)["google"]["refresh_token"].startswith("1//")
    assert both.gmail.google.last_authorize["redirect_uri"].startswith("http://127.0.0.1:")
    assert both.token("gmail").stdout.strip() == stored(both)["google"]["access_token"]


def test_login_with_the_device_flow_is_refused_with_the_reason(both):
    result = both.run("login", "gmail", "--flow", "device")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "device flow" in result.stderr and "--flow paste" in result.stderr


def test_logout_revokes_at_google_and_leaves_the_outlook_account(both):
    assert both.login_paste("outlook").returncode == 0
    assert paste_login(both).returncode == 0
    access = stored(both)["google"]["access_token"]
    result = both.run("logout", "gmail")
    assert result.returncode == 0, result.stderr
    assert "revoked them at Google" in result.stderr
    assert both.gmail.google.tokeninfo(access) is None
    assert not (both.state / "gmail.json").exists()
    assert both.token("outlook").returncode == 0
    token = both.token("gmail")
    assert token.returncode != 0 and "login gmail" in token.stderr and token.stdout == ""


def test_tokens_of_a_microsoft_login_never_serve_a_google_account(both):
    assert both.login_paste("outlook").returncode == 0
    outlook = (both.state / "outlook.json").read_text()
    (both.state / "gmail.json").write_text(outlook)
    (both.state / "gmail.json").chmod(0o600)
    token = both.token("gmail")
    assert token.returncode != 0 and token.stdout == ""
    assert "login gmail" in token.stderr and "Traceback" not in token.stderr


def test_a_google_login_that_dies_runs_notify_command_once(both, tmp_path):
    both.gmail.google.access_token_lifetime = 250  # every token call refreshes
    marker = tmp_path / "notified.txt"
    both.write_config(both.config.read_text().rstrip("\n") + "\nnotify_command = "
                      "echo \"$OFFLINEIMAP_OAUTH_ACCOUNT\" >> %s\n" % marker)
    assert paste_login(both).returncode == 0
    both.gmail.google.revoke(USER)
    for _ in range(2):
        token = both.token("gmail")
        assert token.returncode == 4 and "login gmail" in token.stderr, token.stderr
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert marker.read_text() == "gmail\n"  # once, not once per failing call
    assert paste_login(both).returncode == 0  # working again: the next death notifies anew
    assert not (both.state / "gmail.notified").exists()


def test_refresh_command_checks_a_google_login_and_says_it_does_not_rotate(both):
    assert paste_login(both).returncode == 0
    before = stored(both)["google"]
    result = both.run("refresh", "gmail", "--older-than", "0")
    assert result.returncode == 0, result.stderr
    assert "gmail: login checked with Google (its refresh token does not rotate" in result.stderr
    assert stored(both)["google"]["refresh_token"] == before["refresh_token"]
    assert stored(both)["google"]["access_token"] != before["access_token"]
