"""Fixtures shared by every test layer.

Test layers (STYLE.md): ``unit`` tests one function or class with no
sockets; ``system`` runs the CLI through ``main(argv)`` or a subprocess
against the simulated identity platform with temp files; ``e2e`` drives the
real Dovecot, msmtp, offlineimap and Emacs.

Every test runs with its own HOME, GNUPGHOME and XDG directories (the
``own_home`` autouse fixture): nothing a test or a tool it starts (gpg,
Emacs, offlineimap) writes lands in the real home directory.
"""

import os
import subprocess

import pytest

from tests.fakes.fixtures import *  # noqa: F401,F403 - test_ca, idp, ca_env
from tests.support import Cli, Platform


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    """A private HOME (with GNUPGHOME and XDG_* inside it) for each test."""
    home = tmp_path_factory.mktemp("home")
    places = {"HOME": home, "GNUPGHOME": home / ".gnupg", "XDG_CONFIG_HOME": home / ".config",
              "XDG_STATE_HOME": home / ".local" / "state", "XDG_CACHE_HOME": home / ".cache",
              "XDG_DATA_HOME": home / ".local" / "share"}
    for variable, path in places.items():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(path))
    for variable in ("OFFLINEIMAP_OAUTH_CONFIG", "OFFLINEIMAP_OAUTH_STATE_DIR"):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def notices(monkeypatch):
    """The notice commands started (notify.py), waited for after the test.

    notify.py starts its watchdog and does not wait; a child left to exit
    later would be reaped by a mutation tool's os.wait() as one of its own.
    """
    from offlineimap_oauth import notify

    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(notify.subprocess, "Popen", Recorded)
    yield started
    for process in started:
        process.wait(timeout=30)


@pytest.fixture
def platform(idp):
    """The simulated platform with the seed's apps and users registered."""
    return Platform(idp)


@pytest.fixture
def cli(tmp_path, platform, test_ca):
    """The CLI with a private accounts.conf (both accounts) and token store."""
    return Cli(tmp_path, platform, test_ca)


# Property tests in CI use a fixed sequence of examples (derandomize): a
# landing must not depend on luck.  Elsewhere each run explores new examples.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
    _hypothesis_settings.load_profile("ci")
