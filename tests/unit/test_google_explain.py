"""Google's error table: each known failure becomes the right kind of error with its fix."""

import base64
import json

import pytest

from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater
from offlineimap_oauth.providers.google import explain, flows, settings

CLIENT_ID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
ACCOUNT = settings.validate("gmail", {"user": "me@gmail.com", "client_id": CLIENT_ID,
                                      "client_secret": "GOCSPX-abc"}, "/home/me/accounts.conf")[0]


def explained(error, description=None, status=None):
    return explain.from_token_error({"error": error, "error_description": description},
                                    ACCOUNT, status=status)


def test_expired_or_revoked_refresh_token_names_every_cause_and_the_login():
    error = explained("invalid_grant", "Token has been expired or revoked.")
    assert isinstance(error, LoginRequired) and error.code == "invalid_grant"
    text = str(error)
    assert "Google said: invalid_grant: Token has been expired or revoked." in text
    for cause in ("'Testing'", "7 days", "publish the app", "log in weekly", "password",
                  "six months", "myaccount.google.com/permissions"):
        assert cause in text, cause
    assert text.endswith("Then run: offlineimap-oauth login gmail")


@pytest.mark.parametrize("error,description,kind,words", [
    ("access_denied", None, LoginRequired, ("Test users", "me@gmail.com", "login gmail")),
    ("redirect_uri_mismatch", "Bad Request", ConfigError, ("'Desktop app'", "Web application")),
    ("unauthorized_client", "Unauthorized", ConfigError, ("'Desktop app'",)),
    ("invalid_client", "The OAuth client was not found.", ConfigError,
     ("knows no OAuth client " + CLIENT_ID, "client_id", "/home/me/accounts.conf")),
    ("invalid_client", "Unauthorized", ConfigError, ("client secret", "stays valid")),
    ("invalid_request", "client_secret is missing.", ConfigError, ("client_secret_command",)),
    ("invalid_grant", "Invalid code verifier.", LoginRequired, ("PKCE",)),
    ("invalid_grant", "Bad Request", LoginRequired, ("used already",)),
    ("admin_policy_enforced", None, ConfigError, ("Admin console", "API controls")),
    ("invalid_request", "The out-of-band (OOB) flow has been blocked in order to keep users "
     "secure.", ConfigError, ("urn:ietf:wg:oauth:2.0:oob", "Remove redirect_uri", "127.0.0.1")),
    ("internal_failure", "Backend Error", TryLater, ("Try again later",)),
])
def test_token_and_authorize_errors(error, description, kind, words):
    explained_error = explained(error, description)
    assert type(explained_error) is kind
    for word in words:
        assert word in str(explained_error), word


def test_any_5xx_is_try_later_and_unknown_errors_keep_googles_words():
    assert isinstance(explained("weird", "x", status=502), TryLater)
    unknown = explained("weird_error", "Something new")
    assert type(unknown) is Error and "Google said: weird_error: Something new" in str(unknown)


def test_googles_error_page_pasted_by_a_non_test_user_is_explained():
    blob = base64.urlsafe_b64encode(b"access_denied: app has not completed the Google "
                                    b"verification process").decode().rstrip("=")
    url = ("https://accounts.google.com/signin/oauth/error/v2?authError=%s&client_id=%s"
           % (blob, CLIENT_ID))
    assert explain.is_error_page(url)
    error = explain.from_error_page(url, ACCOUNT)
    assert isinstance(error, ConfigError)
    assert "Test users" in str(error) and "me@gmail.com" in str(error)
    with pytest.raises(ConfigError, match="Test users"):
        flows.parse_pasted(url + "\n", "STATE", ACCOUNT)


def test_error_page_of_a_web_client_and_of_the_oob_redirect():
    def page(text):
        blob = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        return "https://accounts.google.com/signin/oauth/error/v2?authError=" + blob
    assert "'Desktop app'" in str(explain.from_error_page(page("redirect_uri_mismatch: x"), ACCOUNT))
    oob = explain.from_error_page(page("invalid_request: The out-of-band (OOB) flow has been "
                                       "blocked"), ACCOUNT)
    assert "out-of-band" in str(oob) and isinstance(oob, ConfigError)


