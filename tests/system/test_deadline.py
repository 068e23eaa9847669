"""A hard 30 s deadline: whatever the identity platform does after accepting
the connection (never answer, trickle a byte at a time, hang up, 5xx), a
refresh by `token` or the offlineimap hook ends within 30 s of wall-clock
time with the try-later answer, including the discovery request.

Each fault gets its own simulated platform and token store, and all of them
run at once (the `token` processes in threads, the hook in this process):
the promise is about wall-clock time per caller, and waiting for each 28 s
give-up in turn would cost the suite a minute and a half."""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from offlineimap_oauth import offlineimap as hook
from offlineimap_oauth.errors import EXIT_TRY_LATER
from tests.fakes.idp import FakeIdentityPlatform
from tests.support import Cli, Platform
from tests.system.test_faults import stale_login, timed_token
from tests.system.test_offlineimap_hook import hook_env  # noqa: F401 - fixture

GIVE_UP_S = 30  # README: `token` never keeps msmtp waiting longer
EVERY_REQUEST = "/"  # discovery and token grant alike


def without_saved_discovery(cli):
    """A fresh machine: discovery is asked for again, under the same deadline."""
    (cli.state / "http_cache.json").unlink(missing_ok=True)


FAULTS = {
    "never answers": lambda idp: idp.hang(120, count=1000, path_contains=EVERY_REQUEST),
    "trickles a byte every 2 s": lambda idp: idp.trickle(2, count=1000,
                                                        path_contains=EVERY_REQUEST),
    "hangs up": lambda idp: idp.drop(count=1000, path_contains=EVERY_REQUEST),
}


@pytest.fixture
def faulty_clis(tmp_path, test_ca):
    """One CLI per fault, each with a stale login at its own simulated platform."""
    with ExitStack() as stack:
        clis = {}
        for number, fault in enumerate(sorted(FAULTS)):
            idp = stack.enter_context(FakeIdentityPlatform(test_ca))
            home = tmp_path / ("fault-%d" % number)
            home.mkdir()
            cli = Cli(home, Platform(idp), test_ca)
            stale_login(cli, idp)
            without_saved_discovery(cli)
            FAULTS[fault](idp)
            clis[fault] = cli
        yield clis


def test_token_and_the_hook_give_up_within_the_deadline(faulty_clis, cli, idp, hook_env):
    from offlineimap.error import OfflineImapError

    stale_login(cli, idp)
    idp.trickle(2, count=1000, path_contains=EVERY_REQUEST)
    with ThreadPoolExecutor(len(faulty_clis)) as pool:
        running = {fault: pool.submit(timed_token, each) for fault, each in faulty_clis.items()}
        started = time.monotonic()
        with pytest.raises(OfflineImapError) as raised:
            hook.access_token("outlook")
        hook_elapsed = time.monotonic() - started
        results = {fault: future.result() for fault, future in running.items()}
    assert hook_elapsed < GIVE_UP_S, "the hook gave up after %.1f s" % hook_elapsed
    assert "try again later" in str(raised.value).lower()
    for fault, (result, elapsed) in results.items():
        assert result.returncode == EXIT_TRY_LATER, (fault, result.stderr)
        assert result.stdout == "", fault
        assert "try again later" in result.stderr.lower(), (fault, result.stderr)
        assert elapsed < GIVE_UP_S, "%s: gave up after %.1f s" % (fault, elapsed)
