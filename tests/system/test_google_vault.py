"""token_store = gpg | keyring for Google accounts: the refresh token goes to
the vault (real gpg, a real Secret Service: tests/vaults.py), never to a
plaintext file; the access token stays in the file unless
plaintext_access_token = no.  Through the real CLI against the simulated Google."""

import json

import pytest

from tests.fakes.google.fixtures import gmail, google  # noqa: F401 - fixtures
from tests.system.test_google_cli import paste_login
from tests.vaults import *  # noqa: F401,F403 - gpg_keys, gnupg_home, secret_service, mode
from tests.vaults import plaintext_hits


def refresh_tokens(google):
    return [record.value for record in google.issued("refresh")]


@pytest.fixture
def vault_cli(request, cli, gmail, mode):
    settings = {"token_store": mode}
    if mode == "gpg":
        home, keys = request.getfixturevalue("gnupg_home")
        cli.env["GNUPGHOME"] = str(home)
        settings["gpg_key"] = keys["nopass"]
    elif mode == "keyring":
        cli.env.update(request.getfixturevalue("secret_service").env)
    cli.write_config(gmail.section("gmail").rstrip("\n") + "\n"
                     + "".join("%s = %s\n" % item for item in settings.items()))
    cli.gmail, cli.mode = gmail, mode
    return cli


def stored(cli):
    return json.loads((cli.state / "gmail.json").read_text())


def test_the_google_refresh_token_lives_where_token_store_says(vault_cli):
    cli, google = vault_cli, vault_cli.gmail.google
    google.access_token_lifetime = 250  # every token call refreshes
    assert paste_login(cli).returncode == 0
    public = stored(cli)
    assert ("refresh_token" in public["google"]) == (cli.mode == "plain")
    assert public["google"]["access_token"]  # plaintext_access_token = yes (default)
    assert (cli.state / "gmail.json.gpg").exists() == (cli.mode == "gpg")
    token = cli.token("gmail")  # a refresh: reads the refresh token from the vault
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip() == stored(cli)["google"]["access_token"]
    assert google.counts["refresh_token"] == 1
    hits = plaintext_hits(cli.tmp, refresh_tokens(google))
    assert bool(hits) == (cli.mode == "plain"), hits
    status = cli.run("status", "gmail")
    assert "refresh token: present" in status.stdout, status.stdout
    assert {"gpg": "gpg file", "keyring": "keyring item", "plain": "plain file"}[cli.mode] \
        in status.stdout
    logout = cli.run("logout", "gmail")
    assert logout.returncode == 0 and "revoked them at Google" in logout.stderr, logout.stderr
    assert not (cli.state / "gmail.json.gpg").exists()


@pytest.mark.parametrize("mode", ["gpg"])
def test_plaintext_access_token_no_keeps_the_google_access_token_off_the_disk(vault_cli):
    cli = vault_cli
    cli.write_config(cli.config.read_text() + "plaintext_access_token = no\n")
    assert paste_login(cli).returncode == 0
    public = stored(cli)
    assert "access_token" not in public["google"] and "refresh_token" not in public["google"]
    token = cli.token("gmail")  # served by decrypting, without asking Google
    assert token.returncode == 0, token.stderr
    assert cli.gmail.google.counts["refresh_token"] == 0
    assert plaintext_hits(cli.tmp, [token.stdout.strip()]) == []
    assert "kept encrypted" in cli.run("status", "gmail").stdout
