"""A hard 30 s deadline: whatever the identity platform does after accepting
the connection (never answer, trickle a byte at a time, hang up, 5xx), a
refresh by `token` or the offlineimap hook ends within 30 s of wall-clock
time with the try-later answer, including the discovery request."""

import time

import pytest

from offlineimap_oauth import offlineimap as hook
from offlineimap_oauth.errors import EXIT_TRY_LATER
from tests.system.test_faults import stale_login
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


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_token_gives_up_within_the_deadline(cli, idp, fault):
    stale_login(cli, idp)
    without_saved_discovery(cli)
    FAULTS[fault](idp)
    started = time.monotonic()
    result = cli.token("outlook")
    elapsed = time.monotonic() - started
    assert result.returncode == EXIT_TRY_LATER, result.stderr
    assert result.stdout == ""
    assert "try again later" in result.stderr.lower()
    assert elapsed < GIVE_UP_S, "gave up after %.1f s" % elapsed


def test_offlineimap_hook_gives_up_within_the_deadline(cli, idp, hook_env):
    from offlineimap.error import OfflineImapError

    stale_login(cli, idp)
    idp.trickle(2, count=1000, path_contains=EVERY_REQUEST)
    started = time.monotonic()
    with pytest.raises(OfflineImapError) as raised:
        hook.access_token("outlook")
    assert time.monotonic() - started < GIVE_UP_S
    assert "try again later" in str(raised.value).lower()
