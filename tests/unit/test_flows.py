"""Login flow choice and reading what the user pasted."""

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.errors import LoginRequired
from offlineimap_oauth.providers.microsoft.flows import choose_flow, parse_pasted, should_open_browser

BASE = "[account a]\nuser = me@example.com\nclient_id = 11111111-2222-3333-4444-555555555555\ntenant = organizations\n"


def acct(extra=""):
    return accounts.parse(BASE + extra)["a"]


def test_pasted_url_bare_code_and_error():
    url = "https://login.microsoftonline.com/common/oauth2/nativeclient?code=M.C1_abc&state=xyz"
    assert parse_pasted(url + "\n", "xyz") == {"code": "M.C1_abc", "state": "xyz"}
    assert parse_pasted("  M.C1_abc \n", "s1") == {"code": "M.C1_abc", "state": "s1"}
    error = parse_pasted(url.split("?")[0] + "?error=access_denied&error_description=AADSTS65004&state=xyz", "xyz")
    assert error["error"] == "access_denied"


def test_nothing_or_no_code_pasted():
    with pytest.raises(LoginRequired, match="cancelled"):
        parse_pasted("", "s")
    with pytest.raises(LoginRequired, match="holds no code"):
        parse_pasted("https://example.com/?foo=bar", "s")


def test_auto_flow_choice():
    assert choose_flow(acct("client_secret = x\n"), environ={"DISPLAY": ":0"}) == "paste"
    assert choose_flow(acct(), environ={"DISPLAY": ":0"}) == "localhost"
    assert choose_flow(acct(), environ={"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}) == "device"
    assert choose_flow(acct(), environ={}) in ("device", "localhost")  # macOS has a screen
    assert choose_flow(acct("flow = device\n"), "paste", environ={}) == "paste"
    assert choose_flow(acct("flow = device\n"), environ={"DISPLAY": ":0"}) == "device"


def test_no_console_browser_takes_over_the_terminal(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    assert not should_open_browser({})  # over SSH or on a console: print the address only
    assert should_open_browser({"DISPLAY": ":0"})
    assert should_open_browser({"BROWSER": "firefox"})
