"""Traps a new user walked into (issue 11, item 3), each pointing the right way now."""

import os
import pwd
import re
import subprocess
import tempfile

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.providers.microsoft import explain
from offlineimap_oauth.errors import (EXIT_CONFIG, EXIT_LOGIN_REQUIRED, EXIT_OK, ConfigError,
                                      LoginRequired, TryLater)
from tests.fakes.tls import SYSTEM_ROOTS
from tests.support import ROOT, wait_for_file

ACCOUNT = """[account a]
user = me@outlook.jp
client_id = 11111111-2222-3333-4444-555555555555
tenant = consumers
"""


def parse(extra):
    return accounts.parse(ACCOUNT + extra, "/home/me/accounts.conf")["a"]


# ------------------------------------------------------------ quoted values

def test_quoted_secret_is_read_whole_as_the_readme_promises():
    assert parse('client_secret = "abc ;tail"\n').client_secret == "abc ;tail"
    assert parse('client_secret = "a\\\\b\\"c" ; a comment\n').client_secret == 'a\\b"c'


@pytest.mark.parametrize("line", ['client_secret = "abc ;tail\n', 'client_secret = abc ;tail\n'])
def test_a_secret_is_never_cut_silently(line):
    with pytest.raises(ConfigError) as caught:
        parse(line)
    assert "/home/me/accounts.conf:5: [account a] client_secret:" in str(caught.value)
    assert "tail" not in str(caught.value)  # what may be part of the secret is not shown


def test_7000215_names_the_key_section_and_file():
    account = parse('client_secret = "x"\n')
    error = explain.from_msal({"error": "invalid_client", "error_codes": [7000215],
                               "error_description": "AADSTS7000215: Invalid client secret."},
                              account)
    assert "client_secret" in error.hint and "client_secret_command" in error.hint
    assert "[account a]" in error.hint and "/home/me/accounts.conf" in error.hint


# ------------------------------------------------------- one sentence a line

@pytest.mark.parametrize("code", sorted(explain.KNOWN) + [123456])
@pytest.mark.parametrize("error", ["invalid_grant", "invalid_request", "server_error"])
def test_no_two_sentences_run_together(code, error):
    account = parse("")
    said = explain.from_msal({"error": error, "error_codes": [code],
                              "error_description": "AADSTS%d: Something." % code}, account)
    for line in str(said).splitlines():
        assert not re.search(r"\b(login|logout) [\w.@+-]+ [A-Z]", line), line


# ------------------------------------------------------------ pasted answers

def test_pasted_words_are_refused_locally_and_asked_again(cli, idp):
    process = cli.popen("login", "outlook", "--flow", "paste")
    landed = wait_for_file(cli.landed)
    out, err = process.communicate("hello world\n" + landed + "\n", timeout=60)
    assert process.returncode == EXIT_OK, err
    assert "neither the address the browser landed on nor a code" in err
    assert "Paste it again" in err
    assert idp.counts["authorization_code"] == 1  # "hello world" never went to Microsoft


def test_pasted_words_only_end_the_login_without_asking_microsoft(cli, idp):
    result = cli.run("login", "outlook", "--flow", "paste", "--no-browser",
                     input="hello world\nno\n")
    assert result.returncode == LoginRequired.exit_code
    assert idp.counts["authorization_code"] == 0


# ---------------------------------------------------------------- network

