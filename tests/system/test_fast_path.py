"""The `token` sidecar (fastpath.py): used only while nothing changed, never
after a login, logout or an edit of accounts.conf, and nearly import-free."""

import os
import stat
import subprocess
import sys

from offlineimap_oauth.errors import EXIT_LOGIN_REQUIRED

PROBE = """
import sys
from offlineimap_oauth.cli import main
code = main(["token", "outlook"])
sys.stderr.write("LOADED=%s\\n" % ",".join(sorted(m for m in sys.modules if m in (
    "json", "configparser", "offlineimap_oauth.accounts", "offlineimap_oauth.store"))))
sys.exit(code)
"""


def sidecar(cli):
    return cli.state / "outlook.token"


def probe(cli):
    result = subprocess.run([sys.executable, "-c", PROBE], env=cli.env, capture_output=True,
                            text=True, timeout=60)
    loaded = [l for l in result.stderr.splitlines() if l.startswith("LOADED=")][-1]
    return result, [m for m in loaded[len("LOADED="):].split(",") if m]


def test_second_call_is_served_without_json_or_the_accounts_file(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    first, loaded = probe(cli)
    assert first.returncode == 0 and "json" in loaded  # the full way, leaving the sidecar
    assert stat.S_IMODE(os.stat(sidecar(cli)).st_mode) == 0o600
    second, loaded = probe(cli)
    assert second.returncode == 0 and second.stdout == first.stdout
    assert loaded == []


def test_an_edit_of_accounts_conf_is_never_answered_from_the_sidecar(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    assert cli.token("outlook").returncode == 0 and sidecar(cli).exists()
    cli.write_config(cli.platform.config(
        outlook={"scopes": "https://outlook.office.com/IMAP.AccessAsUser.All"}))
    result = cli.token("outlook")
    assert (result.returncode, result.stdout) == (EXIT_LOGIN_REQUIRED, "")
    assert "changed: scopes" in result.stderr


def test_login_and_logout_retire_the_sidecar(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    old = cli.token("outlook").stdout
    assert sidecar(cli).exists()
    assert cli.login_paste("outlook").returncode == 0  # the seed's "throw the old token away"
    assert not sidecar(cli).exists()
    new = cli.token("outlook").stdout
    assert new != old and idp.introspect(new.strip())["active"]
    assert cli.run("logout", "outlook").returncode == 0
    assert not sidecar(cli).exists()
    assert cli.token("outlook").returncode == EXIT_LOGIN_REQUIRED


def test_a_sidecar_token_inside_the_margin_is_not_served(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    assert cli.token("outlook").returncode == 0
    lines = sidecar(cli).read_text().split("\n")
    lines[4] = str(int(lines[4]) - 3600 + 60)  # one minute left
    lines[5] = "stale-token-from-sidecar"
    sidecar(cli).write_text("\n".join(lines))
    result = cli.token("outlook")
    assert result.returncode == 0 and "stale-token-from-sidecar" not in result.stdout


def test_no_sidecar_for_a_token_that_needs_refreshing_anyway(cli, idp):
    idp.access_token_lifetime = 300  # under the margin: every call refreshes
    assert cli.login_paste("outlook").returncode == 0
    assert cli.token("outlook").returncode == 0
    assert not sidecar(cli).exists()
