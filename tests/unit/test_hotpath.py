"""Picking a cached access token from MSAL's cache format without MSAL."""

from offlineimap_oauth import accounts
from offlineimap_oauth.hotpath import REFRESH_MARGIN_S, cached_token

CONF = """[account a]
user = me@example.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
"""
NOW = 1_800_000_000


def account():
    return accounts.parse(CONF)["a"]


def state(*entries, binding=None):
    acct = account()
    return {
        "account": binding or acct.binding(),
        "msal": {"AccessToken": {str(i): entry for i, entry in enumerate(entries)}},
    }


def entry(secret, expires_in, target=None, client_id="11111111-2222-3333-4444-555555555555"):
    return {
        "secret": secret,
        "client_id": client_id,
        "expires_on": str(NOW + expires_in),
        "target": target or " ".join(accounts.DEFAULT_SCOPES),
        "credential_type": "AccessToken",
    }


def test_serves_token_with_margin_left_and_prefers_the_longest():
    hit = cached_token(state(entry("old", 700), entry("new", 3000)), account(), NOW)
    assert hit == ("new", NOW + 3000)


def test_token_inside_the_margin_is_not_served():
    assert cached_token(state(entry("t", REFRESH_MARGIN_S - 1)), account(), NOW) is None


def test_scopes_must_be_covered_case_insensitively():
    lower = " ".join(s.lower() for s in accounts.DEFAULT_SCOPES)
    assert cached_token(state(entry("t", 3000, target=lower)), account(), NOW)
    partial = "https://outlook.office.com/IMAP.AccessAsUser.All"
    assert cached_token(state(entry("t", 3000, target=partial)), account(), NOW) is None


def test_other_client_or_changed_settings_are_not_served():
    other = entry("t", 3000, client_id="99999999-2222-3333-4444-555555555555")
    assert cached_token(state(other), account(), NOW) is None
    changed = dict(account().binding(), user="someone@example.com")
    assert cached_token(state(entry("t", 3000), binding=changed), account(), NOW) is None


def test_garbage_entries_are_skipped():
    broken = {"secret": "x", "expires_on": "soon"}
    assert cached_token(state(broken, entry("ok", 3000)), account(), NOW)[0] == "ok"
    assert cached_token(None, account(), NOW) is None
