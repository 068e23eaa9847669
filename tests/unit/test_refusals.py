"""Server refusals are told apart by their words, and each has a category."""

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater
from offlineimap_oauth.refusals import refusal

CONF = """[account work]
user = me@contoso.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
"""


def account(scopes=None):
    text = CONF + ("scopes = %s\n" % scopes if scopes else "")
    return accounts.parse(text, "/home/me/accounts.conf")["work"]


@pytest.mark.parametrize("said,kind,what,fix", [
    ("535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
     ConfigError, "received a password", "auth xoauth2"),
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
     "Tenant.", ConfigError, "SMTP AUTH is disabled", "Authenticated SMTP"),
    ("530 5.7.57 Client not authenticated to send mail. 535 5.7.3 Authentication unsuccessful",
     LoginRequired, "refused the token", "offlineimap-oauth login work"),
    ("554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied",
     ConfigError, "send as", "from me@contoso.com"),
    ("550 5.7.60 SMTP; Client does not have permissions to send as this sender", ConfigError,
     "send as", "msmtprc"),
    ("554 5.2.252 SendAsDenied; me@contoso.com not allowed to send as x@example.com",
     ConfigError, "send as", "msmtprc"),
    ("504 5.7.4 Unrecognized authentication type", ConfigError, "password", "auth xoauth2"),
    ("NO LOGIN failed.", ConfigError, "password", "auth_mechanisms = XOAUTH2"),
    ("421 4.3.2 Service not available, closing transmission channel", TryLater, "temporary",
     "Try again later"),
    ("BAD User is authenticated but not connected.", TryLater, "did not connect",
     "Let devices and apps use IMAP"),
    ("NO AUTHENTICATE failed.", ConfigError, "refused the token",
     "https://outlook.office.com/"),
])
def test_each_refusal_has_its_cause_fix_and_category(said, kind, what, fix):
    error = refusal(said, account())
    assert type(error) is kind
    assert what in error.message
    assert fix in error.hint


def test_not_connected_with_another_users_token_says_so():
    error = refusal("BAD User is authenticated but not connected.", account(),
                    token_user="boss@contoso.com")
    assert isinstance(error, LoginRequired)
    assert error.message == ("The token belongs to boss@contoso.com, not to me@contoso.com: the "
                             "server accepted it but did not connect the mailbox.")
    assert error.hint == ("Sign in again as me@contoso.com: offlineimap-oauth logout work && "
                          "offlineimap-oauth login work (a private browser window avoids the "
                          "browser's remembered account).")