def test_pasted_addresses_and_codes():
    pasted = flows.parse_pasted("http://127.0.0.1:40123/?state=S&code=4/0Aab&scope=x\n", "S",
                                ACCOUNT)
    assert pasted["code"] == "4/0Aab" and pasted["state"] == "S"
    assert flows.parse_pasted("4/0Aab-cd\n", "S", ACCOUNT) == {"code": "4/0Aab-cd", "state": "S"}
    with pytest.raises(LoginRequired, match="Nothing was pasted"):
        flows.parse_pasted("\n", "S", ACCOUNT)
    with pytest.raises(LoginRequired, match="sign-in address itself"):
        flows.parse_pasted(ACCOUNT.auth_uri + "?client_id=x&state=S", "S", ACCOUNT)
    with pytest.raises(LoginRequired, match="holds no code"):
        flows.parse_pasted("http://127.0.0.1:40123/?foo=bar", "S", ACCOUNT)


# What Gmail's servers say when they refuse (texts from public reports; see explain.py).
CHALLENGE = base64.b64encode(json.dumps(
    {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"},
    separators=(",", ":")).encode()).decode()


def test_smtp_xoauth2_challenge_is_decoded():
    assert CHALLENGE == ("eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21h"
                         "aWwuZ29vZ2xlLmNvbS8ifQ==")  # as Gmail sends it
    assert explain.xoauth2_challenge("334 " + CHALLENGE) == {
        "status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"}
    what, fix = explain.server_refusal("334 " + CHALLENGE, ACCOUNT)
    assert "XOAUTH2 status 400" in what and "https://mail.google.com/" in what
    assert "offlineimap-oauth token gmail --refresh" in fix and "login gmail" in fix


@pytest.mark.parametrize("text,what,fix", [
    ("a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", "Invalid credentials",
     "logout gmail"),
    ("535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  "
     "https://support.google.com/mail/?p=BadCredentials x - gsmtp", "SMTP server refused",
     "another Google account"),
    ("534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  "
     "https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp", "app password",
     "auth xoauth2"),
    ("a1 NO [ALERT] IMAP access is disabled for your domain. Please contact your domain "
     "administrator for questions about this feature. (Failure)", "refused IMAP",
     "Admin console -> Apps -> Google Workspace -> Gmail"),
    ("a1 NO [ALERT] Your account is not enabled for IMAP use. (Failure)", "refused IMAP",
     "Enable IMAP"),
])
def test_imap_and_smtp_refusals(text, what, fix):
    said, todo = explain.server_refusal(text, ACCOUNT)
    assert what in said and fix in todo


def test_the_challenge_decoded_by_smtplib_is_recognised_too():
    said, _ = explain.server_refusal(
        '{"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}\n'
        "535-5.7.8 Username and Password not accepted.", ACCOUNT)
    assert "XOAUTH2 status 401" in said


def test_flow_choice_for_google_accounts():
    from offlineimap_oauth.errors import UsageError

    desktop = {"DISPLAY": ":0"}
    assert flows.choose_flow(ACCOUNT, None, desktop) == "localhost"
    assert flows.choose_flow(ACCOUNT, None, dict(desktop, SSH_CONNECTION="1 2 3 4")) == "paste"
    assert flows.choose_flow(ACCOUNT, None, {}) == "paste"
    assert flows.choose_flow(ACCOUNT, "localhost", {}) == "localhost"
    with pytest.raises(UsageError, match="--flow paste"):
        flows.choose_flow(ACCOUNT, "device", desktop)


def test_check_uses_gmails_hosts_and_explains_gmails_refusals():
    import base64

    from offlineimap_oauth import accounts
    from offlineimap_oauth.diagnose import default_hosts
    from offlineimap_oauth.errors import LoginRequired
    from offlineimap_oauth.refusals import refusal

    account = accounts.parse(
        "[account gmail]\nprovider = google\nuser = me@gmail.com\nclient_id = "
        "1-abc.apps.googleusercontent.com\nclient_secret = GOCSPX-x\n")["gmail"]
    assert default_hosts(account) == ("imap.gmail.com", "smtp.gmail.com")
    challenge = base64.b64encode(b'{"status":"400","schemes":"Bearer","scope":'
                                 b'"https://mail.google.com/"}').decode()
    error = refusal("334 %s\n535-5.7.8 Username and Password not accepted." % challenge, account)
    assert isinstance(error, LoginRequired) and "Gmail refused the token" in error.message
    assert "token gmail --refresh" in error.hint


OOB_MESSAGE = ("Google blocked the out-of-band redirect urn:ietf:wg:oauth:2.0:oob (\"The out-of-band "
               "(OOB) flow has been blocked\"), which older Gmail setups used.")
OOB_FIX = ("Remove redirect_uri from [account gmail]; offlineimap-oauth login gmail uses a "
           "loopback address on 127.0.0.1 instead (over SSH: --flow paste).")
PAGE_MESSAGE = ("You pasted the address of Google's error page: Google refused the sign-in of "
                "me@gmail.com before it came back to offlineimap-oauth.")
PAGE_FIX = ("If the page said the app 'has not completed the Google verification process' (Error "
            "403: access_denied), add me@gmail.com under Google Cloud console -> APIs & Services "
            "-> OAuth consent screen -> Test users, or publish the app; then run: "
            "offlineimap-oauth login gmail")


def error_page(blob: bytes, query="authError=%s"):
    encoded = base64.urlsafe_b64encode(blob).decode().rstrip("=")
    return "https://accounts.google.com/signin/oauth/error/v2?" + (query % encoded)


def whole(error):
    return type(error), error.message, error.hint, error.code, error.problems


def test_the_oob_redirect_is_explained_whole_from_the_token_answer_and_the_page():
    said = "The out-of-band (OOB) flow has been blocked"
    assert whole(explained("invalid_request", said)) == (
        ConfigError, OOB_MESSAGE, OOB_FIX, "invalid_request", ["Google said: invalid_request: " + said])
    assert whole(explain.from_error_page(error_page(b"invalid_request: oob flow"), ACCOUNT)) == (
        ConfigError, OOB_MESSAGE, OOB_FIX, "invalid_request",
        ["Google's error page: out-of-band (OOB) flow blocked"])
    # "oob" alone is not an invalid_request: the page's word decides
    assert "Desktop app" in explain.from_error_page(
        error_page(b"redirect_uri_mismatch oob"), ACCOUNT).hint


@pytest.mark.parametrize("url,word", [
    (error_page(b"access_denied: app has not completed the verification"), "access_denied"),
    (error_page(b"\x08\x03nothing known\xff"), "no error word found"),
    ("https://accounts.google.com/signin/oauth/error?client_id=1", "no error word found"),
    (error_page(b"x", "authError=%s!!"), "no error word found"),  # not base64
])
def test_googles_error_page_says_what_to_do_whole(url, word):
    assert whole(explain.from_error_page(url, ACCOUNT)) == (
        ConfigError, PAGE_MESSAGE, PAGE_FIX, "access_denied", ["Google's error page: " + word])


@pytest.mark.parametrize("blob", [
    b"redirect_uri_mismatch: xy",  # base64 of 34 characters: two '=' stripped
    b"redirect_uri_mismatch: xyz",  # 35 characters: one '=' stripped
    b"\x12\x8a\xffredirect_uri_mismatch\xfe\x01",  # protobuf bytes around the word
])
def test_the_word_is_found_in_googles_opaque_blob(blob):
    error = explain.from_error_page(error_page(blob), ACCOUNT)
    assert type(error) is ConfigError and error.code == "redirect_uri_mismatch"
    assert "create an OAuth client of type 'Desktop app'" in error.hint


def test_the_authorize_redirects_words_are_kept():
    error = explain.from_authorize_response(
        {"error": "access_denied", "error_description": "The user denied"}, ACCOUNT)
    assert type(error) is LoginRequired
    assert error.problems == ["Google said: access_denied: The user denied"]


REFUSAL_RELOGIN = ("offlineimap-oauth logout gmail && offlineimap-oauth login gmail (sign in as "
                   "me@gmail.com; a private browser window avoids the browser's remembered account)")


def test_a_challenge_is_explained_whole_even_without_status_or_scope():
    assert explain.server_refusal('{"status":"401"}', ACCOUNT) == (
        "Gmail refused the token for me@gmail.com (XOAUTH2 status 401, wants scope ?).",
        "Run: offlineimap-oauth token gmail --refresh; if it persists: " + REFUSAL_RELOGIN)
    assert explain.server_refusal('{"status":""}', ACCOUNT)[0] == (
        "Gmail refused the token for me@gmail.com (XOAUTH2 status ?, wants scope ?).")
    assert explain.server_refusal("334 " + base64.b64encode(b'{"scope":"s"}').decode(),
                                  ACCOUNT)[0] == (
        "Gmail refused the token for me@gmail.com (XOAUTH2 status ?, wants scope s).")
    # smtplib may hand over the decoded challenge after a newline
    assert "XOAUTH2 status 400" in explain.server_refusal('\n {"status":"400"}', ACCOUNT)[0]


def test_a_challenge_that_is_not_an_object_is_an_ordinary_refusal():
    text = "334 " + base64.b64encode(b'["not", "an", "object"]').decode()
    assert explain.xoauth2_challenge(text) is None
    assert explain.server_refusal(text, ACCOUNT)[0] == "Gmail refused: " + text


def test_an_unknown_refusal_keeps_200_characters_and_says_how_to_look_closer():
    assert explain.server_refusal("  NO odd  ", ACCOUNT) == (
        "Gmail refused: NO odd",
        "Run: offlineimap-oauth check gmail -v, and see README's troubleshooting.")
    assert explain.server_refusal("x" * 300, ACCOUNT)[0] == "Gmail refused: " + "x" * 200
    assert explain.server_refusal(None, ACCOUNT)[0] == "Gmail refused: "


def test_the_revocation_endpoint_is_beside_the_token_endpoint():
    from offlineimap_oauth.providers.google import client

    def revoke_uri(token_uri):
        return client.revoke_uri(settings.validate("gmail", {
            "user": "me@gmail.com", "client_id": CLIENT_ID, "client_secret": "GOCSPX-abc",
            "token_uri": token_uri}, "/home/me/accounts.conf")[0])

    assert revoke_uri("https://oauth2.googleapis.com/token") == \
        "https://oauth2.googleapis.com/revoke"
    assert revoke_uri("https://127.0.0.1:5/o/oauth2/token") == "https://127.0.0.1:5/o/oauth2/revoke"
    assert revoke_uri("https://127.0.0.1:5/o/oauth2/v4") == "https://127.0.0.1:5/o/oauth2/revoke"


TRY_LATER_HINT = "Try again later; a still-valid cached token keeps working meanwhile."
CHECK_HINT = "Check [account gmail] in /home/me/accounts.conf; run again with -v for details."


@pytest.mark.parametrize("status,expected", [
    (502, (TryLater, "Google's sign-in service failed for [account gmail].", TRY_LATER_HINT,
           "server_error", ["Google said: server_error: <html>Bad Gateway</html>"])),
    (500, (TryLater, "Google's sign-in service failed for [account gmail].", TRY_LATER_HINT,
           "server_error", ["Google said: server_error: <html>Bad Gateway</html>"])),
    (499, (Error, "Google refused the request for [account gmail].", CHECK_HINT,
           "invalid_request", ["Google said: invalid_request: <html>Bad Gateway</html>"])),
    (None, (Error, "Google refused the request for [account gmail].", CHECK_HINT,
            "invalid_request", ["Google said: invalid_request: <html>Bad Gateway</html>"])),
])
def test_an_answer_that_is_not_googles_json_gets_its_category_from_the_status(status, expected):
    assert whole(explain.from_token_error("<html>Bad Gateway</html>", ACCOUNT,
                                          status=status)) == expected


def test_a_5xx_keeps_googles_word_and_an_unknown_answer_its_words():
    assert type(explained("weird", "x", status=500)) is TryLater
    assert whole(explained("weird", "x", status=503)) == (
        TryLater, "Google's sign-in service failed for [account gmail].", TRY_LATER_HINT,
        "weird", ["Google said: weird: x"])
    assert whole(explained("server_error", None)) == (
        TryLater, "Google's sign-in service failed for [account gmail].", TRY_LATER_HINT,
        "server_error", ["Google said: server_error"])
    assert whole(explained(None, None)) == (
        Error, "Google refused the request for [account gmail].", CHECK_HINT, None,
        ["Google said: "])
    assert explain.from_token_error("x" * 300, ACCOUNT).problems == [
        "Google said: invalid_request: " + "x" * 200]


def test_a_login_is_the_next_step_where_the_table_names_no_other():
    error = explained("invalid_grant", "Invalid code verifier.")
    assert error.hint == "Run: offlineimap-oauth login gmail"


def test_the_accounts_file_is_named_even_when_unknown():
    nameless = settings.validate("gmail", {"user": "me@gmail.com", "client_id": CLIENT_ID,
                                           "client_secret": "GOCSPX-abc"}, None)[0]
    error = explain.from_token_error({"error": "weird"}, nameless)
    assert error.hint == "Check [account gmail] in accounts.conf; run again with -v for details."
