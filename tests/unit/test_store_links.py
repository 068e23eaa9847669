"""The token store never follows a link it did not make (issue 16, item 4).

A state directory that was once writable by others may hold links planted
to make the next save overwrite another file, or a lock link that made
login fail with a traceback.  Each case: an UnsafeStore error (exit 3) that
names the path and what to do, and the file the link points at untouched.
"""

import os
import stat

import pytest

from offlineimap_oauth import fastpath, safefs
from offlineimap_oauth.cli import main
from offlineimap_oauth.errors import EXIT_CONFIG, UnsafeStore
from offlineimap_oauth.store import TokenStore

CONF = """[account a]
user = me@example.com
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
"""
OTHER_UID = 4242  # we run as root in CI: a directory of another user is made with chown


@pytest.fixture
def state(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("the user's own file\n")
    return directory, victim


def run_token(tmp_path, directory, monkeypatch, capsys):
    config = tmp_path / "accounts.conf"
    config.write_text(CONF)
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_CONFIG", str(config))
    monkeypatch.setenv("OFFLINEIMAP_OAUTH_STATE_DIR", str(directory))
    code = main(["token", "a"])
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err and "unexpected error" not in err
    return code, err


def test_a_planted_token_file_link_is_refused_and_its_target_kept(state):
    directory, victim = state
    (directory / "a.json").symlink_to(victim)
    store = TokenStore(str(directory))
    with pytest.raises(UnsafeStore, match="a.json is a symbolic link") as raised:
        with store.locked("a", timeout=5):
            store.save("a", {"msal": {}})
    assert "rm %s" % (directory / "a.json") in str(raised.value)
    assert victim.read_text() == "the user's own file\n"
    assert (directory / "a.json").is_symlink()


def test_reading_through_a_planted_link_is_refused(state):
    directory, victim = state
    victim.write_text('{"format": 1, "msal": {}}')  # someone else's tokens
    (directory / "a.json").symlink_to(victim)
    with pytest.raises(UnsafeStore, match="symbolic link"):
        TokenStore(str(directory)).load("a")


def test_a_planted_lock_link_is_an_error_with_a_message(state, tmp_path, monkeypatch, capsys):
    directory, victim = state
    lock = directory / "a.json.lock"
    lock.symlink_to(victim)
    code, err = run_token(tmp_path, directory, monkeypatch, capsys)
    assert code == EXIT_CONFIG
    assert "%s is a symbolic link" % lock in err and "rm %s" % lock in err
    assert victim.read_text() == "the user's own file\n"  # not truncated by the lock's open


def test_the_lock_itself_never_opens_through_a_link(state):
    directory, victim = state  # even with no directory scan before it
    lock = directory / "a.json.lock"
    lock.symlink_to(victim)
    with pytest.raises(UnsafeStore, match="symbolic link"):
        safefs.FileLock(str(lock), timeout=1).acquire()
    assert victim.read_text() == "the user's own file\n"


def test_a_directory_of_another_user_is_refused(state, tmp_path, monkeypatch, capsys):
    directory, _ = state
    os.chown(directory, OTHER_UID, OTHER_UID)
    store = TokenStore(str(directory))
    with pytest.raises(UnsafeStore, match="belongs to user id %d" % OTHER_UID) as raised:
        with store.locked("a", timeout=5):
            pass
    assert "mv %s %s.suspect" % (directory, directory) in str(raised.value)
    (directory / "a.json").write_text('{"format": 1, "msal": {}}')  # planted tokens
    with pytest.raises(UnsafeStore, match="belongs to user id"):
        store.load("a")
    code, err = run_token(tmp_path, directory, monkeypatch, capsys)
    assert code == EXIT_CONFIG and str(directory) in err


def test_a_world_writable_directory_is_refused_not_tightened(state):
    directory, _ = state
    os.chmod(directory, 0o777)
    with pytest.raises(UnsafeStore, match=r"mode 0777.*\n.*chmod 700 %s" % directory):
        with TokenStore(str(directory)).locked("a", timeout=5):
            pass
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o777  # the user decides, after a look


def test_any_link_in_the_directory_is_refused(state):
    directory, victim = state
    (directory / "b.json").symlink_to(victim)  # another account's file
    with pytest.raises(UnsafeStore, match="b.json is a symbolic link"):
        with TokenStore(str(directory)).locked("a", timeout=5):
            pass


def test_temp_files_are_created_exclusively_never_through_a_link(state, monkeypatch):
    directory, victim = state
    names = iter([b"\x00" * 6, b"\x01" * 6])
    monkeypatch.setattr(os, "urandom", lambda n: next(names))
    planted = directory / (".a.json." + "00" * 6 + ".tmp")
    planted.symlink_to(victim)  # the first name the writer will pick
    safefs.replace(str(directory / "a.json"), b"{}", 0o600)
    assert victim.read_text() == "the user's own file\n"
    assert (directory / "a.json").read_bytes() == b"{}"
    assert not (directory / (".a.json." + "01" * 6 + ".tmp")).exists()


def test_replace_puts_a_file_in_place_of_a_link_instead_of_writing_through_it(state):
    directory, victim = state
    (directory / "a.token").symlink_to(victim)
    safefs.replace(str(directory / "a.token"), b"new", 0o600)
    assert not (directory / "a.token").is_symlink()
    assert victim.read_text() == "the user's own file\n"


def test_the_sidecar_is_not_read_through_a_link_or_from_a_foreign_directory(state, tmp_path):
    directory, victim = state
    config = tmp_path / "accounts.conf"
    config.write_text(CONF)
    (directory / "a.json").write_text("{}")
    text = "\n".join([fastpath.MAGIC, str(config), fastpath.signature(str(config)),
                      fastpath.signature(str(directory / "a.json")), "99999999999", "TOKEN", ""])
    victim.write_text(text)
    args = (str(directory), "a", str(config), 1_000)
    (directory / "a.token").symlink_to(victim)
    assert fastpath.read(*args) is None
    (directory / "a.token").unlink()
    (directory / "a.token").write_text(text)
    assert fastpath.read(*args) == "TOKEN"  # the same content, as a plain file: served
    os.chmod(directory, 0o770)
    assert fastpath.read(*args) is None
    os.chmod(directory, 0o700)
    os.chown(directory, OTHER_UID, 0)
    assert fastpath.read(*args) is None
