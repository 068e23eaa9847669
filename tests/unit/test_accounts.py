"""accounts.conf: parsing, validation, every problem at once with its place."""

import re

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


# ------------------------------------------------- each refusal, word for word (issue 17)
# A refusal is the whole interface when accounts.conf is wrong: the line, the
# section and the key to edit, then what to write.  Each is pinned whole.
BASE = ("[account a]\nuser = me@example.com\nclient_id = 11111111-2222-3333-4444-555555555555\n"
        "tenant = organizations\n")
NO_TENANT_ADVICE = ("set tenant = consumers for outlook.com/hotmail/live addresses, organizations "
                    "(or your organisation's domain or tenant ID) for Microsoft 365")
OUTLOOK = "https://outlook.office.com/"


def problems_of(text):
    with pytest.raises(ConfigError) as caught:
        accounts.parse(text, "f.conf")
    assert caught.value.exit_code == EXIT_CONFIG
    assert caught.value.message.startswith("f.conf has %d problem(s):" % len(caught.value.problems))
    assert caught.value.hint == "Fix them and run the command again."
    return caught.value.problems


@pytest.mark.parametrize("old, new, problem", [
    ("user = me@example.com\n", "",
     "f.conf:1: [account a] user: missing; set user = your mail address (the IMAP/SMTP login)"),
    ("me@example.com", "me",
     "f.conf:2: [account a] user: 'me' is not a mail address; XOAUTH2 logs in with the full "
     "address"),
    ("client_id = 11111111-2222-3333-4444-555555555555\n", "",
     "f.conf:1: [account a] client_id: missing; copy 'Application (client) ID' from the app's "
     "Overview page"),
    ("11111111-2222-3333-4444-555555555555", "abc",
     "f.conf:3: [account a] client_id: 'abc' is not a GUID; copy 'Application (client) ID' from "
     "the app's Overview page"),
    ("tenant = organizations\n", "tenant = organizations\nclient_secret =\n",
     "f.conf:5: [account a] client_secret: empty; remove the key for a public client"),
    ("tenant = organizations", "authority = http://x/y/z",
     "f.conf:4: [account a] authority: 'http://x/y/z' is not https://HOST/TENANT (e.g. "
     "https://login.microsoftonline.us/contoso.onmicrosoft.com)"),
    ("tenant = organizations", "tenant = consumers\nauthority = https://h.example/contoso.com",
     "f.conf:4: [account a] tenant: 'consumers' disagrees with authority "
     "'https://h.example/contoso.com'; keep one of the two"),
    ("tenant = organizations\n", "", "f.conf:1: [account a] tenant: missing; " + NO_TENANT_ADVICE),
    ("organizations", "not a tenant",
     "f.conf:4: [account a] tenant: 'not a tenant' is not a tenant; " + NO_TENANT_ADVICE),
    ("organizations\n", "organizations\nscopes = offline_access, openid\n",
     "f.conf:5: [account a] scopes: no scopes left after dropping offline_access/openid/profile; "
     "remove the key to use IMAP, POP and SMTP"),
    ("organizations\n", "organizations\nflow = Sideways\n",
     "f.conf:5: [account a] flow: 'sideways' is not one of auto, paste, localhost, device"),
    ("organizations\n", "organizations\nflow = device\nclient_secret_command = pass x\n",
     "f.conf:5: [account a] flow: the device flow needs a public client (an app without a "
     "secret); use flow = paste with a client secret"),
    ("organizations\n", "organizations\nredirect_uri = http://example.com/x\n",
     "f.conf:5: [account a] redirect_uri: 'http://example.com/x': Microsoft accepts https:// or "
     "http://localhost redirects"),
    ("organizations\n", "organizations\nzzzzqqq = 1\n",
     "f.conf:5: [account a] zzzzqqq: unknown key; known keys: " + ", ".join(accounts.KEYS)),
])
def test_each_refusal_names_line_section_key_and_what_to_write(old, new, problem):
    assert problems_of(BASE.replace(old, new)) == [problem]


