"""status lines: expiry, renewal age warning, never a secret."""

from offlineimap_oauth import accounts
from offlineimap_oauth.status import describe
from offlineimap_oauth.store import TokenStore

CONF = """[account a]
user = me@example.com
client_id = 11111111-2222-3333-4444-555555555555
client_secret = very-secret-value
tenant = organizations
"""
NOW = 1_800_000_000
DAY = 86400


def saved(tmp_path, renewed_at, expires_in=3600):
    account = accounts.parse(CONF)["a"]
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        store.save("a", {"account": account.binding(), "renewed_at": renewed_at, "msal": {
            "AccessToken": {"k": {"secret": "access-secret", "client_id": account.client_id,
                                  "expires_on": str(NOW + expires_in),
                                  "target": " ".join(account.scopes)}},
            "RefreshToken": {"r": {"secret": "refresh-secret"}}}})
    return account, store


def test_fresh_login(tmp_path):
    account, store = saved(tmp_path, NOW - DAY)
    text = "\n".join(describe(account, store, now=NOW))
    assert "confidential (client secret)" in text
    assert "valid until" in text and "(60 min left)" in text
    assert "(1 days ago)" in text and "WARNING" not in text
    for secret in ("very-secret-value", "access-secret", "refresh-secret"):
        assert secret not in text


def test_renewal_older_than_60_days_is_warned_about(tmp_path):
    account, store = saved(tmp_path, NOW - 61 * DAY, expires_in=-10)
    text = "\n".join(describe(account, store, now=NOW))
    assert "(61 days ago)" in text and "WARNING" in text and "90 days" in text
    assert "expired (the next token request refreshes it)" in text
