"""accounts.conf: parsing, validation, every problem at once with its place."""

import pytest

from offlineimap_oauth import accounts, paths
from offlineimap_oauth.errors import ConfigError, EXIT_CONFIG

SEED = """\
# the seed's personal outlook.com app (confidential, Web platform)
[account outlook]
user = me@outlook.jp
client_id = 11111111-2222-3333-4444-555555555555
client_secret = "a;b\\"c\\\\d%e"
tenant = consumers
scopes = offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send
redirect_uri = https://login.microsoftonline.com/common/oauth2/nativeclient

[account work]
user = me@contoso.com
client_id = 66666666-2222-3333-4444-555555555555
authority = https://login.microsoftonline.us/contoso.onmicrosoft.com
flow = device   ; public client
"""


def test_seed_account_parses_with_reserved_scopes_dropped_and_secret_exact():
    parsed = accounts.parse(SEED, "accounts.conf")
    outlook = parsed["outlook"]
    assert outlook.authority == "https://login.microsoftonline.com/consumers"
    assert "offline_access" not in outlook.scopes
    assert len(outlook.scopes) == 3
    assert outlook.client_secret == 'a;b"c\\d%e'
    assert outlook.confidential and outlook.instance_discovery


def test_sovereign_authority_and_defaults():
    work = accounts.parse(SEED)["work"]
    assert work.tenant == "contoso.onmicrosoft.com"
    assert work.scopes == accounts.DEFAULT_SCOPES
    assert work.flow == "device" and not work.confidential
    assert work.instance_discovery  # login.microsoftonline.us is Microsoft's


def test_test_platform_host_disables_instance_discovery():
    text = SEED.replace("https://login.microsoftonline.us", "https://127.0.0.1:8443")
    assert not accounts.parse(text)["work"].instance_discovery


def test_every_problem_reported_at_once_with_line_section_and_key():
    text = """\
[account a]
user = me
client_id = not-a-guid
tennant = consumers
scopes = SMTP.Send

[account b]
user = b@example.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = consumer
authority = https://login.microsoftonline.com/organizations
client_secret = x
client_secret_command = pass show x
flow = sideways
[general]
"""
    with pytest.raises(ConfigError) as caught:
        accounts.parse(text, "conf")
    error = caught.value
    assert error.exit_code == EXIT_CONFIG
    text_out = str(error)
    expected = [
        "conf:2: [account a] user:",
        "conf:3: [account a] client_id:",
        "conf:4: [account a] tennant: unknown key; did you mean tenant?",
        "conf:5: [account a] scopes: write https://outlook.office.com/SMTP.Send",
        "conf:1: [account a] tenant: missing",
        "conf:10: [account b] tenant: 'consumer' disagrees with authority",
        "conf:12: [account b] client_secret: give client_secret or client_secret_command",
        "conf:14: [account b] flow: 'sideways' is not one of",
        "conf:15: [general]: unknown section",
    ]
    for line in expected:
        assert line in text_out
    assert len(error.problems) == len(expected)


def test_problems_are_located_on_the_line_configparser_read():
    # A form feed is no line end for configparser (str.splitlines says it is),
    # and a section header runs to the line's last "]".
    text = ("# page one\x0c page two\n[acc]x]\nuser = me@outlook.jp\n"
            "[account a]\nuser = a@outlook.jp\nclient_id = 11111111-2222-3333-4444-555555555555\n"
            "tennant = consumers\n")
    with pytest.raises(ConfigError) as caught:
        accounts.parse(text, "conf")
    assert "conf:2: [acc]x]: unknown section" in str(caught.value)
    assert "conf:7: [account a] tennant: unknown key" in str(caught.value)


def test_missing_tenant_advice_names_consumers_for_personal_address():
    text = "[account x]\nuser = someone@hotmail.com\nclient_id = 11111111-2222-3333-4444-555555555555\n"
    with pytest.raises(ConfigError, match="set tenant = consumers"):
        accounts.parse(text)


def test_ini_syntax_error_names_line():
    with pytest.raises(ConfigError) as caught:
        accounts.parse("user = x\n", "f.conf")
    assert "f.conf:1:" in str(caught.value)


def test_device_flow_with_secret_is_refused():
    text = SEED.replace("flow = device   ; public client", "flow = device\nclient_secret = s")
    with pytest.raises(ConfigError, match="device flow needs a public client"):
        accounts.parse(text)


def test_find_lists_known_names():
    with pytest.raises(ConfigError, match=r"accounts there: outlook, work"):
        accounts.find(accounts.parse(SEED), "nope")


def test_missing_file_says_how_to_create_it(tmp_path):
    with pytest.raises(ConfigError, match="convert --write"):
        accounts.load(str(tmp_path / "none.conf"))


def test_binding_ignores_secret_but_not_scopes():
    first = accounts.parse(SEED)["outlook"]
    second = accounts.parse(SEED.replace('"a;b\\"c\\\\d%e"', "other"))["outlook"]
    third = accounts.parse(SEED.replace(" https://outlook.office.com/POP.AccessAsUser.All", ""))["outlook"]
    assert first.binding() == second.binding()
    assert first.binding() != third.binding()


def test_secret_never_in_repr():
    assert "a;b" not in repr(accounts.parse(SEED)["outlook"])


