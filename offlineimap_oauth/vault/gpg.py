"""``token_store = gpg``: the secret part of the cache in ``NAME.json.gpg``.

Runs the ``gpg`` program (GnuPG 2.1+) directly, as ``pass`` and Emacs's
EasyPG do: encrypting needs only the public key (never a prompt), and
decrypting goes through gpg-agent, which asks for the passphrase with the
user's pinentry, or not at all when it has it cached.

Never hang a caller without a terminal (msmtp, offlineimap under a timer):
gpg gets no terminal unless ours is one (GPG_TTY is dropped otherwise, so a
curses pinentry fails at once instead of drawing on some other terminal), and
it is killed at the deadline whatever pinentry does.  A graphical pinentry
still prompts as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from offlineimap_oauth.errors import ConfigError, Locked, LoginRequired, login_hint

FILE_MODE = 0o600
GPG_TIMEOUT_S = 25  # without a deadline from the caller; the token path has 28 s in all
INTERACTIVE_UNLOCK_S = 120  # a person typing a passphrase in a terminal pinentry
STATUS = "[GNUPG:] "


def write(store, name: str, data: bytes, target: dict) -> dict:
    """Encrypt ``data`` to ``target['gpg_key']`` into NAME.json.gpg; returns the vault record."""
    from offlineimap_oauth.safefs import replace
    from offlineimap_oauth.vault import gpg_path

    key = target.get("gpg_key")
    if not key:
        raise ConfigError("[account %s] has token_store = gpg but no gpg_key." % name,
                          hint="Add gpg_key = YOUR KEY ID (or mail address) to the account.")
    # --trust-model always: the recipient is named in the user's own accounts.conf,
    # which is as trusted as the key itself; an own key imported without
    # ultimate trust would otherwise make batch encryption fail.
    # --auto-key-locate local: never look a recipient up on the network (WKD).
    result = _gpg(["--trust-model", "always", "--auto-key-locate", "local", "--encrypt",
                   "--recipient", key, "--output", "-"], data, GPG_TIMEOUT_S, interactive=False)
    if result.returncode != 0 or not result.stdout:
        raise ConfigError("gpg cannot encrypt the tokens of [account %s] to gpg_key %s: %s"
                          % (name, key, _said(result)),
                          hint="Check the key: gpg --list-keys %s (it must be there, valid and "
                               "able to encrypt), or fix gpg_key in accounts.conf." % key)
    replace(gpg_path(store, name), result.stdout, FILE_MODE)  # never through a link
    fingerprint = _status_field(result, "KEY_CONSIDERED")
    return {"key": key, "fingerprint": fingerprint, "file": os.path.basename(gpg_path(store, name))}


def read(store, name: str, where: dict, deadline: float | None) -> bytes:
    """Decrypt NAME.json.gpg through gpg-agent, within the deadline."""
    from offlineimap_oauth.vault import gpg_path

    path = gpg_path(store, name)
    if not os.path.exists(path):
        raise LoginRequired("The encrypted token file %s of [account %s] is missing." % (path, name),
                            hint=login_hint(name))
    interactive = _has_terminal()
    timeout = INTERACTIVE_UNLOCK_S if interactive else (
        GPG_TIMEOUT_S if deadline is None else max(deadline - time.monotonic(), 1.0))
    result = _gpg(["--decrypt", path], None, timeout, interactive)
    if result.returncode == 0:
        return result.stdout
    raise _decrypt_error(name, where, result)


def _decrypt_error(name: str, where: dict, result):
    key = where.get("fingerprint") or where.get("key") or "your key"
    statuses = _statuses(result)
    if "NODATA" in statuses or "BADARMOR" in statuses:
        return LoginRequired("The encrypted token file of [account %s] is damaged (%s)."
                             % (name, _said(result)), hint=login_hint(name))
    if "NO_SECKEY" in statuses and "PINENTRY_LAUNCHED" not in statuses:
        return ConfigError("gpg has no secret key to decrypt the tokens of [account %s] "
                           "(encrypted to %s)." % (name, key),
                           hint="Import that secret key (gpg --import), or log in again after "
                                "changing gpg_key: offlineimap-oauth login %s" % name)
    return Locked("gpg-agent could not decrypt the refresh token of [account %s] (key %s) "
                  "without you: %s. A cached access token keeps being served until it "
                  "expires." % (name, key, _said(result)),
                  hint="Unlock: run `offlineimap-oauth token %s` once in a terminal (gpg-agent "
                       "then caches the passphrase), use a graphical pinentry, or preset the "
                       "passphrase with gpg-preset-passphrase." % name)


def _gpg(arguments: list, data, timeout: float, interactive: bool):
    import shutil

    program = shutil.which("gpg")
    if program is None:
        raise ConfigError("token_store = gpg needs GnuPG's gpg program, which is not on PATH.",
                          hint="Install GnuPG (Debian: apt install gnupg), or set token_store "
                               "= plain or keyring in accounts.conf.")
    env = dict(os.environ)
    if interactive:
        env.setdefault("GPG_TTY", os.ttyname(sys.stdin.fileno()))
    else:
        env.pop("GPG_TTY", None)  # no terminal of ours: pinentry must not use another
    command = [program, "--batch", "--quiet", "--no-tty", "--status-fd", "2"] + arguments
    feed = {"input": data} if data is not None else {"stdin": subprocess.DEVNULL}
    try:
        return subprocess.run(command, capture_output=True, env=env, timeout=timeout, **feed)
    except subprocess.TimeoutExpired:
        raise Locked("gpg did not finish within %.0f s (a pinentry waiting for a passphrase?)."
                     % timeout,
                     hint="Unlock gpg-agent: run the same command once in a terminal, or "
                          "answer the pinentry; a cached access token is served meanwhile.") \
            from None


def _has_terminal() -> bool:
    try:
        return sys.stdin is not None and os.isatty(sys.stdin.fileno())
    except (OSError, ValueError):
        return False


def _statuses(result) -> set:
    return {line[len(STATUS):].split(" ", 1)[0]
            for line in result.stderr.decode("utf-8", "replace").splitlines()
            if line.startswith(STATUS)}


def _status_field(result, keyword: str):
    for line in result.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith(STATUS + keyword + " "):
            return line.split()[2]
    return None


def _said(result) -> str:
    """gpg's last human message (never data: gpg prints no plaintext on stderr)."""
    lines = [line for line in result.stderr.decode("utf-8", "replace").splitlines()
             if line.startswith("gpg: ")]
    return lines[-1][5:] if lines else "exit status %d" % result.returncode
