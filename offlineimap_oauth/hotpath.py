"""Serving access tokens: from the store when one is fresh, else one refresh.

``access_token(account)`` is what ``token NAME`` and the offlineimap hook
call.  A cached access token with at least ``REFRESH_MARGIN_S`` left is
answered from the token file alone: no lock, no MSAL import, no network (so
it works offline and costs about as much as starting Python).  Only
otherwise is ``provider`` imported to refresh under the account's lock.
"""

from __future__ import annotations

import time

# Exchange refuses tokens close to expiry and an IMAP session outlives its
# login by minutes: hand out only tokens with 10 minutes left.
REFRESH_MARGIN_S = 600
# Organisations can issue access tokens that live only 10 minutes; a fixed
# 10-minute margin would then refresh on every call.  A token is handed out
# until this share of its lifetime is left, within the two bounds.
SHORT_TOKEN_MARGIN_SHARE = 0.5
# MSAL itself treats a token with under 5 minutes left as expired.
MIN_REFRESH_MARGIN_S = 300
# msmtp waits on us with no timeout of its own: give up within 30 s.
TOKEN_DEADLINE_S = 27  # leaves 3 s for starting Python and exiting


def margin_for(lifetime: float | None) -> float:
    """Seconds before expiry at which a token of ``lifetime`` s is refreshed."""
    if not lifetime or lifetime <= 0:
        return REFRESH_MARGIN_S
    return min(REFRESH_MARGIN_S, max(MIN_REFRESH_MARGIN_S, lifetime * SHORT_TOKEN_MARGIN_SHARE))


def cached_token(state: dict | None, account, now: float, margin: float | None = None):
    """(token, fresh_until) of a stored access token still fresh at ``now``, else None.

    ``fresh_until`` is the time until which the token may be handed out: its
    expiry less ``margin`` (by default ``margin_for`` its issued lifetime).
    Reads MSAL's cache format directly: AccessToken entries carry ``secret``,
    ``client_id``, ``target`` (space-separated scopes), ``cached_at`` and
    ``expires_on``.
    """
    if account.provider == "google":  # stdlib only, like this module
        from offlineimap_oauth.providers.google import cache

        return cache.cached_token(state, account, now, margin)
    if not state or state.get("account") != account.binding():
        return None
    wanted = {scope.lower() for scope in account.scopes}
    client_id = account.client_id.lower()
    best = None
    for entry in (state.get("msal") or {}).get("AccessToken", {}).values():
        try:
            expires_on = int(entry["expires_on"])
            fresh_until = expires_on - (margin_for(_lifetime(entry, expires_on))
                                        if margin is None else margin)
            if (entry.get("client_id", "").lower() != client_id
                    or fresh_until < now
                    or not wanted <= set(entry.get("target", "").lower().split())):
                continue
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if best is None or fresh_until > best[1]:
            best = (entry["secret"], int(fresh_until))
    return best


def _lifetime(entry: dict, expires_on: int) -> float | None:
    try:
        return expires_on - int(entry["cached_at"])
    except (KeyError, TypeError, ValueError):
        return None


def access_token(account, store=None, now=time.time):
    """(token, fresh_until) for ``account``, refreshing through MSAL only if needed."""
    return serve(account, store, now)[:2]


def serve(account, store=None, now=time.time, force: bool = False):
    """(token, fresh_until, signature of the token file version it came from).

    ``force`` skips every cached token and refreshes.
    """
    if store is None:
        from offlineimap_oauth.store import TokenStore

        store = TokenStore()
    started = time.monotonic()
    if not force:
        state, signature = store.load_signed(account.name)
        hit = cached_token(state, account, now())
        if hit:
            return hit + (signature if account.plaintext_access_token is not False else None,)
        if isinstance(state, dict) and (state.get("vault") or {}).get("access_tokens") == "encrypted":
            # plaintext_access_token = no: decrypt to serve; no sidecar (signature None).
            hit = cached_token(store.load_secrets(account.name, started + TOKEN_DEADLINE_S)[0],
                               account, now())
            if hit:
                return hit + (None,)
    if account.provider == "google":
        from offlineimap_oauth.providers.google import client

        return client.refresh(account, store, deadline=started + TOKEN_DEADLINE_S, now=now,
                              force=force)
    from offlineimap_oauth.providers.microsoft import app as provider

    return provider.refresh(account, store, deadline=started + TOKEN_DEADLINE_S, now=now,
                            force=force)