def test_config_path_chain(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(paths.CONFIG_ENV, raising=False)
    assert paths.config_path() == str(tmp_path / "xdg" / "offlineimap-oauth" / "accounts.conf")
    monkeypatch.setenv(paths.CONFIG_ENV, str(tmp_path / "env.conf"))
    assert paths.config_path() == str(tmp_path / "env.conf")
    assert paths.config_path(str(tmp_path / "cli.conf")) == str(tmp_path / "cli.conf")


def test_client_secret_command_first_line_and_failure():
    ok = accounts.parse(SEED.replace('client_secret = "a;b\\"c\\\\d%e"',
                                     "client_secret_command = printf 'v4lue\\nrest'"))["outlook"]
    assert ok.client_secret_value() == "v4lue"
    bad = accounts.parse(SEED.replace('client_secret = "a;b\\"c\\\\d%e"',
                                      "client_secret_command = echo oops >&2; exit 3"))["outlook"]
    with pytest.raises(ConfigError, match=r"\[account outlook\] client_secret_command failed"):
        bad.client_secret_value()


def test_binding_follows_the_host_not_the_tenant():
    work = accounts.parse(SEED)["work"]
    other_tenant = accounts.parse(SEED.replace("/contoso.onmicrosoft.com", "/organizations"))["work"]
    other_host = accounts.parse(SEED.replace("login.microsoftonline.us", "login.microsoftonline.com"))["work"]
    assert work.binding() == other_tenant.binding()
    assert work.binding() != other_host.binding()


def test_relative_config_paths_become_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(paths.CONFIG_ENV, raising=False)
    assert paths.config_path("my.conf") == str(tmp_path / "my.conf")
    monkeypatch.setenv(paths.CONFIG_ENV, "env.conf")
    assert paths.config_path() == str(tmp_path / "env.conf")


GMAIL = """\
[account gmail]
provider = Google
user = me@gmail.com
client_id = 123456789012-abcdefghijklmnop.apps.googleusercontent.com
client_secret = "GOCSPX-a;b"
token_store = keyring
plaintext_access_token = no
"""


def test_provider_google_and_microsoft_accounts_in_one_file():
    parsed = accounts.parse(SEED + "\n" + GMAIL, "accounts.conf")
    gmail, outlook = parsed["gmail"], parsed["outlook"]
    assert gmail.provider == "google" and outlook.provider == "microsoft"
    assert gmail.client_secret == "GOCSPX-a;b" and gmail.scopes == ("https://mail.google.com/",)
    assert gmail.token_uri == "https://oauth2.googleapis.com/token"
    assert gmail.token_store == "keyring" and gmail.plaintext_access_token is False
    assert gmail.binding()["provider"] == "google"
    assert "provider" not in outlook.binding()  # token files made before Google keep matching


def test_google_sections_refuse_microsoft_keys_and_the_oob_redirect_with_their_place():
    text = GMAIL.replace("keyring", "vault") + "tenant = consumers\n" \
        "redirect_uri = urn:ietf:wg:oauth:2.0:oob\n"
    with pytest.raises(ConfigError) as raised:
        accounts.parse(text, "accounts.conf")
    problems = raised.value.problems
    assert any(p.startswith("accounts.conf:8: [account gmail] tenant: Google accounts have no "
                            "tenant") for p in problems), problems
    assert any("redirect_uri" in p and "out-of-band" in p for p in problems), problems
    assert any("token_store: 'vault' is not one of" in p for p in problems), problems


def test_microsoft_sections_refuse_googles_keys_and_an_unknown_provider():
    text = SEED + "token_uri = https://oauth2.googleapis.com/token\n" \
        "[account other]\nprovider = yahoo\nuser = a@b.c\n"
    with pytest.raises(ConfigError) as raised:
        accounts.parse(text, "accounts.conf")
    problems = raised.value.problems
    assert any("[account work] token_uri: is for provider = google" in p and "authority" in p
               for p in problems), problems
    assert any("[account other] provider: 'yahoo' is not one of microsoft, google" in p
               for p in problems), problems


def test_microsoft_keys_in_default_do_not_break_a_google_section_and_vice_versa():
    text = "[DEFAULT]\ntenant = consumers\ntoken_uri = https://proxy.example/token\n" \
        "token_store = plain\n\n[account outlook]\nuser = me@outlook.jp\n" \
        "client_id = 11111111-2222-3333-4444-555555555555\n\n" + GMAIL
    parsed = accounts.parse(text, "accounts.conf")
    assert parsed["outlook"].tenant == "consumers"
    assert parsed["gmail"].token_uri == "https://proxy.example/token"
    with pytest.raises(ConfigError, match=r"\[account gmail\] tenant: Google accounts have no"):
        accounts.parse(text + "tenant = consumers\n", "accounts.conf")


def test_a_quoted_line_end_never_passes_as_part_of_a_client_id_or_tenant():
    # A JSON-quoted value can carry "\n"; `$` alone would let it end a GUID.
    text = ("[account a]\nuser = me@example.com\n"
            'client_id = "11111111-2222-3333-4444-555555555555\\n"\n'
            'tenant = "contoso.com\\n"\n')
    with pytest.raises(ConfigError) as raised:
        accounts.parse(text, "accounts.conf")
    problems = "\n".join(raised.value.problems)
    assert "client_id" in problems and "tenant" in problems
