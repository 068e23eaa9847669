"""accounts.conf keys of issue 14: token_store, gpg_key, plaintext_access_token."""

import pytest

from offlineimap_oauth import accounts, vault
from offlineimap_oauth.errors import ConfigError
from offlineimap_oauth.store import TokenStore

SECTION = """[account %s]
user = me@contoso.com
client_id = 33333333-3333-4333-8333-333333333333
tenant = organizations
"""


def test_plain_is_the_default_and_keeps_access_tokens_on_disk():
    account = accounts.parse(SECTION % "work")["work"]
    assert (account.token_store, account.gpg_key, account.plaintext_access_token) == \
        ("plain", None, True)
    assert vault.target(account) == {"store": "plain", "gpg_key": None,
                                     "plaintext_access_token": True}


def test_default_section_sets_it_once_for_all_and_an_account_overrides_it():
    text = "[DEFAULT]\ntoken_store = gpg\ngpg_key = me@example.com\n\n" + SECTION % "work" + \
        "\n" + SECTION % "home" + "token_store = keyring\nplaintext_access_token = no\n"
    loaded = accounts.parse(text)
    assert (loaded["work"].token_store, loaded["work"].gpg_key) == ("gpg", "me@example.com")
    assert (loaded["home"].token_store, loaded["home"].plaintext_access_token) == \
        ("keyring", False)


@pytest.mark.parametrize("extra, key, words", [
    ("token_store = vault\n", "token_store", "is not one of plain, gpg, keyring"),
    ("token_store = gpg\n", "gpg_key", "missing; token_store = gpg encrypts"),
    ("token_store = keyring\nplaintext_access_token = maybe\n", "plaintext_access_token",
     "is not yes or no"),
    ("plaintext_access_token = no\n", "plaintext_access_token", "needs token_store = gpg"),
])
def test_bad_values_name_file_line_section_and_key(extra, key, words):
    with pytest.raises(ConfigError) as caught:
        accounts.parse(SECTION % "work" + extra, "accounts.conf")
    problem = caught.value.problems[0]
    assert problem.startswith("accounts.conf:") and "[account work] %s" % key in problem
    assert words in problem


def test_a_save_without_settings_keeps_tokens_where_they_are(tmp_path):
    # plain -> plain; a stored gpg/keyring record is never downgraded to plaintext.
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        store.save("a", {"msal": {"RefreshToken": {"x": {"secret": "rt"}}}})
    assert store.load("a")["msal"]["RefreshToken"]
    assert vault._as_target({"store": "gpg", "key": "K", "access_tokens": "encrypted"}) == \
        {"store": "gpg", "gpg_key": "K", "plaintext_access_token": False}