def test_535_names_pop_only_when_the_scopes_lack_it():
    full = refusal("535 5.7.3 Authentication unsuccessful", account())
    assert "POP" not in full.hint
    no_pop = refusal("535 5.7.3 Authentication unsuccessful", account(
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"))
    assert no_pop.hint == (
        "Sign in again as me@contoso.com: offlineimap-oauth logout work && offlineimap-oauth "
        "login work (a private browser window avoids the browser's remembered account). If "
        "that does not help, add https://outlook.office.com/POP.AccessAsUser.All to scopes (the "
        "seed's SMTP needed it).")
    no_send = refusal("535 5.7.3 Authentication unsuccessful",
                      account("https://outlook.office.com/IMAP.AccessAsUser.All"))
    assert isinstance(no_send, ConfigError) and "SMTP.Send" in no_send.hint


def test_unknown_refusal_is_generic_and_keeps_the_text():
    error = refusal("501 5.5.124 Invalid XOAUTH2 auth data", account())
    assert type(error) is Error and "5.5.124" in error.message


USE_THE_TOKEN = ("msmtp must send the token: the msmtprc account needs 'auth xoauth2' and "
                 "'passwordeval offlineimap-oauth token work', and no later 'auth on', 'auth "
                 "plain', 'auth login' or 'password' line overriding them (also not from "
                 "'defaults'); offlineimap needs auth_mechanisms = XOAUTH2 in its remote "
                 "repository.")
IMAP_SETTING = ("Outlook.com: Settings -> Mail -> Forwarding and IMAP -> 'Let devices and apps "
                "use IMAP'; Microsoft 365: the admin enables IMAP for the user (Microsoft 365 "
                "admin center -> Users -> Active users -> Mail -> Manage email apps)")


@pytest.mark.parametrize("said,kind,what,fix", [
    ("554 5.2.0 SendAsDeniedException", ConfigError,
     "Exchange refused to send as the message's From address: me@contoso.com may send only as "
     "itself or as addresses it has Send As rights for.",
     "Set 'from me@contoso.com' (or an address me@contoso.com may send as) in the msmtprc "
     "account, and send from that address in Gnus (user-mail-address or gnus-posting-styles)."),
    ("535 5.7.139 Authentication unsuccessful, basic authentication is disabled.", ConfigError,
     "The server received a password, not a token: basic authentication is disabled for "
     "me@contoso.com, so every password login is refused.", USE_THE_TOKEN),
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled.",
     ConfigError, "SMTP AUTH is disabled for me@contoso.com's mailbox (SmtpClientAuthentication).",
     "An admin must enable Authenticated SMTP: Microsoft 365 admin center -> Users -> Active "
     "users -> me@contoso.com -> Mail -> Manage email apps -> Authenticated SMTP (or for the "
     "whole organisation, Settings -> Org settings -> Modern authentication)."),
    ("504 5.7.4 Unrecognized authentication type", ConfigError,
     "The server was offered a password login (PLAIN/LOGIN), a method it does not accept for "
     "me@contoso.com.", USE_THE_TOKEN),
    ("NO LOGIN failed.", ConfigError,
     "The IMAP server got a password login (LOGIN), which Microsoft refuses.",
     "Set auth_mechanisms = XOAUTH2 and oauth2_access_token_eval in the remote repository of "
     "offlineimaprc (offlineimap-oauth convert writes both); Microsoft accepts no passwords."),
    ("BAD User is authenticated but not connected.", TryLater,
     "The server accepted the token for me@contoso.com but did not connect the mailbox.",
     "This often passes by itself: try again later. If it persists, IMAP may be switched off "
     "for the mailbox: " + IMAP_SETTING + "."),
    ("NO AccessTokenExpired", TryLater, "The server says the access token expired.",
     "Check the computer's clock; then run: offlineimap-oauth token work --refresh"),
    ("535 5.7.3 Authentication unsuccessful", LoginRequired,
     "The SMTP server refused the token for me@contoso.com: it belongs to another user, or "
     "lacks a permission the mailbox needs.",
     "Sign in again as me@contoso.com: offlineimap-oauth logout work && offlineimap-oauth login "
     "work (a private browser window avoids the browser's remembered account)."),
    ("530 5.7.57 Client not authenticated to send mail.", ConfigError,
     "The server got no login before sending: the client did not authenticate.",
     "In the msmtprc account set 'auth xoauth2', 'passwordeval offlineimap-oauth token work' "
     "and 'tls_starttls on'."),
    ("421 4.3.2 Service not available", TryLater,
     "The server refused for now: a temporary failure on its side.",
     "Try again later; nothing needs changing here."),
    ("NO AUTHENTICATE failed.", ConfigError,
     "The IMAP server refused the token for me@contoso.com.",
     "In order of likelihood: (1) the token is for another resource than Outlook: scopes in "
     "[account work] must be https://outlook.office.com/... ones (offlineimap-oauth check work "
     "shows the token's audience); (2) IMAP is switched off: " + IMAP_SETTING + "; (3) a stale "
     "token: offlineimap-oauth logout work && offlineimap-oauth login work."),
    ("501 5.5.124 Invalid XOAUTH2 auth data", Error,
     "The server refused: 501 5.5.124 Invalid XOAUTH2 auth data",
     "Run: offlineimap-oauth check work -v, and see README's troubleshooting."),
])
def test_each_refusal_says_exactly_what_happened_and_what_to_do(said, kind, what, fix):
    """The whole message and next step, as `check` prints them for [account work]."""
    error = refusal(said, account())
    assert (type(error), error.message, error.hint) == (kind, what, fix)


def test_the_rules_read_the_words_whatever_their_case_and_spacing():
    assert type(refusal("535  5.7.139\n  BASIC AUTHENTICATION is disabled", account())) \
        is ConfigError
    assert "received a password" in refusal("535 5.7.139 Basic Authentication is disabled",
                                            account()).message
    assert "no login before sending" in refusal("530 5.7.57 client", account()).message
    assert type(refusal("504 5.7.41 other", account())) is Error  # "5.7.4" as a whole code
    long = refusal("599 " + "x" * 300, account())
    assert long.message == "The server refused: 599 " + "x" * 196


def test_the_token_of_the_right_user_in_other_letters_is_the_servers_delay():
    error = refusal("BAD User is authenticated but not connected.", account(),
                    token_user="ME@Contoso.com")
    assert isinstance(error, TryLater)


def test_the_source_file_is_named_when_scopes_lack_smtp_send():
    error = refusal("535 5.7.3 Authentication unsuccessful",
                    account("https://outlook.office.com/IMAP.AccessAsUser.All"))
    assert error.message == ("The SMTP server refused the token for me@contoso.com: its scopes "
                             "lack SMTP.Send.")
    assert error.hint == ("Add https://outlook.office.com/SMTP.Send to scopes in [account work] "
                          "(/home/me/accounts.conf), then run: offlineimap-oauth login work")
    unnamed = refusal("535 5.7.3 x", accounts.parse(
        CONF + "scopes = https://outlook.office.com/IMAP.AccessAsUser.All\n", None)["work"])
    assert "[account work] (accounts.conf)," in unnamed.hint


GMAIL = """[account gmail]
provider = google
user = me@gmail.com
client_id = 1-abc.apps.googleusercontent.com
client_secret = GOCSPX-x
"""


@pytest.mark.parametrize("said,kind", [
    ("421 4.7.0 Try again later, closing connection. - gsmtp", TryLater),
    ("a1 NO [UNAVAILABLE] Temporary System Problem. Try again later.", TryLater),
    ("454 4.7.0 Too many login attempts, please try again later.", TryLater),
    ("a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", LoginRequired),
    ("535-5.7.8 Username and Password not accepted.", LoginRequired),
    ('{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}', LoginRequired),
    ("534-5.7.9 Application-specific password required.", Error),
    ("a1 NO [ALERT] Your account is not enabled for IMAP use. (Failure)", Error),
])
def test_gmails_refusals_get_their_category_from_the_words(said, kind):
    """Exit code of `check`: try later, log in again, or fix the setup."""
    from offlineimap_oauth.providers.google import explain

    gmail = accounts.parse(GMAIL)["gmail"]
    error = refusal(said, gmail)
    assert type(error) is kind
    # the words and the next step are Google's table's (test_google_explain.py)
    assert (error.message, error.hint) == explain.server_refusal(said, gmail)
