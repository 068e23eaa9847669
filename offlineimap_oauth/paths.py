"""Where the accounts file and the token store live (XDG base directories).

Plain ``os.path`` strings and no third-party imports: the token hot path
uses this module, and pathlib alone costs more than the rest of that path.
"""

from __future__ import annotations

import os

APP_DIR = "offlineimap-oauth"
CONFIG_ENV = "OFFLINEIMAP_OAUTH_CONFIG"
STATE_ENV = "OFFLINEIMAP_OAUTH_STATE_DIR"  # overrides the store location (tests, several setups)


def _xdg(variable: str, fallback: str) -> str:
    # The XDG spec says relative values are invalid and must be ignored.
    value = os.environ.get(variable, "")
    if value and os.path.isabs(value):
        return value
    return os.path.join(os.path.expanduser("~"), fallback)


def config_path(explicit: str | None = None) -> str:
    """The accounts file: ``--config`` -> $OFFLINEIMAP_OAUTH_CONFIG -> XDG."""
    # Absolute, because it is written into msmtprc and the pythonfile, which
    # run from other directories.
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return os.path.abspath(os.path.expanduser(from_env))
    return os.path.join(_xdg("XDG_CONFIG_HOME", ".config"), APP_DIR, "accounts.conf")


def state_dir() -> str:
    """The token store directory: $OFFLINEIMAP_OAUTH_STATE_DIR -> XDG state."""
    from_env = os.environ.get(STATE_ENV)
    if from_env:
        return os.path.expanduser(from_env)
    return os.path.join(_xdg("XDG_STATE_HOME", ".local/state"), APP_DIR)