@pytest.mark.parametrize("user, advice", [
    ("me@hotmail.com", "set tenant = consumers (me@hotmail.com is a personal Microsoft account)"),
    ("me@Live.jp", "set tenant = consumers (me@Live.jp is a personal Microsoft account)"),
    ("me@contoso.com", NO_TENANT_ADVICE),
])
def test_a_missing_or_wrong_tenant_is_advised_from_the_address(user, advice):
    text = BASE.replace("me@example.com", user)
    assert problems_of(text.replace("tenant = organizations\n", "")) == [
        "f.conf:1: [account a] tenant: missing; " + advice]
    assert problems_of(text.replace("organizations", "x")) == [
        "f.conf:4: [account a] tenant: 'x' is not a tenant; " + advice]


@pytest.mark.parametrize("scopes, problem", [
    ("IMAP.AccessAsUser.All SMTP.Send",
     "write {o}IMAP.AccessAsUser.All instead of IMAP.AccessAsUser.All SMTP.Send, which asks "
     "Microsoft Graph, whose tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = "
     "{o}IMAP.AccessAsUser.All {o}SMTP.Send"),
    ("https://graph.microsoft.com/IMAP.AccessAsUser.All/",
     "write {o}IMAP.AccessAsUser.All instead of https://graph.microsoft.com/IMAP.AccessAsUser.All/"
     ", which asks Microsoft Graph, whose tokens Outlook's IMAP and SMTP refuse; the whole line: "
     "scopes = {o}IMAP.AccessAsUser.All"),
    ("{o}SMTP.Send https://example.com/x",
     "write {o}SMTP.Send instead of https://example.com/x, which is not Outlook's resource, whose "
     "tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = {o}SMTP.Send"),
    ("Mail.Read",
     "write {o}IMAP.AccessAsUser.All instead of Mail.Read, which asks Microsoft Graph, whose "
     "tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = {o}IMAP.AccessAsUser.All "
     "{o}POP.AccessAsUser.All {o}SMTP.Send"),
    ("Mail.Read https://example.com/smtp.send",
     "write {o}SMTP.Send instead of Mail.Read https://example.com/smtp.send, which is not "
     "Outlook's resource, whose tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = "
     "{o}SMTP.Send"),
    ("{o}SMTP.Send IMAP.AccessAsUser.All",
     "write {o}IMAP.AccessAsUser.All instead of IMAP.AccessAsUser.All, which asks Microsoft "
     "Graph, whose tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = {o}SMTP.Send "
     "{o}IMAP.AccessAsUser.All"),
    ("{o}POP.AccessAsUser.All pop.accessasuser.all",
     "write {o}POP.AccessAsUser.All instead of pop.accessasuser.all, which asks Microsoft Graph, "
     "whose tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = "
     "{o}POP.AccessAsUser.All"),
])
def test_scopes_of_another_resource_get_the_whole_line_to_write(scopes, problem):
    text = BASE + "scopes = %s\n" % scopes.format(o=OUTLOOK)
    assert problems_of(text) == ["f.conf:5: [account a] scopes: " + problem.format(o=OUTLOOK)]


def test_values_read_as_written():
    account = accounts.parse(BASE.replace(
        "tenant = organizations",
        "authority = https://login.microsoftonline.us/Contoso.BOX/\ntenant = contoso.box\n"
        "redirect_uri = http://127.0.0.1:8080/cb\nscopes = %sSMTP.Send,%sSMTP.Send"
        % (OUTLOOK, OUTLOOK)), "f.conf")["a"]
    assert (account.authority, account.tenant) == ("https://login.microsoftonline.us/Contoso.BOX",
                                                   "Contoso.BOX")
    assert account.redirect_uri == "http://127.0.0.1:8080/cb"
    assert account.scopes == (OUTLOOK + "SMTP.Send",)
    assert account.flow == "auto" and account.client_secret is None
    assert accounts.parse(BASE + "flow = Paste\n")["a"].flow == "paste"
    assert accounts.parse(BASE + "redirect_uri = https://x.example/cb\n")["a"].redirect_uri == \
        "https://x.example/cb"


