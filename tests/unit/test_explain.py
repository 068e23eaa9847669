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
