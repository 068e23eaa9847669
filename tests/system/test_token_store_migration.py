"""Switching token_store moves the tokens at the next write and leaves no old
copy; plaintext_access_token = no keeps even access tokens off the disk."""

import json
import subprocess
import sys

import pytest

from tests.support import OUTLOOK, ROOT
from tests.vaults import *  # noqa: F401,F403 - gpg_keys, gnupg_home, secret_service
from tests.vaults import keyring_item, plaintext_hits, read_stored

HEAVY = ("msal", "requests", "filelock", "subprocess", "keyring", "secretstorage", "jeepney",
         "offlineimap_oauth.vault", "offlineimap_oauth.providers.microsoft.app")


@pytest.fixture
def both(cli, gnupg_home, secret_service):
    home, keys = gnupg_home
    cli.env["GNUPGHOME"] = str(home)
    cli.env.update(secret_service.env)
    cli.keys = keys
    return cli


def use(cli, mode, **extra):
    settings = dict(token_store=mode, gpg_key=cli.keys["nopass"], **extra)
    cli.write_config(cli.platform.config(outlook=settings))


def refresh_tokens(idp):
    return [t.value for t in idp.issued("refresh", OUTLOOK["user"])]


def test_switching_modes_moves_the_tokens_and_leaves_no_old_copy(both, idp):
    cli = both
    use(cli, "plain")
    assert cli.login_paste("outlook").returncode == 0
    assert plaintext_hits(cli.tmp, refresh_tokens(idp))
    for mode in ("gpg", "keyring", "plain"):
        use(cli, mode)
        status = cli.run("status", "outlook").stdout
        assert "moves there at the next refresh" in status
        result = cli.run("token", "outlook", "--refresh")
        assert result.returncode == 0, result.stderr
        assert (cli.state / "outlook.json.gpg").exists() == (mode == "gpg")
        assert (keyring_item(cli) != "None") == (mode == "keyring")
        assert read_stored(cli, "outlook")["RefreshToken"] == [refresh_tokens(idp)[-1]]
        assert bool(plaintext_hits(cli.tmp, refresh_tokens(idp))) == (mode == "plain"), mode
        assert "moves there" not in cli.run("status", "outlook").stdout


@pytest.mark.parametrize("mode", ["gpg", "keyring"])
def test_no_plaintext_access_token_keeps_every_token_off_the_disk(both, idp, mode):
    cli = both
    use(cli, mode, plaintext_access_token="no")
    assert cli.login_paste("outlook").returncode == 0
    first = cli.token("outlook")
    second = cli.token("outlook")
    assert first.returncode == 0 and second.stdout == first.stdout, second.stderr
    assert idp.counts["refresh_token"] == 0  # decrypted, not refreshed
    assert not (cli.state / "outlook.token").exists()
    assert json.loads((cli.state / "outlook.json").read_text())["msal"] == {}
    secrets = [t.value for t in idp.issued(username=OUTLOOK["user"])]
    assert plaintext_hits(cli.tmp, secrets) == []
    assert read_stored(cli, "outlook")["AccessToken"] == [first.stdout.strip()]
    assert "kept encrypted" in cli.run("status", "outlook").stdout


PROBE = """
import sys
from offlineimap_oauth.cli import main
code = main(["token", "outlook"])
sys.stderr.write("HEAVY=%s\\n" % ",".join(sorted(
    m for m in sys.modules if m in {0!r} or m.split(".")[0] in {0!r})))
sys.exit(code)
"""


@pytest.mark.parametrize("mode", ["gpg", "keyring"])
@pytest.mark.parametrize("sidecar", [True, False])
def test_cached_token_imports_no_backend(both, idp, mode, sidecar):
    cli = both
    use(cli, mode)
    assert cli.login_paste("outlook").returncode == 0
    assert cli.token("outlook").returncode == 0
    if not sidecar:
        (cli.state / "outlook.token").unlink()
    result = subprocess.run([sys.executable, "-c", PROBE.format(HEAVY)],
                            env=dict(cli.env, PYTHONPATH=ROOT),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip(), result.stderr
    heavy = [l for l in result.stderr.splitlines() if l.startswith("HEAVY=")][-1]
    assert heavy == "HEAVY=", heavy
