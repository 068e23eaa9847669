"""Fixtures shared by every test layer.

Test layers (STYLE.md): ``unit`` tests one function or class with no
sockets; ``system`` runs the CLI through ``main(argv)`` or a subprocess
against the simulated identity platform with temp files; ``e2e`` drives the
real Dovecot, msmtp, offlineimap and Emacs.
"""

from tests.fakes.fixtures import *  # noqa: F401,F403 - test_ca, idp, ca_env
