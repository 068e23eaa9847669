"""``status --json``: every account's login state as data, for scripts.

One record per account: name, user, provider, authority, client id, the
login state (``ok``, ``login required``, ``settings changed``), the access
token's expiry, the last renewal of the refresh token, and where it lives.
Never a token or a secret.  :func:`needs_login` tells whether any account
needs someone to run ``login``: ``status`` exits with EXIT_LOGIN_REQUIRED
then, so a timer or a shell prompt can ask.
"""

from __future__ import annotations

import time

from offlineimap_oauth.errors import Error
from offlineimap_oauth.hotpath import cached_token

LOGIN_OK = "ok"
LOGIN_REQUIRED = "login required"
SETTINGS_CHANGED = "settings changed"  # stored login made with another user, client, scopes


def record(account, store, now: float | None = None) -> dict:
    """The status of ``account`` as a JSON-ready dict."""
    now = time.time() if now is None else now
    problem = None
    try:
        state = store.load(account.name)
    except Error as error:  # a damaged token file: that account needs a login
        state, problem = None, error.message
    login, expires, renewed = _login_state(account, state, now)
    entry = {
        "name": account.name,
        "user": account.user,
        "provider": account.provider,
        "authority": getattr(account, "authority", None),  # Microsoft's
        "token_uri": getattr(account, "token_uri", None),  # Google's
        "client_id": account.client_id,
        "confidential": account.confidential,
        "login": login,
        "access_token_expires": _iso(expires),
        "last_renewal": _iso(renewed),
        "refresh_token_store": _where(account, state, store),
    }
    if account.provider == "google":
        from offlineimap_oauth.providers.google import cache

        entry["refresh_token_expires"] = _iso(cache.refresh_expires_on(state))  # 'Testing' apps
    else:
        del entry["token_uri"]
    if problem:
        entry["problem"] = problem
    return entry


def needs_login(records: list) -> bool:
    return any(entry["login"] != LOGIN_OK for entry in records)


def _where(account, state, store) -> dict:
    """Where the refresh token lives: the kind and the place, never the token."""
    from offlineimap_oauth import vault

    where = vault.record(state)
    if where["store"] == vault.GPG:
        import os

        return {"kind": "gpg", "path": os.path.join(store.directory, where.get("file", "")),
                "key": where.get("fingerprint") or where.get("key")}
    if where["store"] == vault.KEYRING:
        return {"kind": "keyring", "service": where.get("service"),
                "username": where.get("username")}
    return {"kind": "plain", "path": store.path(account.name)}


def _has_refresh_token(state) -> bool:
    return bool((state.get("msal") or {}).get("RefreshToken")
                or (state.get("google") or {}).get("refresh_token")
                or (state.get("vault") or {}).get("refresh_token"))  # gpg / keyring


def _login_state(account, state, now: float):
    if not state or not _has_refresh_token(state):
        return LOGIN_REQUIRED, None, None
    if state.get("account") != account.binding():
        return SETTINGS_CHANGED, None, None
    hit = cached_token(state, account, now, margin=0)
    return LOGIN_OK, hit[1] if hit else None, state.get("renewed_at")


def _iso(timestamp) -> str | None:
    if not timestamp:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
