"""What the token store promises its callers, pinned whole (issue 17): the
message and next step of a missing, damaged or outdated login, that an error
inside the lock reaches the caller with the lock released, and which
signature a save hands to the fast path."""

import json
import time

import pytest

from offlineimap_oauth import fastpath
from offlineimap_oauth.errors import LoginRequired
from offlineimap_oauth.store import TokenStore, require_login


class Account:
    name, user = "work", "me@contoso.com"

    def __init__(self, **binding):
        self._binding = dict({"user": "me@contoso.com", "client_id": "c1", "scopes": "s"},
                             **binding)

    def binding(self):
        return self._binding


@pytest.mark.parametrize("state", [None, {}])
def test_no_stored_login_says_whose_and_how_to_log_in(state):
    with pytest.raises(LoginRequired) as caught:
        require_login(Account(), state)
    assert caught.value.message == "No token for me@contoso.com ([account work])."
    assert caught.value.hint == "Run: offlineimap-oauth login work"


def test_a_login_made_with_other_settings_names_each_changed_one():
    stored = {"account": Account().binding()}
    with pytest.raises(LoginRequired) as caught:
        require_login(Account(user="you@contoso.com", client_id="c2"), stored)
    assert caught.value.message == ("The stored login of [account work] was made with other "
                                    "settings (changed: client_id, user).")
    assert caught.value.hint == "Run: offlineimap-oauth login work"
    require_login(Account(), stored)  # the same settings: no complaint


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'{"format": 2}', b'"text"'])
def test_a_damaged_or_foreign_token_file_asks_for_a_login(tmp_path, data):
    store = TokenStore(str(tmp_path / "state"))
    with store.locked("work", timeout=5):
        store.save("work", {"msal": {}})
    with open(store.path("work"), "wb") as handle:
        handle.write(data)
    with pytest.raises(LoginRequired) as caught:
        store.load("work")
    assert caught.value.message == ("The token file %s is damaged or from another version."
                                    % store.path("work"))
    assert caught.value.hint == "Run: offlineimap-oauth login work"


def test_an_error_inside_the_lock_reaches_the_caller_and_the_lock_is_free(tmp_path):
    store = TokenStore(str(tmp_path / "state"))
    with pytest.raises(KeyError):
        with store.locked("work", timeout=5):
            raise KeyError("from inside")
    started = time.monotonic()
    with store.locked("work", timeout=5):
        pass
    assert time.monotonic() - started < 1


def test_a_plain_save_hands_the_new_files_signature_to_the_fast_path(tmp_path):
    store = TokenStore(str(tmp_path / "state"))
    with store.locked("work", timeout=5):
        signature = store.save("work", {"msal": {}})
    assert signature == fastpath.signature(store.path("work")) is not None
    assert json.loads(open(store.path("work"), encoding="utf-8").read())["format"] == 1
