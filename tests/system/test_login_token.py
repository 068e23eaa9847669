"""Login flows, token, logout and status through the real CLI and real MSAL
against the simulated Microsoft identity platform."""

import json
import os
import stat

from offlineimap_oauth.errors import EXIT_CONFIG, EXIT_LOGIN_REQUIRED, EXIT_USAGE
from tests.support import OUTLOOK, WORK


def stored(cli, name):
    return json.loads((cli.state / ("%s.json" % name)).read_text())


def refresh_tokens(cli, name):
    return [entry["secret"] for entry in stored(cli, name)["msal"]["RefreshToken"].values()]


def assert_token_works(cli, name, idp, user):
    result = cli.token(name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    token = result.stdout
    assert token.endswith("\n") and token.count("\n") == 1
    info = idp.introspect(token.strip())
    assert info["active"] and info["username"].lower() == user
    return token.strip()


def test_paste_flow_seed_confidential_consumers_app(cli, idp):
    result = cli.login_paste("outlook")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "https://127.0.0.1:" in result.stderr and "/consumers/oauth2/v2.0/authorize?" in result.stderr
    assert idp.counts["authorization_code"] == 1
    assert_token_works(cli, "outlook", idp, OUTLOOK["user"])
    assert idp.counts["refresh_token"] == 0  # served from the store


def test_paste_flow_bare_code_without_browser_public_org_app(cli, idp):
    process = cli.popen("login", "work", "--flow", "paste", "--no-browser")
    url = next(line for line in iter(process.stderr.readline, "") if line.startswith("https://"))
    landed = idp.visit(url.strip())
    code = landed.split("code=")[1].split("&")[0]
    out, err = process.communicate(code + "\n", timeout=60)
    assert process.returncode == 0, err
    assert not cli.landed.exists()  # --no-browser: the browser was never started
    assert_token_works(cli, "work", idp, WORK["user"])


def test_localhost_flow_public_org_app(cli, idp):
    result = cli.run("login", "work", "--flow", "localhost")
    assert result.returncode == 0, result.stderr
    assert "You can close this tab" in (cli.tmp / "browser.log").read_text()
    assert_token_works(cli, "work", idp, WORK["user"])


def test_device_flow_public_org_app(cli, idp):
    idp.sign_in_as(WORK["user"])  # no login_hint in the device flow: the user types it
    result = cli.run("login", "work", "--flow", "device")
    assert result.returncode == 0, result.stderr
    assert "enter the code" in result.stderr
    assert idp.counts["urn:ietf:params:oauth:grant-type:device_code"] >= 2  # pending, then done
    assert_token_works(cli, "work", idp, WORK["user"])


def test_localhost_and_device_refused_for_confidential_app(cli):
    for flow in ("localhost", "device"):
        result = cli.run("login", "outlook", "--flow", flow)
        assert result.returncode == EXIT_USAGE
        assert "--flow paste" in result.stderr


def test_pasted_url_of_another_attempt_is_refused(cli, idp):
    first = cli.popen("login", "outlook", "--flow", "paste", "--no-browser")
    url = next(line for line in iter(first.stderr.readline, "") if line.startswith("https://"))
    stale = idp.visit(url.strip())
    first.kill()
    first.communicate()
    second = cli.popen("login", "outlook", "--flow", "paste", "--no-browser")
    out, err = second.communicate(stale.replace("state=", "state=x") + "\n", timeout=60)
    assert second.returncode == EXIT_LOGIN_REQUIRED
    assert "another login attempt" in err
    assert not (cli.state / "outlook.json").exists()


def test_signing_in_as_someone_else_saves_nothing(cli, idp):
    idp.sign_in_as("other@outlook.jp")
    result = cli.login_paste("outlook")
    assert result.returncode == EXIT_CONFIG
    assert "You signed in as other@outlook.jp" in result.stderr
    assert not (cli.state / "outlook.json").exists()


def test_refresh_after_expiry_persists_rotated_refresh_token(cli, idp):
    idp.access_token_lifetime = 300  # under the 10-minute margin: stale at once
    assert cli.login_paste("outlook").returncode == 0
    before = refresh_tokens(cli, "outlook")
    first = assert_token_works(cli, "outlook", idp, OUTLOOK["user"])
    assert idp.counts["refresh_token"] == 1
    after = refresh_tokens(cli, "outlook")
    assert after != before and len(after) == 1
    second = assert_token_works(cli, "outlook", idp, OUTLOOK["user"])
    assert second != first and idp.counts["refresh_token"] == 2
    assert refresh_tokens(cli, "outlook") != after


def test_cached_token_served_with_platform_stopped(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    idp.stop()
    assert cli.token("outlook").returncode == 0


def test_revoked_refresh_token_asks_for_login(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.revoke(OUTLOOK["user"])
    result = cli.token("outlook")
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert result.stdout == ""
    assert "AADSTS50173" in result.stderr
    assert "offlineimap-oauth login outlook" in result.stderr


def test_no_login_yet_asks_for_login(cli):
    result = cli.token("work")
    assert (result.returncode, result.stdout) == (EXIT_LOGIN_REQUIRED, "")
    assert "Run: offlineimap-oauth login work" in result.stderr


def test_wrong_tenant_names_consumers(cli, idp):
    cli.write_config(cli.platform.config(outlook={"authority": idp.authority("common")}))
    result = cli.login_paste("outlook")
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "AADSTS9002331" in result.stderr
    assert "Set tenant = consumers in [account outlook]" in result.stderr


def test_secret_id_instead_of_value(cli, idp):
    cli.write_config(cli.platform.config(outlook={"client_secret": OUTLOOK["secret_id"]}))
    result = cli.login_paste("outlook")
    assert result.returncode == EXIT_CONFIG
    assert "AADSTS7000215" in result.stderr and "not its Secret ID" in result.stderr


def test_unknown_client_id(cli, idp):
    unknown = "44444444-4444-4444-8444-444444444444"
    cli.write_config(cli.platform.config(work={"client_id": unknown}))
    result = cli.run("login", "work", "--flow", "device")
    assert result.returncode == EXIT_CONFIG
    assert "AADSTS700016" in result.stderr and "Application (client) ID" in result.stderr


def test_changed_settings_make_the_stored_login_unusable(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    cli.write_config(cli.platform.config(
        outlook={"scopes": "https://outlook.office.com/IMAP.AccessAsUser.All"}))
    result = cli.token("outlook")
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert "changed: scopes" in result.stderr


def test_logout_forgets_one_account_only_and_store_modes(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    idp.sign_in_as(WORK["user"])
    assert cli.run("login", "work", "--flow", "device").returncode == 0
    assert stat.S_IMODE(os.stat(cli.state).st_mode) == 0o700
    for entry in cli.state.iterdir():
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600, entry
    result = cli.run("logout", "outlook")
    assert result.returncode == 0 and "Forgot" in result.stderr
    assert cli.token("outlook").returncode == EXIT_LOGIN_REQUIRED
    assert_token_works(cli, "work", idp, WORK["user"])


def test_status_shows_state_and_no_secret(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    result = cli.run("status")
    assert result.returncode == EXIT_LOGIN_REQUIRED, result.stderr  # work is not logged in
    out = result.stdout
    assert "outlook (me@outlook.jp)" in out and "work (me@contoso.com)" in out
    assert "confidential (client secret)" in out and "public (no secret)" in out
    assert "valid until" in out and "last renewed" in out
    assert str(cli.state / "outlook.json") in out
    assert "refresh token: none: run offlineimap-oauth login work" in out
    assert OUTLOOK["secret"] not in out
    for secret in refresh_tokens(cli, "outlook"):
        assert secret not in out


def test_token_refresh_replaces_a_token_that_looks_valid(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    old = cli.token("outlook").stdout
    idp.revoke_access_tokens(OUTLOOK["user"])
    assert cli.token("outlook").stdout == old  # still served: it has not expired
    fresh = cli.run("token", "outlook", "--refresh")
    assert fresh.returncode == 0 and fresh.stderr == ""
    assert fresh.stdout != old and idp.introspect(fresh.stdout.strip())["active"]
    assert idp.counts["refresh_token"] == 1
    assert cli.token("outlook").stdout == fresh.stdout  # stored, and the old sidecar is gone
