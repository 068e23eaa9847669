"""safefs: the lock, replace's modes and failures, the private-directory checks.

Written against mutants that survived the suite (contrib/mutation-test):
each test pins a behaviour a user relies on.
"""

import errno
import os
import stat
import time

import pytest

from offlineimap_oauth import safefs
from offlineimap_oauth.errors import UnsafeStore

OTHER_UID = 4242


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_held_lock_is_refused_within_the_timeout_and_granted_once_free(tmp_path):
    path = str(tmp_path / "a.json.lock")
    holder = safefs.FileLock(path, timeout=1)
    assert holder.acquire() is True
    waiter = safefs.FileLock(path, timeout=0.5)
    started = time.monotonic()
    assert waiter.acquire() is False  # another descriptor holds it, even in this process
    assert 0.4 <= time.monotonic() - started < 3
    started = time.monotonic()
    assert safefs.FileLock(path, timeout=0).acquire() is False
    assert time.monotonic() - started < 0.9  # no wait with timeout 0
    holder.release()
    assert waiter.acquire() is True
    waiter.release()
    assert mode(path) == 0o600


def test_a_lock_file_of_another_user_or_not_a_file_is_refused(tmp_path):
    path = tmp_path / "a.json.lock"
    path.write_text("")
    os.chown(path, OTHER_UID, OTHER_UID)
    with pytest.raises(UnsafeStore, match="%s is not a plain file of yours" % path) as raised:
        safefs.FileLock(str(path), timeout=1).acquire()
    assert "(rm %s)" % path in str(raised.value)  # what to do
    path.unlink()
    os.mkfifo(path, 0o600)
    with pytest.raises(UnsafeStore, match="not a plain file"):
        safefs.FileLock(str(path), timeout=1).acquire()


def test_links_are_named_in_the_error(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("x")
    link = tmp_path / "a.json"
    link.symlink_to(victim)
    with pytest.raises(UnsafeStore) as raised:
        safefs.open_read(str(link))
    assert str(raised.value).startswith("%s is a symbolic link" % link)
    assert "rm %s" % link in str(raised.value)
    lock = tmp_path / "a.json.lock"
    lock.symlink_to(victim)
    with pytest.raises(UnsafeStore, match="^%s is a symbolic link" % lock):
        safefs.FileLock(str(lock), timeout=1).acquire()


@pytest.mark.parametrize("wanted", [0o600, 0o644, 0o640])
def test_replace_gives_the_file_exactly_its_mode_whatever_the_umask(tmp_path, wanted):
    for umask in (0o077, 0o000):
        old = os.umask(umask)
        try:
            safefs.replace(str(tmp_path / "f"), b"data", wanted)
        finally:
            os.umask(old)
        assert mode(tmp_path / "f") == wanted
        assert (tmp_path / "f").read_bytes() == b"data"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    target.write_bytes(b"old")

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        safefs.replace(str(target), b"new", 0o600)
    assert os.listdir(tmp_path) == ["a.json"] and target.read_bytes() == b"old"


def test_the_temp_file_is_made_beside_the_target(tmp_path, monkeypatch):
    made = []
    real_open = os.open

    def recording_open(path, flags, *args):
        if flags & os.O_CREAT and flags & os.O_EXCL:
            made.append(path)
            assert flags & safefs.NOFOLLOW  # never through a link
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "store").mkdir()
    safefs.replace(str(tmp_path / "store" / "a.json"), b"{}", 0o600)
    assert len(made) == 1 and os.path.dirname(made[0]) == str(tmp_path / "store")
    assert os.path.basename(made[0]).startswith(".a.json.") and made[0].endswith(".tmp")


def test_no_free_temporary_name_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "urandom", lambda n: b"\x07" * n)
    (tmp_path / (".a.json." + "07" * 6 + ".tmp")).write_text("someone else's")
    with pytest.raises(FileExistsError) as raised:
        safefs.replace(str(tmp_path / "a.json"), b"{}", 0o600)
    assert raised.value.errno == errno.EEXIST and raised.value.filename == str(tmp_path)
    assert not (tmp_path / "a.json").exists()


def test_a_private_directory_passes_and_the_others_name_their_fix(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir(mode=0o700)
    safefs.check_private_dir(str(directory))
    os.chmod(directory, 0o755)  # readable is not writable: store.py tightens it
    safefs.check_private_dir(str(directory))
    for loose in (0o720, 0o702, 0o777):
        os.chmod(directory, loose)
        with pytest.raises(UnsafeStore, match="mode %04o" % loose):
            safefs.check_private_dir(str(directory))
    os.chmod(directory, 0o700)
    os.chown(directory, OTHER_UID, os.getegid())
    with pytest.raises(UnsafeStore, match=r"belongs to user id %d, not to you \(%d\)"
                       % (OTHER_UID, os.geteuid())):
        safefs.check_private_dir(str(directory))


def test_replace_file_follows_a_dotfiles_link_and_gives_the_target_its_mode(tmp_path):
    from offlineimap_oauth.atomic import replace_file

    target = tmp_path / "dotfiles" / "offlineimaprc"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / ".offlineimaprc"
    link.symlink_to(target)
    old = os.umask(0o077)
    try:
        replace_file(str(link), b"new", 0o644)
    finally:
        os.umask(old)
    assert link.is_symlink() and target.read_text() == "new"
    assert mode(target) == 0o644


# The refusals tell the user what is wrong and the one thing to do; their
# whole text is the promise (STYLE.md: a message ends with the next step).

def test_a_store_of_another_user_is_refused_with_the_way_out_in_full(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    os.chown(directory, OTHER_UID, os.getegid())
    with pytest.raises(UnsafeStore) as raised:
        safefs.check_private_dir(str(directory))
    me = os.geteuid()
    assert raised.value.message == (
        "The token store %s belongs to user id %d, not to you (%d): its owner could read your "
        "tokens or plant links in it." % (directory, OTHER_UID, me))
    assert raised.value.hint == ("Move it aside (mv %s %s.suspect), then log in again to make "
                                 "a new one." % (directory, directory))


def test_a_store_others_may_write_is_refused_with_the_check_and_the_chmod_in_full(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir()
    os.chmod(directory, 0o1777)
    with pytest.raises(UnsafeStore) as raised:
        safefs.check_private_dir(str(directory))
    assert raised.value.message == (
        "The token store %s can be written by other users (mode 1777): anyone could have "
        "planted a file or link in it." % directory)
    assert raised.value.hint == ("Check that no file in it is a link you did not make, then: "
                                 "chmod 700 %s" % directory)


def test_a_link_is_refused_with_the_rm_in_full(tmp_path):
    link = tmp_path / "a.json"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafeStore) as raised:
        safefs.open_read(str(link))
    assert raised.value.message == (
        "%s is a symbolic link; the token store never follows one (it could make a save "
        "overwrite another of your files)." % link)
    assert raised.value.hint == ("Remove it if you did not make it (rm %s), then run the "
                                 "command again; a login may be needed." % link)
    with pytest.raises(UnsafeStore) as listed:
        safefs.check_no_links(str(tmp_path))
    assert str(listed.value) == str(raised.value)


def test_a_lock_file_that_is_not_ours_is_refused_with_the_rm_in_full(tmp_path):
    path = tmp_path / "a.json.lock"
    os.mkfifo(path, 0o600)
    with pytest.raises(UnsafeStore) as raised:
        safefs.FileLock(str(path), timeout=1).acquire()
    assert raised.value.message == "The lock file %s is not a plain file of yours." % path
    assert raised.value.hint == ("Remove it if you did not make it (rm %s), then run the "
                                 "command again." % path)
