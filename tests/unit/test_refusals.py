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
    assert "boss@contoso.com" in error.message and "login work" in error.hint


def test_535_names_pop_only_when_the_scopes_lack_it():
    full = refusal("535 5.7.3 Authentication unsuccessful", account())
    assert "POP" not in full.hint
    no_pop = refusal("535 5.7.3 Authentication unsuccessful", account(
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"))
    assert "POP.AccessAsUser.All" in no_pop.hint
    no_send = refusal("535 5.7.3 Authentication unsuccessful",
                      account("https://outlook.office.com/IMAP.AccessAsUser.All"))
    assert isinstance(no_send, ConfigError) and "SMTP.Send" in no_send.hint


def test_unknown_refusal_is_generic_and_keeps_the_text():
    error = refusal("501 5.5.124 Invalid XOAUTH2 auth data", account())
    assert type(error) is Error and "5.5.124" in error.message
