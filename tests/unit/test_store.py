"""The token store: modes, atomic replace, damaged files, leftovers."""

import json
import os
import stat

import pytest

from offlineimap_oauth.errors import LoginRequired
from offlineimap_oauth.store import TokenStore


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_directory_0700_and_file_0600_even_with_a_loose_umask(tmp_path):
    old = os.umask(0)
    try:
        store = TokenStore(str(tmp_path / "state"))
        with store.locked("a", timeout=5):
            store.save("a", {"msal": {}})
    finally:
        os.umask(old)
    assert mode(tmp_path / "state") == 0o700
    assert mode(store.path("a")) == 0o600
    assert mode(store.path("a") + ".lock") == 0o600


def test_existing_loose_directory_is_tightened(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    store = TokenStore(str(directory))
    with store.locked("a", timeout=5):
        store.save("a", {})
    assert mode(directory) == 0o700


def test_save_load_roundtrip_and_format(tmp_path):
    store = TokenStore(str(tmp_path))
    with store.locked("a", timeout=5):
        store.save("a", {"renewed_at": 5, "msal": {"AccessToken": {}}})
    assert store.load("a") == {"format": 1, "renewed_at": 5, "msal": {"AccessToken": {}}}
    assert store.load("other") is None


def test_damaged_file_asks_for_login(tmp_path):
    store = TokenStore(str(tmp_path))
    (tmp_path / "a.json").write_text("{half")
    with pytest.raises(LoginRequired, match="offlineimap-oauth login a"):
        store.load("a")


def test_leftover_temp_files_of_killed_writers_are_removed(tmp_path):
    store = TokenStore(str(tmp_path))
    leftover = tmp_path / ".a.json.x1y2.tmp"
    leftover.write_text("partial")
    other = tmp_path / ".b.json.zz.tmp"
    other.write_text("partial")
    with store.locked("a", timeout=5):
        store.save("a", {})
    assert not leftover.exists()
    assert other.exists()  # another account's writer may still be running


def test_delete_touches_only_that_account(tmp_path):
    store = TokenStore(str(tmp_path))
    for name in ("a", "b"):
        with store.locked(name, timeout=5):
            store.save(name, {"n": name})
    with store.locked("a", timeout=5):
        assert store.delete("a") is True
        assert store.delete("a") is False
    assert store.load("a") is None
    assert json.loads((tmp_path / "b.json").read_text())["n"] == "b"


def test_a_symlinked_file_keeps_its_link_and_gets_the_content(tmp_path):
    from offlineimap_oauth.atomic import replace_file

    target = tmp_path / "dotfiles" / "msmtprc"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / ".msmtprc"
    link.symlink_to(target)
    replace_file(str(link), b"new", 0o600)
    assert link.is_symlink() and target.read_text() == "new"
