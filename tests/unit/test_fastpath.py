"""The sidecar (fastpath.py) in-process: what it serves, what it refuses, what it writes.

`token` uses it from a subprocess in the system tests; these pin each rule
where a mutation tool can see it (contrib/mutation-test).
"""

import os
import stat

import pytest

from offlineimap_oauth import fastpath

NOW = 1_800_000_000
MARGIN = 600
FRESH_UNTIL = NOW + 3600 - MARGIN  # an hour-long token, handed out until 10 minutes are left


@pytest.fixture
def files(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    config = tmp_path / "accounts.conf"
    config.write_text("[account a]\n")
    (state / "a.json").write_text("{}")
    return str(state), str(config)


def write(state, config, token="TOKEN", fresh_until=FRESH_UNTIL, useful_until=NOW + 1,
          store_signature=None):
    fastpath.write(state, "a", config, fastpath.signature(config),
                   store_signature or fastpath.signature(os.path.join(state, "a.json")),
                   token, fresh_until, useful_until)


def test_a_written_sidecar_is_served_until_the_margin_and_is_private(files):
    state, config = files
    write(state, config)
    path = fastpath.sidecar_path(state, "a")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert fastpath.read(state, "a", config, NOW) == "TOKEN"
    assert fastpath.read(state, "a", config, FRESH_UNTIL) == "TOKEN"  # exactly
    assert fastpath.read(state, "a", config, FRESH_UNTIL + 1) is None
    assert fastpath.read(state, "a", config, NOW + 7200) is None  # expired


def test_any_change_of_either_file_retires_the_sidecar(files):
    state, config = files
    write(state, config)
    with open(config, "a") as handle:
        handle.write("user = x@example.com\n")
    assert fastpath.read(state, "a", config, NOW) is None
    write(state, config)
    os.replace(os.path.join(state, "a.json"), os.path.join(state, "b"))
    with open(os.path.join(state, "a.json"), "w") as handle:
        handle.write("{}")
    assert fastpath.read(state, "a", config, NOW) is None


def test_another_accounts_file_or_a_damaged_sidecar_is_not_served(files, tmp_path):
    state, config = files
    write(state, config)
    other = tmp_path / "other.conf"
    other.write_text("[account a]\n")
    assert fastpath.read(state, "a", str(other), NOW) is None
    path = fastpath.sidecar_path(state, "a")
    good = open(path).read()
    for damaged in (good.replace(fastpath.MAGIC, "offlineimap-oauth fast token 0"),
                    good + "extra\n", good.rsplit("\n", 2)[0] + "\n",
                    good.replace(str(FRESH_UNTIL), "soon")):
        with open(path, "w") as handle:
            handle.write(damaged)
        assert fastpath.read(state, "a", config, NOW) is None, damaged


def test_a_directory_others_may_enter_but_not_write_is_fine(files):
    state, config = files
    write(state, config)
    os.chmod(state, 0o711)
    assert fastpath.read(state, "a", config, NOW) == "TOKEN"
    os.chmod(state, 0o730)
    assert fastpath.read(state, "a", config, NOW) is None


def test_nothing_is_written_that_no_state_stands_behind(files, tmp_path):
    state, config = files
    path = fastpath.sidecar_path(state, "a")
    write(state, config, fresh_until=NOW - 300)  # inside its margin already
    assert not os.path.exists(path)
    write(state, config, store_signature="1:2:3")  # the token file moved on meanwhile
    assert not os.path.exists(path)
    # An accounts file path with a newline could never be read back: no token on disk for it.
    fastpath.write(state, "a", config + "\nx", fastpath.signature(config),
                   fastpath.signature(os.path.join(state, "a.json")), "T", NOW + 3600, NOW)
    assert not os.path.exists(path)
    fastpath.write(state, "a", config, "", fastpath.signature(os.path.join(state, "a.json")),
                   "T", NOW + 3600, NOW)
    assert not os.path.exists(path)
    fastpath.write(str(tmp_path / "gone"), "a", config, fastpath.signature(config), "1:2:3",
                   "T", NOW + 3600, NOW)  # best effort: no exception
    write(state, config, fresh_until=NOW + 3600, useful_until=NOW + 3600)  # exactly: written
    assert fastpath.read(state, "a", config, NOW) == "TOKEN"


def test_remove_forgets_the_sidecar_and_tolerates_none(files):
    state, config = files
    write(state, config)
    fastpath.remove(state, "a")
    assert not os.path.exists(fastpath.sidecar_path(state, "a"))
    fastpath.remove(state, "a")
    assert os.listdir(state) == ["a.json"]