def test_binding_is_what_token_files_are_matched_on():
    account = accounts.parse(BASE.replace("me@example.com", "Me@Example.com").replace(
        "11111111-2222-3333-4444-555555555555", "ABCDEF11-2222-3333-4444-555555555555") +
        "scopes = %sSMTP.Send %sIMAP.AccessAsUser.All\n" % (OUTLOOK, OUTLOOK))["a"]
    assert account.binding() == {
        "user": "me@example.com", "client_id": "abcdef11-2222-3333-4444-555555555555",
        "host": "login.microsoftonline.com",
        "scopes": ["https://outlook.office.com/imap.accessasuser.all",
                   "https://outlook.office.com/smtp.send"]}


def test_repr_names_the_account_without_its_secret():
    account = accounts.parse(BASE + "client_secret = s3cret\n")["a"]
    assert repr(account) == ("Account('a', user='me@example.com', "
                             "authority='https://login.microsoftonline.com/organizations')")


def test_find_says_which_accounts_there_are_and_what_to_add():
    with pytest.raises(ConfigError) as caught:
        accounts.find(accounts.parse(BASE), "b")
    assert caught.value.message == "No account named 'b' in accounts.conf (accounts there: a)."
    assert caught.value.hint == "Add an [account b] section, or use one of the names above."
    with pytest.raises(ConfigError) as caught:
        accounts.find({}, "b", "/x/accounts.conf")
    assert caught.value.message == "No account named 'b' in /x/accounts.conf (accounts there: none)."


def test_load_reads_the_file_and_says_what_is_wrong_with_it(tmp_path):
    path = tmp_path / "accounts.conf"
    path.write_text(BASE.replace("me@example", "m\u00e9@example"), encoding="utf-8")
    assert accounts.load(str(path))["a"].user == "m\u00e9@example.com"
    path.write_text("; nothing yet\n")
    with pytest.raises(ConfigError) as caught:
        accounts.load(str(path))
    assert caught.value.message == "%s has no accounts." % path
    assert caught.value.hint == ("Add an [account NAME] section with user, client_id and tenant "
                                 "(see README, 'accounts.conf'), or run: offlineimap-oauth "
                                 "convert --write")
    path.write_text(BASE.replace("me@example.com", "me"))
    with pytest.raises(ConfigError, match=r"^%s has 1 problem" % re.escape(str(path))):
        accounts.load(str(path))
    path.write_bytes(b"; mine\n[account a]\nuser = m\xe9@example.com\n")
    with pytest.raises(ConfigError) as caught:
        accounts.load(str(path))
    assert caught.value.message == "%s:3:9: byte 0xe9 is not UTF-8." % path
    assert caught.value.hint == "Save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)."
    with pytest.raises(ConfigError) as caught:
        accounts.load(str(tmp_path))
    assert caught.value.message.startswith("Cannot read the accounts file %s: " % tmp_path)
    assert "Is a directory" in caught.value.message
    with pytest.raises(ConfigError) as caught:
        accounts.load(str(tmp_path / "none.conf"))
    assert caught.value.message == "No accounts file at %s." % (tmp_path / "none.conf")
    assert caught.value.hint == ("Create it (see README, 'accounts.conf'), or run: "
                                 "offlineimap-oauth convert --write")


@pytest.mark.parametrize("text, problem", [
    ("user = x\n", "f.conf:1: File contains no section headers."),
    (BASE + BASE, "f.conf:5: While reading from 'f.conf' [line  5]: section 'account a' already "
                  "exists"),
    (BASE + "user = x@y.z\n", "f.conf:5: While reading from 'f.conf' [line  5]: option 'user' in "
                              "section 'account a' already exists"),
    ("[account a]\nuser = me\n  \n[x\n", "f.conf:4: Source contains parsing errors: 'f.conf'"),
])
def test_a_file_that_is_not_ini_names_the_line(text, problem):
    with pytest.raises(ConfigError) as caught:
        accounts.parse(text, "f.conf")
    assert caught.value.message == "f.conf is not a valid INI file."
    assert caught.value.problems == [problem]
    assert caught.value.hint == "Fix that line and try again."


