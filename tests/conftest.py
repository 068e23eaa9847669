"""Fixtures shared by every test layer.

Test layers (STYLE.md): ``unit`` tests one function or class with no
sockets; ``system`` runs the CLI through ``main(argv)`` or a subprocess
against the simulated identity platform with temp files; ``e2e`` drives the
real Dovecot, msmtp, offlineimap and Emacs.
"""

import pytest

from tests.fakes.fixtures import *  # noqa: F401,F403 - test_ca, idp, ca_env
from tests.support import Cli, Platform


@pytest.fixture
def platform(idp):
    """The simulated platform with the seed's apps and users registered."""
    return Platform(idp)


@pytest.fixture
def cli(tmp_path, platform, test_ca):
    """The CLI with a private accounts.conf (both accounts) and token store."""
    return Cli(tmp_path, platform, test_ca)
