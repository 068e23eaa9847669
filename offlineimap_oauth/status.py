"""What ``status`` shows about an account's stored login, without any secret."""

from __future__ import annotations

import time

from offlineimap_oauth.errors import Error
from offlineimap_oauth.hotpath import cached_token

STALE_RENEWAL_DAYS = 60  # Microsoft expires refresh tokens unused for 90 days
DAY_S = 86400


def describe(account, store, now: float | None = None) -> list:
    """Lines describing ``account``: settings, token expiry, renewal, store path."""
    now = time.time() if now is None else now
    kind = "confidential (client secret%s)" % (
        " from command" if account.client_secret_command else "") if account.confidential \
        else "public (no secret)"
    lines = [
        "%s (%s)" % (account.name, account.user),
        "  authority:     %s" % account.authority,
        "  client:        %s %s" % (account.client_id, kind),
    ]
    return lines + stored_login_lines(account, store, _token_lines, now)


def stored_login_lines(account, store, token_lines, now: float) -> list:
    """The token lines (``token_lines(account, state, now)``, the provider's), where
    the refresh token lives, and the store path; a damaged token file is said, and
    the other accounts still shown."""
    try:
        state = store.load(account.name)
    except Error as error:
        return ["  tokens:        %s %s" % (error.message, error.hint or ""),
                "  store:         %s" % store.path(account.name)]
    return token_lines(account, state, now) + [
        "  refresh token lives in: %s" % _where(account, state, store),
        "  store:         %s" % store.path(account.name)]


def _token_lines(account, state, now: float) -> list:
    if not state:
        return ["  access token:  none", "  refresh token: none: run offlineimap-oauth login %s"
                % account.name]
    if state.get("account") != account.binding():
        return ["  tokens:        made with other settings (user, client_id, scopes or "
                "identity platform host changed): run offlineimap-oauth login %s" % account.name]
    lines = ["  access token:  %s" % _access_line(account, state, now)]
    has_refresh = bool((state.get("msal") or {}).get("RefreshToken")
                       or (state.get("vault") or {}).get("refresh_token"))  # gpg / keyring
    renewed = state.get("renewed_at")
    if not has_refresh:
        lines.append("  refresh token: none: run offlineimap-oauth login %s" % account.name)
    else:
        age_days = int((now - renewed) // DAY_S) if renewed else None
        line = "  refresh token: present, last renewed %s" % (
            "%s (%d days ago)" % (_when(renewed), age_days) if renewed else "at an unknown time")
        if age_days is not None and age_days >= STALE_RENEWAL_DAYS:
            line += "; WARNING: Microsoft drops it after 90 days unused: run " \
                    "offlineimap-oauth refresh %s soon" % account.name
        lines.append(line)
    return lines


def _access_line(account, state, now: float) -> str:
    hit = cached_token(state, account, now, margin=0)
    if not hit and (state.get("vault") or {}).get("access_tokens") == "encrypted":
        return "kept encrypted with the refresh token (plaintext_access_token = no)"
    if not hit:
        return "expired (the next token request refreshes it)"
    left = hit[1] - now
    note = "" if cached_token(state, account, now) else "; will be refreshed on next use"
    return "valid until %s (%d min left%s)" % (_when(hit[1]), left // 60, note)


def _where(account, state, store) -> str:
    from offlineimap_oauth import vault

    return vault.describe(account, state, store)


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
