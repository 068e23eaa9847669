"""Microsoft's error answers become our errors with the fix for this account."""

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.providers.microsoft import explain
from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater

CONF = """[account outlook]
user = me@outlook.jp
client_id = 11111111-2222-3333-4444-555555555555
client_secret = s3cret
tenant = common
"""


def answer(code, error="invalid_request", text="Something."):
    return {"error": error, "error_codes": [code],
            "error_description": "AADSTS%d: %s\r\nTrace ID: 1\r\nCorrelation ID: 2" % (code, text)}


@pytest.fixture
def account():
    return accounts.parse(CONF, "/home/me/.config/offlineimap-oauth/accounts.conf")["outlook"]


@pytest.mark.parametrize("code,kind,fix", [
    (9002331, ConfigError, "Set tenant = consumers in [account outlook]"),
    (9002332, ConfigError, "Set tenant = organizations"),
    (50020, ConfigError, "tenant = consumers"),
    (50194, ConfigError, "tenant ID or domain"),
    (700016, ConfigError, "Application (client) ID"),
    (50011, ConfigError, "Authentication add exactly"),
    (7000218, ConfigError, "Allow public client flows"),
    (700025, ConfigError, "Remove client_secret"),
    (7000215, ConfigError, "not its Secret ID"),
    (7000222, ConfigError, "Certificates & secrets"),
    (70008, LoginRequired, "offlineimap-oauth login outlook"),
    (700082, LoginRequired, "offlineimap-oauth login outlook"),
    (50173, LoginRequired, "offlineimap-oauth login outlook"),
    (54005, LoginRequired, "offlineimap-oauth login outlook"),
    (500200, ConfigError, "tenant = consumers"),
    (500208, ConfigError, "Personal addresses need tenant = consumers"),
    (90002, ConfigError, "Check tenant in [account outlook]"),
    (65001, ConfigError, "API permissions"),
    (90094, ConfigError, "admin consent"),
    (50076, LoginRequired, "offlineimap-oauth login outlook"),
    (50079, LoginRequired, "offlineimap-oauth login outlook"),
    (53003, ConfigError, "Conditional Access"),
    (501481, LoginRequired, "offlineimap-oauth login outlook"),
    (28000, ConfigError, "Keep only https://outlook.office.com/"),
])
def test_known_codes_name_the_fix(account, code, kind, fix):
    error = explain.from_msal(answer(code), account)
    assert type(error) is kind
    assert fix in str(error)
    assert "AADSTS%d" % code in str(error)
    assert error.code == "AADSTS%d" % code
    assert "Trace ID" not in str(error)  # one line of Microsoft's text, not the dump


def test_unknown_code_keeps_code_and_lookup_link(account):
    error = explain.from_msal(answer(123456, error="invalid_grant"), account)
    assert type(error) is Error  # not "log in again": nobody knows yet whether that helps
    assert "AADSTS123456" in error.message
    assert "https://login.microsoftonline.com/error?code=123456" in error.hint
    assert not error.hint.startswith("Run:")


def test_server_error_without_code_is_try_later(account):
    assert isinstance(explain.from_msal({"error": "temporarily_unavailable"}, account), TryLater)
    assert type(explain.from_msal({"error": "weird"}, account)) is Error


def test_code_read_from_text_when_error_codes_missing():
    assert explain.aadsts_code({"error_description": "AADSTS50173: revoked"}) == 50173


@pytest.mark.parametrize("said,what,fix", [
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Mailbox.", "SMTP AUTH is disabled", "Manage email apps -> Authenticated SMTP"),
    ("535 5.7.3 Authentication unsuccessful [AB1PR01CA0001]", "SMTP server refused the token",
     "offlineimap-oauth login outlook"),
    ("NO AUTHENTICATE failed.", "IMAP server refused the token", "Let devices and apps use IMAP"),
    ("NO [AUTHENTICATIONFAILED] Authentication failed.", "IMAP server refused the token",
     "logout outlook && offlineimap-oauth login outlook"),
    ("BAD User is authenticated but not connected.", "did not connect the mailbox",
     "try again later"),
    ("NO AccessTokenExpired", "access token expired", "clock"),
    ("530 5.7.57 Client not authenticated to send mail.", "no login before sending",
     "auth xoauth2"),
])
def test_server_refusals_name_the_fix(account, said, what, fix):
    explained, how = explain.server_refusal(said, account)
    assert what in explained
    assert fix in how


def test_unknown_server_refusal_keeps_the_text(account):
    explained, how = explain.server_refusal("NO something odd", account)
    assert "something odd" in explained and "check outlook" in how


PUBLIC_CONF = """[account work]
user = me@contoso.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
"""


