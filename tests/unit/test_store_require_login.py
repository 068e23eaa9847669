"""store.require_login, the one check of a stored login for both providers,
pinned whole (issue 17): the message and next step of a missing login and of
one made with other settings.  The lock and the file format at their edges:
test_store_lock.py."""

import pytest

from offlineimap_oauth.errors import LoginRequired
from offlineimap_oauth.store import require_login


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
