"""A Google account's stored tokens, read and written without Google's libraries.

The account's state in the token store (``store.py``) is::

    {"account": binding, "renewed_at": T, "login_at": T,
     "google": {"refresh_token": "1//...", "access_token": "ya29...",
                "issued_at": T, "expires_on": T, "scope": "https://mail.google.com/"}}

``cached_token(state, account, now)`` is the hot path's half: it answers
``(token, fresh_until)`` (the same shape as ``hotpath.cached_token``) from
this dict alone, importing nothing beyond the standard library.
``stored_state`` builds the dict after a login or a refresh.

Stdlib only: the hot path imports this module.
"""

from __future__ import annotations

from offlineimap_oauth.hotpath import margin_for  # noqa: F401 - the one margin rule


def cached_token(state, account, now: float, margin=None):
    """(access token, fresh_until) when the stored token may still be handed out, else None.

    ``fresh_until`` is its expiry less ``margin`` (by default ``margin_for``
    its issued lifetime).  Tokens stored for other settings (another user,
    client, token host or scopes, or another provider) never serve.
    """
    if not state or state.get("account") != account.binding():
        return None
    entry = state.get("google")
    if not isinstance(entry, dict):
        return None
    try:
        token = entry["access_token"]
        expires_on = int(entry["expires_on"])
        lifetime = expires_on - int(entry.get("issued_at") or 0) if entry.get("issued_at") else None
    except (KeyError, TypeError, ValueError):
        return None
    fresh_until = expires_on - (margin_for(lifetime) if margin is None else margin)
    if not token or not isinstance(token, str) or fresh_until < now:
        return None
    return token, int(fresh_until)


def refresh_token(state):
    """The stored refresh token, or None."""
    entry = (state or {}).get("google")
    token = entry.get("refresh_token") if isinstance(entry, dict) else None
    return token if isinstance(token, str) and token else None


def refresh_expires_on(state):
    """When the stored refresh token dies, if Google said so (apps in "Testing"), else None."""
    entry = (state or {}).get("google")
    value = entry.get("refresh_expires_on") if isinstance(entry, dict) else None
    return value if isinstance(value, int) else None


def stored_state(account, tokens: dict, now: float, previous=None, login: bool = False) -> dict:
    """The store record after a login or refresh.

    ``tokens`` holds ``access_token``, ``expires_in`` and, when Google sent
    one, ``refresh_token`` and ``scope``.  Google does not rotate refresh
    tokens: a refresh answer has none, so the stored one is kept.  For an
    app in "Testing" Google's code answer also has
    ``refresh_token_expires_in`` (7 days): kept as ``refresh_expires_on``.
    """
    state = dict(previous or {}) if not login else {}
    old = refresh_token(previous) if not login else None
    issued = int(now)
    scope = tokens.get("scope") or account.scopes
    if not isinstance(scope, str):  # oauthlib hands scopes back as a list
        scope = " ".join(scope)
    state.update(account=account.binding(), renewed_at=issued, google={
        "refresh_token": tokens.get("refresh_token") or old,
        "access_token": tokens["access_token"],
        "issued_at": issued,
        "expires_on": issued + int(tokens.get("expires_in") or 0),
        "scope": scope,
    })
    lifetime = tokens.get("refresh_token_expires_in")
    dies = issued + int(lifetime) if tokens.get("refresh_token") and lifetime else (
        None if login else refresh_expires_on(previous))
    if dies:
        state["google"]["refresh_expires_on"] = dies
    state.pop("msal", None)  # a Microsoft state replaced by a Google login
    if login or "login_at" not in state:
        state["login_at"] = issued
    return state