def public_account(extra=""):
    return accounts.parse(PUBLIC_CONF + extra, "/home/me/accounts.conf")["work"]


@pytest.mark.parametrize("seconds,every", [
    (86400, " (here every 1 day)"), (7 * 86400, " (here every 7 days)"),
    (3600, " (here every 1 hour)"), (5 * 3600, " (here every 5 hours)"),
    (60, " (here every 1 minute)"), (90 * 60, " (here every 90 minutes)"),
    (90, " (here every 90 seconds)")])
def test_sign_in_frequency_says_a_login_fixes_it_and_how_often_it_recurs(account, seconds, every):
    text = ("The refresh token has expired due to a sign-in frequency check by conditional access. "
            "The maximum allowed lifetime for this request is %d." % seconds)
    error = explain.from_msal(answer(70043, error="invalid_grant", text=text), account)
    assert type(error) is LoginRequired
    assert error.message == ("Your organisation's Conditional Access sign-in frequency ended the "
                             "stored login of [account outlook].")
    assert error.hint == ("Run: offlineimap-oauth login outlook\nThis will recur at the interval "
                          "your organisation set%s; only an admin can change it." % every)


def test_sign_in_frequency_is_recognised_by_its_words_without_a_code_or_lifetime(account):
    error = explain.from_msal({"error": "invalid_grant", "error_description":
                               "Token expired by the Sign-in frequency policy."}, account)
    assert type(error) is LoginRequired and error.code == "invalid_grant"
    assert error.hint == ("Run: offlineimap-oauth login outlook\nThis will recur at the "
                          "interval your organisation set; only an admin can change it.")
    by_code = explain.from_msal(answer(70043, error="invalid_grant", text="Expired."), account)
    assert type(by_code) is LoginRequired and "sign-in frequency" in by_code.message


def test_70000_is_told_apart_by_its_words(account):
    scopes = explain.from_msal(answer(70000, error="invalid_grant", text="The request was "
                                      "denied because one or more scopes requested are "
                                      "unauthorized or expired."), account)
    assert type(scopes) is ConfigError
    assert scopes.message == ("The scopes of [account outlook] were not granted to app "
                              "11111111-2222-3333-4444-555555555555 (or the grant expired).")
    assert scopes.hint == ("In Azure Portal -> App registrations -> your app -> API permissions "
                           "add IMAP.AccessAsUser.All, SMTP.Send (and POP.AccessAsUser.All) as "
                           "delegated permissions and grant consent if your organisation "
                           "requires it; then run: offlineimap-oauth login outlook")
    other = explain.from_msal(answer(70000, error="invalid_grant", text="The refresh token was "
                                     "issued to a different client id."), account)
    assert type(other) is LoginRequired
    assert other.message == ("The stored login of [account outlook] was made for another app "
                             "than client_id 11111111-2222-3333-4444-555555555555.")
    assert other.hint == "Run: offlineimap-oauth login outlook"
    plain = explain.from_msal(answer(70000, error="invalid_grant", text="Invalid grant."),
                              account)
    assert type(plain) is LoginRequired
    assert plain.message == "Microsoft wants a new sign-in for [account outlook]."
    # "scope" alone, without "unauthorized", is not the missing-permission case
    alone = explain.from_msal(answer(70000, error="invalid_grant", text="Bad scope."), account)
    assert type(alone) is LoginRequired


def test_a_personal_account_refused_by_its_words_without_a_known_code(account):
    error = explain.from_msal({"error": "invalid_request", "error_description":
                               "The app is configured for userAudience Consumers only."},
                              account)
    assert type(error) is ConfigError
    assert error.hint == ("Set tenant = consumers in [account outlook] (/home/me/.config/"
                          "offlineimap-oauth/accounts.conf), then run: offlineimap-oauth login "
                          "outlook")


def test_an_unknown_code_of_an_unclear_error_promises_no_login(account):
    for word in ("invalid_grant", "interaction_required", "access_denied"):
        error = explain.from_msal(answer(123456, error=word), account)
        assert type(error) is Error, word
        assert error.message == ("Microsoft refused [account outlook] with AADSTS123456, a code "
                                 "this program has no explanation for yet.")
        assert error.hint == ("Microsoft explains the code at https://login.microsoftonline.com/"
                              "error?code=123456\nWhether a new login helps depends on that "
                              "explanation (offlineimap-oauth login outlook starts one).")
        assert error.problems == ["Microsoft said: AADSTS123456: Something."]
        assert error.code == "AADSTS123456"


