"""Runs ``client_secret_command`` (e.g. ``pass show azure/mail``) for the secret.

Only the refresh and login paths call this: a cached access token is served
without the secret.
"""

from __future__ import annotations

import subprocess

from offlineimap_oauth.errors import ConfigError

SECRET_COMMAND_TIMEOUT_S = 60  # long enough for a gpg-agent pinentry, short enough for msmtp


def client_secret_value(account) -> str | None:
    """``account.client_secret``, else what its ``client_secret_command`` prints, else None."""
    if account.client_secret:
        return account.client_secret
    if not account.client_secret_command:
        return None
    return run_secret_command(account.client_secret_command, account.name)


def run_secret_command(command: str, account_name: str) -> str:
    """The first line the command prints; a ConfigError if it fails or prints nothing."""
    where = "[account %s] client_secret_command" % account_name
    try:
        done = subprocess.run(command, shell=True, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=SECRET_COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ConfigError("%s did not finish within %d s." % (where, SECRET_COMMAND_TIMEOUT_S),
                          hint="Run the command by hand to see what it waits for "
                               "(a pinentry needs a terminal or a running gpg-agent).") from None
    # Only stderr is shown: stdout is the secret.
    stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()[:3]
    if done.returncode != 0:
        raise ConfigError("%s failed with exit status %d." % (where, done.returncode),
                          problems=stderr, hint="Run the command by hand and fix it.")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError("%s printed nothing." % where,
                          hint="It must print the client secret value on its first line.")
    return lines[0].strip()
