"""cached_token at its edges (issue 17: mutants that survived the suite)."""

from offlineimap_oauth import accounts
from offlineimap_oauth.hotpath import REFRESH_MARGIN_S, cached_token
from tests.unit.test_hotpath import NOW, account, entry, state

MIXED_CASE_ID = "ABCDEF12-3456-4789-8ABC-DEF012345678"  # registrations show it either way


def test_exactly_ten_minutes_left_is_still_served():
    hit = cached_token(state(entry("t", REFRESH_MARGIN_S)), account(), NOW)
    assert hit == ("t", NOW)  # handed out until now, exactly


def test_client_ids_compare_case_insensitively_both_ways():
    conf = "[account a]\nuser = me@example.com\nclient_id = %s\ntenant = organizations\n"
    for configured, stored in ((MIXED_CASE_ID, MIXED_CASE_ID.lower()),
                               (MIXED_CASE_ID.lower(), MIXED_CASE_ID)):
        acct = accounts.parse(conf % configured)["a"]
        good = dict(entry("t", 3000), client_id=stored)
        found = {"account": acct.binding(), "msal": {"AccessToken": {"0": good}}}
        assert cached_token(found, acct, NOW) == ("t", NOW + 3000 - REFRESH_MARGIN_S)


def test_a_store_without_access_tokens_serves_nothing():
    assert cached_token({"account": account().binding(), "msal": {}}, account(), NOW) is None
    assert cached_token({"account": account().binding()}, account(), NOW) is None


def test_a_useless_entry_first_does_not_hide_a_good_one_after_it():
    stale = entry("old", 10)
    other_client = entry("x", 3000, client_id="99999999-2222-3333-4444-555555555555")
    for first in (stale, other_client):
        assert cached_token(state(first, entry("good", 3000)), account(), NOW)[0] == "good"
