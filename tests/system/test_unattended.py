"""Months of unattended use: `refresh --older-than` renews only old logins,
and `status --json` tells a script every account's state, never a secret,
with an exit status saying whether any account needs a login."""

import json
import time

from offlineimap_oauth.errors import EXIT_LOGIN_REQUIRED, EXIT_OK
from tests.support import OUTLOOK, WORK

DAY_S = 86400


def age_login(cli, name, days):
    """Pretend the account's refresh token was last renewed ``days`` ago."""
    path = cli.state / (name + ".json")
    state = json.loads(path.read_text())
    state["renewed_at"] = int(time.time() - days * DAY_S)
    path.write_text(json.dumps(state))


def renewed_at(cli, name):
    return json.loads((cli.state / (name + ".json")).read_text())["renewed_at"]


def login_both(cli):
    assert cli.login_paste("outlook").returncode == 0
    result = cli.run("login", "work", "--flow", "localhost")
    assert result.returncode == 0, result.stderr


def test_refresh_renews_only_the_old_logins(cli, idp):
    login_both(cli)
    age_login(cli, "outlook", 45)
    age_login(cli, "work", 3)
    before = {name: renewed_at(cli, name) for name in ("outlook", "work")}
    idp.reset_counts()
    result = cli.run("refresh", "--older-than", "30")
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout == ""
    assert idp.counts["refresh_token"] == 1
    assert renewed_at(cli, "outlook") > before["outlook"] + 40 * DAY_S
    assert renewed_at(cli, "work") == before["work"]
    assert "outlook: refresh token renewed (the last renewal was 45 days ago)" in result.stderr
    assert "work: renewed 3 days ago; nothing to do" in result.stderr


def test_refresh_of_a_revoked_login_says_so_and_exits_login_required(cli, idp):
    login_both(cli)
    idp.revoke(OUTLOOK["user"])
    result = cli.run("refresh", "outlook", "work", "--older-than", "0")
    assert result.returncode == EXIT_LOGIN_REQUIRED
    assert "offlineimap-oauth login outlook" in result.stderr
    assert "work: refresh token renewed" in result.stderr  # the other account goes on


def test_status_json_for_scripts(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    result = cli.run("status", "--json")
    assert result.returncode == EXIT_LOGIN_REQUIRED  # work never logged in
    report = json.loads(result.stdout)
    by_name = {entry["name"]: entry for entry in report["accounts"]}
    outlook, work = by_name["outlook"], by_name["work"]
    assert outlook["login"] == "ok" and outlook["user"] == OUTLOOK["user"]
    assert outlook["provider"] == "microsoft" and outlook["access_token_expires"]
    assert outlook["last_renewal"].endswith("Z")
    assert outlook["refresh_token_store"] == {"kind": "plain",
                                              "path": str(cli.state / "outlook.json")}
    assert work["login"] == "login required" and work["user"] == WORK["user"]
    assert OUTLOOK["secret"] not in result.stdout
    stored = json.loads((cli.state / "outlook.json").read_text())["msal"]
    for entry in list(stored["RefreshToken"].values()) + list(stored["AccessToken"].values()):
        assert entry["secret"] not in result.stdout
    assert cli.run("status", "outlook", "--json").returncode == EXIT_OK