@pytest.mark.parametrize("line, problem", [
    ('client_secret = "abc', 'client_secret: the quote that opens the value is never closed (or a '
                             '\\ escape is not JSON); write it as "..." with \\" for a quote and '
                             '\\\\ for a backslash'),
    ('client_secret = "abc" x', "client_secret: after the closing quote only a ; or # comment "
                                "may follow"),
    ('client_secret = "abc" Xyz', "client_secret: after the closing quote only a ; or # "
                                  "comment may follow"),
    ("client_secret = ab ;c", "client_secret: the text from ' ;' on would be read as a comment "
                              "and cut from the secret; if it belongs to the secret, write "
                              'client_secret = "..." (JSON escapes), else remove it'),
    ("plaintext_access_token = maybe", "plaintext_access_token: 'maybe' is not yes or no"),
    ("plaintext_access_token = No", "plaintext_access_token: no needs token_store = gpg or "
                                    "keyring (plain keeps every token in plaintext)"),
    ("token_uri = https://t.example/token", "token_uri: is for provider = google; a Microsoft "
                                            "account's endpoints come from its authority (use "
                                            "authority = https://HOST/TENANT)"),
])
def test_a_value_that_cannot_be_read_names_its_line_and_the_fix(line, problem):
    assert problems_of(BASE + line + "\n") == ["f.conf:5: [account a] " + problem]


def test_token_store_gpg_without_a_key_says_what_to_set():
    assert problems_of(BASE + "token_store = GPG\n") == [
        "f.conf:1: [account a] gpg_key: missing; token_store = gpg encrypts to this key: set "
        "gpg_key = your key's fingerprint, ID or mail address (see gpg --list-secret-keys)"]


def test_a_bad_account_name_is_refused_at_its_section():
    assert problems_of("\n" + BASE.replace("[account a]", "[account a/b]")) == [
        "f.conf:2: [account a/b]: account names use letters, digits and . _ @ + - (it names the "
        "token file)"]


def test_a_section_header_with_inner_spaces_still_gets_its_line_numbers():
    # configparser keeps "account a " as the section name; lines were once looked up
    # under the stripped name and every problem said line 0.
    assert problems_of("; mine\n" + BASE.replace("[account a]", "[account a ]").replace(
        "me@example.com", "me")) == [
        "f.conf:3: [account a ] user: 'me' is not a mail address; XOAUTH2 logs in with the "
        "full address"]
    assert problems_of("; mine\n[ account a]\n") == [
        "f.conf:2: [ account a]: unknown section; accounts are written [account NAME]"]


def test_keys_in_default_are_checked_and_located_in_default():
    text = ("[DEFAULT]\ntoken_uri = https://t.example/token\ntennant = x\nflow = sideways\n\n"
            + BASE + "zzkey = 1\n")
    assert sorted(problems_of(text)) == sorted([
        "f.conf:3: [account a] tennant: unknown key; did you mean tenant?",
        "f.conf:4: [account a] flow: 'sideways' is not one of auto, paste, localhost, device",
        "f.conf:10: [account a] zzkey: unknown key; known keys: " + ", ".join(accounts.KEYS)])
    # token_uri in [DEFAULT] is for the Google sections; in a Microsoft section it is refused.
    assert problems_of(text.replace("zzkey = 1", "token_uri = https://t.example/token").replace(
        "tennant = x\nflow = sideways\n", "")) == [
        "f.conf:8: [account a] token_uri: is for provider = google; a Microsoft account's "
        "endpoints come from its authority (use authority = https://HOST/TENANT)"]


def test_notify_command_and_token_store_are_read():
    account = accounts.parse(BASE + "notify_command = notify-send x\ntoken_store = Keyring\n"
                             "plaintext_access_token = Off\n")["a"]
    assert (account.notify_command, account.token_store, account.plaintext_access_token) == \
        ("notify-send x", "keyring", False)
    account = accounts.parse(BASE + "notify_command =\n")["a"]
    assert (account.notify_command, account.token_store, account.plaintext_access_token) == \
        (None, "plain", True)


def test_an_unknown_section_does_not_hide_the_problems_of_the_next_ones():
    assert problems_of("[general]\n" + BASE.replace("me@example.com", "me")) == [
        "f.conf:1: [general]: unknown section; accounts are written [account NAME]",
        "f.conf:3: [account a] user: 'me' is not a mail address; XOAUTH2 logs in with the full "
        "address"]