@pytest.mark.parametrize("word,kind,first_hint_line", [
    ("invalid_client", ConfigError, "Check [account outlook] in /home/me/.config/"
     "offlineimap-oauth/accounts.conf and the app registration."),
    ("unauthorized_client", ConfigError, "Check [account outlook] in /home/me/.config/"
     "offlineimap-oauth/accounts.conf and the app registration."),
    ("invalid_scope", ConfigError, "Check [account outlook] in /home/me/.config/"
     "offlineimap-oauth/accounts.conf and the app registration."),
    ("consent_required", LoginRequired, "Run: offlineimap-oauth login outlook"),
    ("login_required", LoginRequired, "Run: offlineimap-oauth login outlook"),
    ("server_error", TryLater, "Try again later."),
    ("temporarily_unavailable", TryLater, "Try again later."),
    ("something_new", Error, "Run again with -v for details."),
])
def test_an_unknown_code_gets_its_category_from_the_error_word(account, word, kind,
                                                               first_hint_line):
    error = explain.from_msal(answer(123456, error=word), account)
    assert type(error) is kind
    assert error.message == "Microsoft refused the request for [account outlook]."
    assert error.hint == first_hint_line + ("\nMicrosoft explains the code at "
                                            "https://login.microsoftonline.com/error?code=123456")
    assert error.code == "AADSTS123456"
    without_code = explain.from_msal({"error": word}, account)
    assert type(without_code) is kind and without_code.hint == first_hint_line
    assert without_code.code == word and without_code.problems == ["Microsoft said: " + word]


def test_an_unclear_error_without_a_code_asks_for_a_login(account):
    error = explain.from_msal({"error": "invalid_grant", "error_description": "Bad token."},
                              account)
    assert type(error) is LoginRequired and error.hint == "Run: offlineimap-oauth login outlook"


def test_microsofts_words_are_kept_as_one_line_with_the_code(account):
    said = explain.from_msal({"error": "invalid_grant", "error_codes": [50173],
                              "error_description": "The grant was revoked.\r\nTrace ID: 1"},
                             account).problems
    assert said == ["Microsoft said: AADSTS50173: The grant was revoked."]
    assert explain.from_msal({"error": "weird"}, account).problems == ["Microsoft said: weird"]
    assert explain.from_msal({}, account).problems == ["Microsoft said: no details"]
    blank = explain.from_msal({"error": "weird", "error_description": "  "}, account)
    assert blank.problems[0].startswith("Microsoft said:")  # no IndexError on a blank text


def test_the_code_is_read_from_the_text_when_error_codes_is_unusable():
    assert explain.aadsts_code({"error_codes": ["x"], "error_description": "AADSTS50173: r"}) \
        == 50173
    assert explain.aadsts_code({"error_codes": [None], "error_description": "AADSTS7: r"}) == 7
    assert explain.aadsts_code({"error_codes": [], "error_description": "AADSTS70043: r"}) \
        == 70043
    assert explain.aadsts_code({"error_codes": ["700082"]}) == 700082
    assert explain.aadsts_code({"error_description": "no code here"}) is None
    assert explain.aadsts_code({}) is None


def test_the_redirect_named_is_the_one_the_login_uses(account):
    confidential = explain.from_msal(answer(50011), account)
    assert "https://login.microsoftonline.com/common/oauth2/nativeclient" in confidential.hint
    public = explain.from_msal(answer(50011), public_account())
    assert "add exactly http://localhost," in public.hint
    chosen = explain.from_msal(answer(50011), public_account(
        "redirect_uri = http://localhost:8400\n"))
    assert "add exactly http://localhost:8400," in chosen.hint
    given = explain.from_msal(answer(50011), public_account(), redirect="http://127.0.0.1:9/")
    assert "add exactly http://127.0.0.1:9/," in given.hint


def test_every_field_of_the_account_is_filled_in(account):
    error = explain.from_msal(answer(500201), account)
    assert error.message == ("me@outlook.jp is a personal Microsoft account, which this sign-in "
                             "cannot serve (app 11111111-2222-3333-4444-555555555555 or tenant "
                             "'common' is for work or school accounts).")
    assert error.hint == ("Set tenant = consumers in [account outlook] (/home/me/.config/"
                          "offlineimap-oauth/accounts.conf) and use an app that allows personal "
                          "Microsoft accounts.")
    assert "[account outlook] (accounts.conf) and" in explain.from_msal(
        answer(500201), accounts.parse(CONF, None)["outlook"]).hint


def test_consumers_in_microsofts_words_alone_is_not_the_personal_only_app(account):
    error = explain.from_msal(answer(50020, text="User account 'me@outlook.jp' from identity "
                                     "provider 'live.com' does not exist in tenant 'consumers'."),
                              account)
    assert error.message == "me@outlook.jp is not an account of tenant 'common'."
