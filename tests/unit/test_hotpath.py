"""Picking a cached access token from MSAL's cache format without MSAL."""

from offlineimap_oauth import accounts
from offlineimap_oauth.hotpath import (MIN_REFRESH_MARGIN_S, REFRESH_MARGIN_S, cached_token,
                                      margin_for)

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


def entry(secret, expires_in, target=None, client_id="11111111-2222-3333-4444-555555555555",
          lifetime=None):
    extra = {} if lifetime is None else {"cached_at": str(NOW + expires_in - lifetime)}
    return {**extra,
        "secret": secret,
        "client_id": client_id,
        "expires_on": str(NOW + expires_in),
        "target": target or " ".join(accounts.DEFAULT_SCOPES),
        "credential_type": "AccessToken",
    }


def test_serves_token_with_margin_left_and_prefers_the_longest():
    hit = cached_token(state(entry("old", 700), entry("new", 3000)), account(), NOW)
    assert hit == ("new", NOW + 3000 - REFRESH_MARGIN_S)  # handed out until the margin


def test_token_inside_the_margin_is_not_served():
    assert cached_token(state(entry("t", REFRESH_MARGIN_S - 1)), account(), NOW) is None


def test_hour_long_tokens_keep_the_ten_minute_margin():
    assert margin_for(3600) == REFRESH_MARGIN_S
    assert cached_token(state(entry("t", 599, lifetime=3600)), account(), NOW) is None
    assert cached_token(state(entry("t", 601, lifetime=3600)), account(), NOW)


def test_short_lived_tokens_get_a_margin_in_proportion():
    # A 10-minute token (an organisation's token lifetime policy) served at
    # 8 minutes left: a fixed 10-minute margin would refresh on every call.
    hit = cached_token(state(entry("t", 480, lifetime=600)), account(), NOW)
    assert hit == ("t", NOW + 480 - 300)
    assert cached_token(state(entry("t", 299, lifetime=600)), account(), NOW) is None
    assert margin_for(900) == 450
    # Never under MSAL's own 5 minutes.
    assert margin_for(300) == MIN_REFRESH_MARGIN_S


def test_an_explicit_margin_wins():
    assert cached_token(state(entry("t", 100, lifetime=600)), account(), NOW, margin=0) == \
        ("t", NOW + 100)


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