def test_tls_verification_failure_names_the_host_and_the_ca_bundle(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    cli.env.update(REQUESTS_CA_BUNDLE=SYSTEM_ROOTS, SSL_CERT_FILE=SYSTEM_ROOTS)
    result = cli.token("outlook")
    assert result.returncode == EXIT_CONFIG
    host = idp.base_url.split("//")[1]
    assert "certificate of %s could not be verified" % host in result.stderr
    assert "REQUESTS_CA_BUNDLE" in result.stderr


def test_an_outage_names_the_host_and_is_try_later(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.stop()
    result = cli.token("outlook")
    assert result.returncode == TryLater.exit_code
    assert "Cannot reach %s" % idp.base_url.split("//")[1] in result.stderr
    assert "certificate" not in result.stderr


def test_a_tenant_changed_since_the_login_is_said(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    cli.write_config(cli.platform.config(outlook={"authority": idp.authority("organizations")}))
    result = cli.token("outlook")
    assert "changed since the login (tenant = consumers then, organizations now)" in result.stderr
    assert "Or set tenant = consumers back in %s" % cli.config in result.stderr


# ------------------------------------------------------------ accounts file

def test_non_utf8_accounts_file_gives_line_and_column(cli):
    cli.config.write_bytes(b"[account outlook]\nuser = caf\xe9@example.com\n")
    result = cli.token("outlook")
    assert result.returncode == EXIT_CONFIG
    assert "%s:2:11: byte 0xe9 is not UTF-8" % cli.config in result.stderr


@pytest.mark.parametrize("text", ["", "; nothing here yet\n"])
def test_empty_accounts_file_says_there_are_no_accounts(cli, text):
    cli.write_config(text)
    result = cli.run("status")
    assert result.returncode == EXIT_CONFIG
    assert "has no accounts" in result.stderr and "[account NAME]" in result.stderr


def test_status_with_a_damaged_token_file_still_shows_the_others(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    (cli.state / "work.json").write_text("{not json")
    result = cli.run("status")
    assert result.returncode == EXIT_LOGIN_REQUIRED, result.stderr  # work needs a login
    assert "outlook (me@outlook.jp)" in result.stdout and "refresh token: present" in result.stdout
    assert "work (me@contoso.com)" in result.stdout and "damaged" in result.stdout


# ------------------------------------------------------------ command line

@pytest.mark.parametrize("argv", [["status", "--config", "{c}"], ["--config", "{c}", "status"],
                                  ["status", "--config={c}"]])
def test_config_is_accepted_before_and_after_the_command(cli, argv):
    other = cli.tmp / "elsewhere.conf"
    other.write_text(cli.config.read_text())
    cli.env["OFFLINEIMAP_OAUTH_CONFIG"] = str(cli.tmp / "missing.conf")
    result = cli.run(*[arg.format(c=other) for arg in argv])
    assert result.returncode == EXIT_LOGIN_REQUIRED, result.stderr  # nobody logged in yet
    assert "accounts file: %s" % other in result.stdout


def test_token_takes_config_after_the_command_too(cli, idp):
    assert cli.login_paste("outlook").returncode == 0
    other = cli.tmp / "elsewhere.conf"
    other.write_text(cli.config.read_text())
    cli.env["OFFLINEIMAP_OAUTH_CONFIG"] = str(cli.tmp / "missing.conf")
    result = cli.run("token", "outlook", "--config", str(other))
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.count("\n") == 1


def test_pythonfile_command_writes_offlineimaps_pythonfile(cli, tmp_path):
    result = cli.run("pythonfile")
    assert result.returncode == EXIT_OK
    hook = tmp_path / "hook.py"
    hook.write_text(result.stdout)
    compiled = subprocess.run(["python3", "-c", "import runpy; ns = runpy.run_path(%r); "
                               "print(callable(ns['access_token']), ns['mail_folder']('Calendar'))"
                               % str(hook)], capture_output=True, text=True)
    assert compiled.stdout.split() == ["True", "False"], compiled.stderr


def test_readme_says_how_to_install():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    install = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "pipx install" in install and "[offlineimap]" in install
    assert "offlineimap-oauth pythonfile >" in install


# ------------------------------------------------------------ test isolation

def test_each_test_has_its_own_home():
    real = pwd.getpwuid(os.getuid()).pw_dir
    for variable in ("HOME", "GNUPGHOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        place = os.environ.get(variable, "")
        assert place.startswith(tempfile.gettempdir()), variable
        assert not place.startswith(real + os.sep) and place != real, variable
