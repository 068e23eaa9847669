"""What ``status`` shows about a Google account's stored login, without any secret.

``describe(account, store, now)`` returns the same kind of lines as
``offlineimap_oauth.status.describe`` does for Microsoft accounts.
"""

from __future__ import annotations

import time

from offlineimap_oauth.providers.google import cache

WARN_BEFORE_S = 2 * 86400  # say "log in soon" two days before a 7-day token dies
DAY_S = 86400


def describe(account, store, now: float | None = None) -> list:
    now = time.time() if now is None else now
    lines = [
        "%s (%s)" % (account.name, account.user),
        "  provider:      google (token endpoint %s)" % account.token_uri,
        "  client:        %s (Desktop app, secret%s)" % (
            account.client_id, " from command" if account.client_secret_command else ""),
    ]
    from offlineimap_oauth.status import stored_login_lines

    return lines + stored_login_lines(account, store, token_lines, now)


def token_lines(account, state, now: float) -> list:
    login = "run offlineimap-oauth login %s" % account.name
    if not state:
        return ["  access token:  none", "  refresh token: none: " + login]
    if state.get("account") != account.binding():
        return ["  tokens:        made with other settings (user, client_id, scopes or token "
                "host changed): " + login]
    hit = cache.cached_token(state, account, now, margin=0)
    sealed = state.get("vault") if isinstance(state.get("vault"), dict) else {}  # gpg / keyring
    lines = ["  access token:  " + (
        "valid until %s (%d min left)" % (_when(hit[1]), (hit[1] - now) // 60) if hit else
        "kept encrypted with the refresh token (plaintext_access_token = no)"
        if sealed.get("access_tokens") == "encrypted" else
        "expired (the next token request refreshes it)")]
    if not cache.refresh_token(state) and not sealed.get("refresh_token"):
        return lines + ["  refresh token: none: " + login]
    line = "  refresh token: present (Google does not rotate it), logged in %s" % _when(
        state.get("login_at") or now)
    dies = cache.refresh_expires_on(state)
    if dies:
        line += "; expires %s (app in 'Testing': 7-day logins)" % _when(dies)
        if dies - now < WARN_BEFORE_S:
            line += "; WARNING: %s, or publish the app" % login
    return lines + [line]


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
