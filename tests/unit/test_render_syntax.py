"""Shape checks and encoders of convert's renderers (render/syntax.py)."""

import pytest

from offlineimap_oauth.convert.model import Conversion, MailAccount
from offlineimap_oauth.convert.render import accounts_conf, gnus_el, msmtprc, offlineimaprc, syntax
from offlineimap_oauth.errors import ConfigError

WHERE = "/home/me/.gnus.el:12:3"


def account(**fields):
    values = dict(name="work", user="me@example.com", client_id="11111111-1111-4111-8111-111111111111",
                  tenant="organizations", imap_host="outlook.office365.com",
                  smtp_host="smtp.office365.com", where=WHERE)
    values.update(fields)
    return MailAccount(**values)


def conversion(*accounts):
    conv = Conversion()
    conv.accounts.extend(accounts)
    return conv


def test_a_sound_account_has_no_problems():
    assert syntax.check_account(account(client_secret="a;b \"c\" %d #e", imap_host="10.0.0.1",
                                        smtp_user="o'brien+tag@mail.example.co.jp")) == []


@pytest.mark.parametrize("field,value,key,reason", [
    ("user", "me@example.com\nremotehosteval = 1", ":user", "line feed (U+000A) at position 15"),
    ("user", "me@example.com\r[DEFAULT]", ":user", "carriage return (U+000D)"),
    ("user", "me@example.com\u2028x", ":user", "line separator (U+2028)"),
    ("user", "me@example.com\x85", ":user", "next line (U+0085)"),
    ("user", "%U@example.com", ":user", "not a plain mail address"),
    ("user", "*@example.com", ":user", "not a plain mail address"),
    ("user", '"quoted"@example.com', ":user", "not a plain mail address"),
    ("smtp_user", "me@example.com\x00", ":smtp-user", "NUL (U+0000)"),
    ("imap_host", "outlook.office365.com\nremotehosteval = 1", "nnimap-address", "line feed"),
    ("imap_host", "host name", "nnimap-address", "not a host name"),
    ("smtp_host", "smtp.example.com;x", ":smtp-server", "not a host name"),
    ("imap_port", 0, "nnimap-server-port", "not a port number"),
    ("smtp_port", 70000, ":smtp-port", "not a port number"),
    ("client_id", "1111\n", ":oauth2-client-id", "not a client id"),
    ("client_id", "11111111-1111-4111-8111-111111111111\n", ":oauth2-client-id", "not a client id"),
    ("tenant", "consumers\n", "tenant of :oauth2-auth-url", "not a tenant"),
    ("redirect_uri", "https://x.example/\r\nclient_secret = 1", ":oauth2-redirect-url",
     "carriage return"),
    ("scopes", ("a,b",), ":oauth2-scope", "not a scope"),
    ("nnimap", "out\nlook", "nnimap server name", "line feed"),
])
def test_each_bad_value_is_named_with_file_line_col_and_key(field, value, key, reason):
    problems = syntax.check_account(account(**{field: value}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(WHERE + ": account work: " + key + " ")
    assert reason in problems[0]
    assert "\n" not in problems[0] and "\r" not in problems[0]


def test_a_bad_secret_is_refused_without_showing_it():
    problems = syntax.check_account(account(client_secret="hunter2\r[DEFAULT]"))
    assert len(problems) == 1 and "carriage return" in problems[0]
    assert "hunter2" not in problems[0] and "DEFAULT" not in problems[0]


def test_check_conversion_reports_every_problem_at_once():
    with pytest.raises(ConfigError) as error:
        syntax.check_conversion(conversion(account(user="a\nb@x.example"),
                                           account(name="two", smtp_host="a b")))
    assert len(error.value.problems) == 2
    assert "nothing was written" in str(error.value)


@pytest.mark.parametrize("value,encoded", [
    ("plain", "plain"), ("50%", "50%%"), ("%(user)s", "%%(user)s"), ("a;b #c", "a;b #c")])
def test_ini_value_doubles_percent_for_offlineimap(value, encoded):
    assert syntax.ini_value(value, "k") == encoded


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00", "a\u2029", " lead", "trail "])
def test_ini_value_refuses_what_configparser_cannot_keep(value):
    with pytest.raises(ConfigError):
        syntax.ini_value(value, "remoteuser in [Repository x]")


@pytest.mark.parametrize("value,encoded", [
    ("smtp.office365.com", "smtp.office365.com"), ("a b", '"a b"'), (' x ', '" x "'),
    ('"q"', '""q""'), ("a\\b", '"a\\b"'), ("", '""'), ("#x", '"#x"')])
def test_msmtp_arg_quotes_without_escapes(value, encoded):
    assert syntax.msmtp_arg(value, "user") == encoded


def test_msmtp_arg_refuses_a_line_break():
    with pytest.raises(ConfigError) as error:
        syntax.msmtp_arg('me@x.example\npasswordeval "touch x"', "user of account work")
    assert "line feed" in str(error.value) and "user of account work" in str(error.value)


def test_elisp_string_is_pure_ascii_with_escapes():
    assert syntax.elisp_string('a"b\\c') == '"a\\"b\\\\c"'
    assert syntax.elisp_string("\n\x00é\u2028\U0001F600") == \
        '"\\u000a\\u0000\\u00e9\\u2028\\U0001f600"'
    assert syntax.elisp_string("+ACI-").isascii()


def test_the_gnus_file_pins_its_coding_on_line_one():
    text = gnus_el.render(conversion(account(nnimap="x")), "/home/me/gnus-accounts.el")
    first = text.splitlines()[0]
    assert "-*- coding: utf-8;" in first and "lexical-binding: t" in first
    assert text.isascii()


def test_renderers_refuse_on_their_own():
    """The second wall: renderers called without check_account still write one line each."""
    bad = account(user="me@example.com\nremotehosteval = 1",
                  smtp_user="me@example.com\npasswordeval x")
    with pytest.raises(ConfigError):
        offlineimaprc.render_account(bad)
    with pytest.raises(ConfigError):
        msmtprc.render_account(bad, ["/bin/offlineimap-oauth"])
    text = accounts_conf.render_section(account(client_secret="x\r[DEFAULT]\u2028y"))
    assert len(text.splitlines()) == len(text.split("\n")) - 1
    assert "\r" not in text and "\u2028" not in text
    with pytest.raises(ConfigError):
        accounts_conf.render_section(account(name="work]\n[DEFAULT"))


def test_the_token_eval_holds_the_name_as_a_python_literal():
    sections = dict(offlineimaprc.render_account(account(name="a.b@c+d-e")))
    assert 'oauth2_access_token_eval = access_token("a.b@c+d-e")' in sections[
        "Repository a.b@c+d-e-remote"]


def test_a_pythonfile_path_with_a_dollar_is_refused():
    with pytest.raises(ConfigError):
        offlineimaprc.general_values(None, conversion(account()), "/home/$USER/hook.py")
    assert offlineimaprc.general_values(None, conversion(account()), "/h/50%/hook.py")[
        "pythonfile"] == "/h/50%%/hook.py"


def test_comment_text_escapes_control_characters():
    assert syntax.comment_text("/tmp/x\n[DEFAULT]") == "/tmp/x\\u000a[DEFAULT]"


# ---------------------------------------------- what each check refuses, whole (issue 17)
GMAIL_ID = "123456789012-abcdefghijklmnop.apps.googleusercontent.com"


def google(**fields):
    values = dict(provider="google", name="gmail", user="me@gmail.com", client_id=GMAIL_ID,
                  imap_host="imap.gmail.com", smtp_host="smtp.gmail.com", where=WHERE,
                  scopes=("https://mail.google.com/",))
    values.update(fields)
    return MailAccount(**values)


@pytest.mark.parametrize("scopes, reason", [
    (("https://www.googleapis.com/auth/gmail.readonly",),
     "lacks https://mail.google.com/, the only scope Gmail's IMAP and SMTP accept"),
    (("https://mail.google.com/", "a,b"),
     "'a,b' is not a scope (printable characters; no spaces, commas, quotes)"),
    (("https://mail.google.com/", "has space"),
     "'has space' is not a scope (printable characters; no spaces, commas, quotes)"),
])
def test_a_google_account_needs_gmails_scope_and_plain_scopes(scopes, reason):
    assert syntax.check_account(google(scopes=scopes)) == [
        WHERE + ": account gmail: :oauth2-scope " + reason]
    assert syntax.check_account(google(scopes=("https://mail.google.com/", "openid"))) == []
    assert syntax.check_account(google(scopes=())) == []  # none written: the default


@pytest.mark.parametrize("value, reason", [
    ("", "is missing"),
    (None, "is missing"),
    ("imap.example.com\t", "'imap.example.com\\t' contains a tab (U+0009) at position 17; values "
                           "must be one line of text"),
    (".example.com", "'.example.com' is not a host name (letters, digits, - and dots) or an IP "
                     "address"),
    ("-x.example.com", "'-x.example.com' is not a host name (letters, digits, - and dots) or an "
                       "IP address"),
])
def test_a_host_that_is_not_one_is_named(value, reason):
    assert syntax.check_account(account(imap_host=value)) == [
        WHERE + ": account work: nnimap-address " + reason]


@pytest.mark.parametrize("value", ["imap.example.com.", "192.0.2.1", "2001:db8::1", "x"])
def test_host_names_and_addresses_pass(value):
    assert syntax.check_account(account(imap_host=value)) == []


@pytest.mark.parametrize("secret", ["\u200b", "\uffff", "a\U000e0001b", "\U0001d173"])
def test_a_secret_with_invisible_characters_reads_back_exactly(secret):
    from offlineimap_oauth import accounts

    text = accounts_conf.render_section(account(client_secret=secret))
    assert text.isascii() or all(char.isprintable() for char in text if char != "\n")
    assert accounts.parse(text, "accounts.conf")["work"].client_secret == secret


def test_starttls_on_143_is_written_for_offlineimap():
    sections = dict(offlineimaprc.render_account(account(imap_port=143, imap_ssl=False)))
    assert "remoteport = 143\nssl = no\nstarttls = yes\nsslcacertfile = OS-DEFAULT\n" in \
        sections["Repository work-remote"]


def test_renderers_refuse_a_bad_name_saying_what_names_may_hold():
    for render in (offlineimaprc.render_account, accounts_conf.render_section,
                   lambda acc: msmtprc.render_account(acc, ["/bin/x"])):
        with pytest.raises(ConfigError) as caught:
            render(account(name="a b"))
        assert caught.value.hint == "Account names use letters, digits and . _ @ + -."
        assert "a b" in caught.value.message and "not an account name" in caught.value.message
    with pytest.raises(ConfigError) as caught:
        offlineimaprc.render_account(account(name="a b"))
    assert caught.value.message == "Refusing to write [Account a b]: not an account name."


def test_general_accounts_keep_the_users_and_add_ours_once():
    conv = conversion(account(name="work"), account(name="home"))
    assert offlineimaprc.general_values("mine,work", conv, "/p/hook.py") == {
        "accounts": "mine, work, home", "pythonfile": "/p/hook.py"}
    with pytest.raises(ConfigError) as caught:
        offlineimaprc.general_values(None, conv, "/home/$USER/hook.py")
    assert caught.value.message == ("Refusing to name the pythonfile /home/$USER/hook.py in "
                                    "offlineimaprc: offlineimap would expand the $ in it.")
    assert caught.value.hint == "Use --output-dir with a path without $."


@pytest.mark.parametrize("field, value, problem", [
    ("name", "a b", "account a b: account name 'a b' is not an account name (letters, digits, "
                    ". _ @ + -)"),
    ("name", None, "account me@example.com: account name None is not an account name (letters, "
                   "digits, . _ @ + -)"),
    ("user", "", "account work: :user is missing"),
    ("user", "me", "account work: :user 'me' is not a plain mail address (letters, digits, "
                   ". _ + - ' before the @, a host name after it)"),
    ("user", "me\x01@x.com", "account work: :user 'me\\x01@x.com' contains a control character "
                             "(U+0001) at position 3; values must be one line of text"),
    ("smtp_user", "x y@z.com", "account work: :smtp-user 'x y@z.com' is not a plain mail "
                               "address (letters, digits, . _ + - ' before the @, a host name "
                               "after it)"),
    ("client_id", "abc", "account work: :oauth2-client-id 'abc' is not a client id (a GUID, or "
                         "a Google ...apps.googleusercontent.com id)"),
    ("client_secret", "a\x0bb", "account work: :oauth2-client-secret contains a control "
                                "character (U+000B) at position 2; a client secret is one line "
                                "of text"),
    ("tenant", "not a tenant", "account work: tenant of :oauth2-auth-url 'not a tenant' is not "
                               "a tenant (consumers, organizations, common, a GUID or a domain)"),
    ("tenant", "contoso.com\n", "account work: tenant of :oauth2-auth-url 'contoso.com\\n' is "
                                "not a tenant (consumers, organizations, common, a GUID or a "
                                "domain)"),
    ("authority", "ftp://x/y", "account work: :oauth2-auth-url 'ftp://x/y' is not an http(s) URL "
                               "without spaces"),
    ("authority", 5, "account work: :oauth2-auth-url 5 is not text"),
    ("authority", "https://x/\u2028", "account work: :oauth2-auth-url 'https://x/\\u2028' "
                                      "contains a line separator (U+2028) at position 11; values "
                                      "must be one line of text"),
    ("redirect_uri", "https://bad host/", "account work: :oauth2-redirect-url 'https://bad "
                                          "host/' is not an http(s) URL without spaces"),
    ("redirect_uri", "https://-x/", "account work: :oauth2-redirect-url 'https://-x/' is not an "
                                    "http(s) URL without spaces"),
    ("imap_port", 0, "account work: nnimap-server-port 0 is not a port number (1-65535)"),
    ("imap_port", 65536, "account work: nnimap-server-port 65536 is not a port number (1-65535)"),
    ("imap_port", True, "account work: nnimap-server-port True is not a port number (1-65535)"),
    ("smtp_port", "587", "account work: :smtp-port '587' is not a port number (1-65535)"),
    ("nnimap", "a\x7fb", "account work: nnimap server name 'a\\x7fb' contains a control "
                         "character (U+007F) at position 2; values must be one line of text"),
])
def test_each_refused_value_is_named_whole(field, value, problem):
    assert syntax.check_account(account(**{field: value})) == [WHERE + ": " + problem]


@pytest.mark.parametrize("field, value", [("imap_port", 1), ("imap_port", 65535),
                                          ("smtp_port", 465), ("redirect_uri", None),
                                          ("client_secret", None), ("nnimap", None)])
def test_edge_values_that_are_fine(field, value):
    assert syntax.check_account(account(**{field: value})) == []


def test_problems_without_a_name_or_a_place_still_say_which_account():
    assert syntax.check_account(account(name="", user="", where="")) == [
        "?: account ?: account name '' is not an account name (letters, digits, . _ @ + -)",
        "?: account ?: :user is missing"]
    assert syntax.check_account(account(name="", user="me@x.com", imap_port=0)) == [
        WHERE + ": account me@x.com: account name '' is not an account name (letters, digits, "
        ". _ @ + -)",
        WHERE + ": account me@x.com: nnimap-server-port 0 is not a port number (1-65535)"]


def test_a_google_account_has_no_tenant_to_check():
    assert syntax.check_account(google(tenant="not a tenant")) == []
    assert syntax.check_account(google(tenant="not a tenant", imap_port=0)) == [
        WHERE + ": account gmail: nnimap-server-port 0 is not a port number (1-65535)"]


def test_a_visible_groups_regexp_that_cannot_be_written_is_refused_with_the_others():
    conv = conversion(account(imap_port=0))
    conv.visible_groups = "^nnmaildir\\+work:\n"
    with pytest.raises(ConfigError) as caught:
        syntax.check_conversion(conv)
    assert caught.value.message == "Cannot convert: 2 value(s) cannot be written safely."
    assert caught.value.problems == [
        WHERE + ": account work: nnimap-server-port 0 is not a port number (1-65535)",
        "gnus-permanently-visible-groups '^nnmaildir\\\\+work:\\n' contains a line feed (U+000A) "
        "at position 18; values must be one line of text"]
    assert caught.value.hint == ("Fix them in your Emacs files and run convert again; nothing "
                                 "was written.")
    conv.accounts[0].imap_port = 993
    conv.visible_groups = "^nnmaildir\\+work:"
    syntax.check_conversion(conv)  # nothing to refuse


def test_elisp_strings_spell_characters_beyond_the_bmp_in_full():
    assert syntax.elisp_string("a \U00010000\uffff") == '"a \\U00010000\\uffff"'


def test_a_long_value_is_cut_in_messages():
    assert syntax.show("x" * 78) == "'" + "x" * 78 + "'"  # 80 characters: whole
    assert syntax.show("x" * 79) == "'" + "x" * 76 + "..."


def test_a_client_secret_command_from_convert_is_written_for_the_loader():
    from offlineimap_oauth import accounts

    text = accounts_conf.render_section(account(client_secret_command="pass show mail/app"))
    parsed = accounts.parse(text, "accounts.conf")["work"]
    assert parsed.client_secret_command == "pass show mail/app" and parsed.client_secret is None
    assert text.startswith("[account work]\n; converted from /home/me/.gnus.el by "
                           "offlineimap-oauth convert\n")


# ------------------------------------ the encoders' refusals, whole (issue 17, session 4)
# The second wall against a hostile Gnus config: a renderer called without the
# shape checks still refuses, naming the file, the key and the character, and
# saying what to do (which differs for a value from Emacs and a path of ours).
FIX_IN_EMACS = "Fix the value in your Emacs files; nothing was written."
OUTPUT_DIR_HINT = "Use --output-dir with a path without control characters; nothing was written."
COMMAND_HINT = ("Use a --config path (and an install path) without control characters; "
                "nothing was written.")


@pytest.mark.parametrize("render, message, hint", [
    (lambda: offlineimaprc.render_account(account(imap_host="x.example\nremotehosteval = 1")),
     "Refusing to write the offlineimaprc value of remotehost in [Repository work-remote]: it "
     "contains a line feed (U+000A).", FIX_IN_EMACS),
    (lambda: offlineimaprc.render_account(account(user=" me@example.com")),
     "Refusing to write the offlineimaprc value of remoteuser in [Repository work-remote]: it "
     "starts or ends with a space, which offlineimap would drop.", FIX_IN_EMACS),
    (lambda: msmtprc.render_account(account(smtp_host="smtp.example\rpasswordeval x"), ["/b/x"]),
     "Refusing to write the msmtprc argument of host of account work: it contains a carriage "
     "return (U+000D).", FIX_IN_EMACS),
    (lambda: msmtprc.render_account(account(), ["/opt/a\tb/offlineimap-oauth"]),
     "Refusing to write the msmtprc argument of passwordeval of account work: it contains a tab "
     "(U+0009).", COMMAND_HINT),
    (lambda: offlineimaprc.general_values(None, conversion(account(name="a\u2028b")), "/p/h.py"),
     "Refusing to write the offlineimaprc value of accounts in [general]: it contains a line "
     "separator (U+2028).", FIX_IN_EMACS),
    (lambda: offlineimaprc.general_values(None, conversion(account()), "/p\n/h.py"),
     "Refusing to write the offlineimaprc value of pythonfile in [general]: it contains a line "
     "feed (U+000A).", OUTPUT_DIR_HINT),
    (lambda: offlineimaprc.general_values(None, conversion(account()), "/p/h.py "),
     "Refusing to write the offlineimaprc value of pythonfile in [general]: it starts or ends "
     "with a space, which offlineimap would drop.", OUTPUT_DIR_HINT),
])
def test_an_encoder_refusal_names_the_key_and_character_and_says_what_to_do(render, message,
                                                                           hint):
    with pytest.raises(ConfigError) as caught:
        render()
    assert (caught.value.message, caught.value.hint) == (message, hint)


def test_renderers_refuse_a_bad_name_naming_the_file_section():
    with pytest.raises(ConfigError) as caught:
        accounts_conf.render_section(account(name="a b"))
    assert caught.value.message == "Refusing to write [account a b]: not an account name."
    with pytest.raises(ConfigError) as caught:
        msmtprc.render_account(account(name="a b"), ["/bin/x"])
    assert caught.value.message == "Refusing to write msmtp account a b: not an account name."


@pytest.mark.parametrize("value", ["Work", "SMTP.Office365.com", "Me@Example.COM"])
def test_msmtp_arg_writes_a_plain_word_in_any_case_bare(value):
    assert syntax.msmtp_arg(value, "host") == value


def test_an_msmtp_account_on_465_is_written_whole_with_tls_and_no_starttls():
    text = msmtprc.render_account(account(smtp_port=465, smtp_starttls=False), ["/bin/oo"])
    assert text == ("account work\nhost smtp.office365.com\nport 465\ntls on\ntls_starttls off\n"
                    "tls_trust_file system\nauth xoauth2\nuser me@example.com\n"
                    "from me@example.com\ntimeout 60\npasswordeval \"/bin/oo token work\"\n")


def test_an_msmtp_line_of_499_characters_is_written_and_500_refused():
    """msmtp refuses lines of 500 characters or more: say so, and what to do."""
    path = "/" + "a" * 472  # passwordeval "PATH token work": 26 characters around it
    lines = msmtprc.render_account(account(), [path]).splitlines()
    assert max(len(line) for line in lines) == len(lines[-1]) == 499
    with pytest.raises(ConfigError) as caught:
        msmtprc.render_account(account(), [path + "a"])
    assert caught.value.message == ("An msmtprc line for work would be 500 characters; msmtp "
                                    "accepts 499.")
    assert caught.value.hint == "Install offlineimap-oauth at a shorter path."


def test_accounts_conf_names_the_input_file_even_with_a_colon_in_its_path():
    text = accounts_conf.render_section(account(where="/home/me/a:b/.gnus.el:12:3"))
    assert text.splitlines()[1] == "; converted from /home/me/a:b/.gnus.el by offlineimap-oauth " \
                                   "convert"


def test_a_google_account_reads_back_for_the_loader_with_googles_own_endpoints():
    from offlineimap_oauth import accounts

    text = accounts_conf.render_section(google(
        client_secret="GOCSPX-x", scopes=("https://mail.google.com/", "openid")))
    parsed = accounts.parse(text, "accounts.conf")["gmail"]
    assert (parsed.provider, parsed.auth_uri, parsed.token_uri, parsed.scopes) == (
        "google", "https://accounts.google.com/o/oauth2/auth", "https://oauth2.googleapis.com/token",
        ("https://mail.google.com/", "openid"))
    assert "tenant" not in text and "redirect_uri" not in text and "_uri" not in text


def test_a_microsoft_account_outside_the_public_cloud_reads_back_for_the_loader():
    from offlineimap_oauth import accounts

    text = accounts_conf.render_section(account(
        authority="https://login.microsoftonline.us/organizations",
        scopes=("https://outlook.office.com/IMAP.AccessAsUser.All",),
        redirect_uri="http://localhost"))
    parsed = accounts.parse(text, "accounts.conf")["work"]
    assert (parsed.authority, parsed.scopes, parsed.redirect_uri) == (
        "https://login.microsoftonline.us/organizations",
        ("https://outlook.office.com/IMAP.AccessAsUser.All",), "http://localhost")
    assert "\ntenant" not in text  # the authority names it


def test_a_quoted_value_keeps_printable_non_ascii_as_written():
    text = accounts_conf.render_section(account(client_secret_command='pass show "café" ;x'))
    assert 'client_secret_command = "pass show \\"café\\" \\u003bx"\n' in text


def test_a_host_name_ending_in_a_capital_x_is_one():
    assert syntax.check_account(account(imap_host="imap-X", smtp_host="X")) == []


def test_a_client_secret_that_is_not_text_is_refused_as_such():
    assert syntax.check_account(account(client_secret=12345)) == [
        WHERE + ": account work: :oauth2-client-secret is not text"]


@pytest.mark.parametrize("scopes, reason", [
    (("https://outlook.office.com/IMAP.AccessAsUser.All", 5),
     "5 is not a scope (printable characters; no spaces, commas, quotes)"),
    (("a,b",), "'a,b' is not a scope (printable characters; no spaces, commas, quotes)"),
    (("https://graph.microsoft.com/IMAP.AccessAsUser.All", "offline_access",
      "https://outlook.office.com/SMTP.Send"),
     "write https://outlook.office.com/IMAP.AccessAsUser.All instead of "
     "https://graph.microsoft.com/IMAP.AccessAsUser.All, which asks Microsoft Graph, whose "
     "tokens Outlook's IMAP and SMTP refuse; the whole line: scopes = "
     "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All"),
])
def test_a_microsoft_scope_refusal_is_named_whole(scopes, reason):
    assert syntax.check_account(account(scopes=scopes)) == [
        WHERE + ": account work: :oauth2-scope " + reason]


def test_scopes_are_refused_only_for_spaces_commas_quotes_and_backslashes():
    assert syntax.check_account(account(scopes=(
        "offline_access", "OpenID", "https://outlook.office.com/X-Mail.Read"))) == []
    assert syntax.check_account(google(scopes=(
        "https://mail.google.com/", "https://www.googleapis.com/auth/X.read"))) == []


def test_problems_name_an_account_whose_name_starts_with_x_in_full():
    assert syntax.check_account(account(name="Xmail", imap_port=0)) == [
        WHERE + ": account Xmail: nnimap-server-port 0 is not a port number (1-65535)"]


@pytest.mark.parametrize("text", ["a.b@c+d-e", 'a"b', "a\\b", "a'b\"c", "a\nb\u2028", "é"])
def test_python_literal_reads_back_exactly_on_one_line(text):
    import ast

    literal = syntax.python_literal(text)
    assert ast.literal_eval(literal) == text and syntax.bad_char(literal) is None
