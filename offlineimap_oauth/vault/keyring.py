"""``token_store = keyring``: the secret part of the cache in the desktop's keyring.

Through the ``keyring`` library: the Secret Service (GNOME Keyring, KeePassXC,
KWallet 5.97+) on Linux, the Keychain on macOS.  One item per account,
service ``offlineimap-oauth`` and username the account name; writing it
replaces the item in one call (the Secret Service's CreateItem with
replace), so a reader sees the old secret or the new one.

Never hang a caller: a locked collection makes the Secret Service prompt,
which fails at once without a display; with a display the prompt waits for
the user, so every call runs in a worker thread abandoned at the deadline.
Backends that would write the secret to a plain file (keyrings.alt) are
refused: that would defeat the point.
"""

from __future__ import annotations

import threading
import time

from offlineimap_oauth.errors import ConfigError, Locked, LoginRequired, login_hint

SERVICE = "offlineimap-oauth"
KEYRING_TIMEOUT_S = 25  # without a deadline from the caller; the token path has 28 s in all
UNLOCK_HINT = ("Unlock the keyring (log in to the desktop session, or unlock the 'login' "
               "collection in Seahorse / KeePassXC; over SSH: `echo -n PASSWORD | "
               "gnome-keyring-daemon --unlock --replace`), then run the command again. "
               "A cached access token keeps being served until it expires.")


def service_name(store) -> str:
    """The item's service: ours, plus the store directory when it is not the default one."""
    import os

    from offlineimap_oauth import paths

    default = os.path.join(paths._xdg("XDG_STATE_HOME", ".local/state"), paths.APP_DIR)
    if os.path.abspath(store.directory) == os.path.abspath(default):
        return SERVICE
    return "%s:%s" % (SERVICE, os.path.abspath(store.directory))


def write(store, name: str, data: bytes, target: dict) -> dict:
    service = service_name(store)
    backend = _call(name, "store the tokens in", lambda kr: (kr.set_password(
        service, name, data.decode("utf-8")), _describe(kr))[1], None)
    return {"service": service, "username": name, "backend": backend}


def read(store, name: str, where: dict, deadline: float | None) -> bytes:
    service = where.get("service") or service_name(store)
    secret = _call(name, "read the tokens from",
                   lambda kr: kr.get_password(service, where.get("username") or name), deadline)
    if secret is None:
        raise LoginRequired("The keyring holds no tokens for [account %s] (item %s / %s "
                            "removed?)." % (name, service, where.get("username") or name),
                            hint=login_hint(name))
    return secret.encode("utf-8")


def delete(store, name: str, where: dict) -> bool:
    service = where.get("service") or service_name(store)

    def remove(kr):
        import keyring.errors

        try:
            kr.delete_password(service, where.get("username") or name)
            return True
        except keyring.errors.PasswordDeleteError:
            return False  # not there: nothing to forget

    return _call(name, "remove the tokens from", remove, None)


def _call(name: str, what: str, action, deadline: float | None):
    """``action(backend)`` in a worker thread; its errors become ours."""
    timeout = KEYRING_TIMEOUT_S if deadline is None else max(deadline - time.monotonic(), 1.0)
    outcome = {}

    def work():
        try:
            outcome["value"] = action(_backend(name))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="keyring", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise Locked("The keyring did not answer within %.0f s when asked to %s it for "
                     "[account %s] (an unlock prompt waiting?)." % (timeout, what, name),
                     hint=UNLOCK_HINT)
    if "error" in outcome:
        raise _translate(outcome["error"], name, what)
    return outcome.get("value")


def _backend(name: str):
    try:
        import keyring
    except ImportError:
        raise ConfigError("token_store = keyring needs the Python keyring library.",
                          hint="Install it: pip install 'offlineimap-oauth[keyring]' (Debian: "
                               "apt install python3-keyring), or set token_store = gpg.") from None
    backend = keyring.get_keyring()
    if not _acceptable(backend):
        raise Locked("No Secret Service or Keychain is reachable for [account %s] (keyring "
                     "found only %s)." % (name, _describe(backend)),
                     hint="Start the desktop's keyring (gnome-keyring-daemon, KeePassXC's "
                          "Secret Service) in this session, e.g. run the command from the "
                          "desktop session, not cron or SSH; or set token_store = gpg.")
    return backend


def _acceptable(backend) -> bool:
    """A recommended backend that keeps secrets encrypted (not keyrings.alt's files)."""
    members = getattr(backend, "backends", None) or [backend]
    try:
        return backend.priority >= 1 and all(
            not type(member).__module__.startswith("keyrings.alt") for member in members)
    except Exception:  # noqa: BLE001 - a backend whose priority check fails is not viable
        return False


def _describe(backend) -> str:
    return type(backend).__module__.rsplit(".", 1)[-1] if backend is not None else "none"


def _translate(error, name: str, what: str):
    from offlineimap_oauth.errors import Error

    if isinstance(error, Error):
        return error
    import keyring.errors

    kind = type(error).__name__
    if isinstance(error, keyring.errors.KeyringLocked):
        message = "The keyring is locked, so offlineimap-oauth cannot %s it for [account %s]."
    elif isinstance(error, (keyring.errors.NoKeyringError, keyring.errors.InitError)):
        message = "No usable keyring to %s for [account %s] (" + kind + ")."
    else:
        message = "The keyring failed when asked to %s it for [account %s] (" + kind + ")."
    return Locked(message % (what, name), hint=UNLOCK_HINT)
