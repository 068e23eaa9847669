"""TokenStore's lock and file format at their edges (mutation survivors, issue 17)."""

import json
import time

import pytest

from offlineimap_oauth import fastpath
from offlineimap_oauth.errors import LoginRequired, TryLater
from offlineimap_oauth.store import TokenStore


def test_a_held_lock_gives_up_after_the_timeout_with_the_message(tmp_path):
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        started = time.monotonic()
        with pytest.raises(TryLater) as raised:
            with store.locked("a", timeout=0.1):
                pass
        elapsed = time.monotonic() - started
    assert 0.1 <= elapsed < 0.9, elapsed  # it waited, but not the second a floor would add
    assert str(raised.value) == (
        "Another offlineimap-oauth process has held the token lock of 'a' for more than 0 s.\n"
        "Try again later; if it persists, look for a hung offlineimap-oauth process.")
    with store.locked("a", timeout=0.3):  # released when the holder's block ended
        pass


def test_an_error_inside_the_lock_propagates_and_releases_it(tmp_path):
    store = TokenStore(str(tmp_path))
    with pytest.raises(KeyError):
        with store.locked("a", timeout=5):
            raise KeyError("boom")
    with store.locked("a", timeout=0.3):
        pass


@pytest.mark.parametrize("text", ['{"format": 2, "msal": {}}', '[1, 2]', '{"msal": {}}', "7"])
def test_a_token_file_of_another_format_asks_for_a_login(tmp_path, text):
    (tmp_path / "a.json").write_text(text)
    with pytest.raises(LoginRequired) as raised:
        TokenStore(str(tmp_path)).load("a")
    assert str(raised.value) == ("The token file %s is damaged or from another version.\n"
                                 "Run: offlineimap-oauth login a" % (tmp_path / "a.json"))


def test_the_signature_read_is_the_one_the_sidecar_compares(tmp_path):
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        saved = store.save("a", {"msal": {}})
    state, signature = store.load_signed("a")
    assert signature == saved == fastpath.signature(store.path("a"))
    assert json.loads((tmp_path / "a.json").read_text()) == state == {"format": 1, "msal": {}}
