"""The only MSAL boundary: building the app, refreshing, saving what MSAL returns.

Everything that calls Microsoft goes through here, so MSAL's ways are
handled once: its exceptions and error dicts become our errors (via
``explain``), its in-process replay of 5xx answers is bypassed by building a
new app per attempt, and its cache is always saved back under the
account's lock so the newest rotated refresh token is never lost.
"""

from __future__ import annotations

import json
import logging
import time

from offlineimap_oauth import explain
from offlineimap_oauth.errors import ConfigError, LoginRequired, TryLater, login_hint
from offlineimap_oauth.hotpath import cached_token
from offlineimap_oauth.redact import remember

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10  # per request; a hung identity platform must not hang msmtp
RETRY_DELAYS_S = (1, 2, 4, 8)  # backoff between attempts, cut short by the deadline


def build_app(account, cache, timeout: float = HTTP_TIMEOUT_S):
    """An MSAL client application for ``account`` using ``cache``.

    MSAL fetches the tenant's OpenID configuration here, so this can fail
    like any request (TryLater) or because the tenant does not exist
    (ConfigError).
    """
    import msal

    options = dict(
        authority=account.authority,
        token_cache=cache,
        timeout=max(timeout, 0.5),
        # Any host outside Microsoft's list would otherwise be looked up at
        # login.microsoftonline.com on every call (sovereign clouds, tests).
        instance_discovery=account.instance_discovery,
    )
    with translate_transport_errors(account):
        try:
            if account.confidential:
                secret = account.client_secret_value()
                remember(secret)
                return msal.ConfidentialClientApplication(
                    account.client_id, client_credential=secret, **options)
            return msal.PublicClientApplication(account.client_id, **options)
        except ValueError as error:
            raise _discovery_error(account, error) from None


def _discovery_error(account, error: ValueError):
    """MSAL turns every failed OpenID discovery into ValueError; the HTTP
    status it chained tells an unknown tenant (400/404) from throttling or a
    captive portal (anything else: try later)."""
    import re

    cause = str(error.__context__ or error)
    status = re.search(r"HTTP status: (\d+)", cause)
    if status and status.group(1) in ("400", "404"):
        return ConfigError(
            "Microsoft does not know the authority %s of [account %s]."
            % (account.authority, account.name),
            problems=["MSAL said: %s" % str(error).splitlines()[0]],
            hint="Check tenant (consumers, organizations, common, a tenant ID or domain) "
                 "or authority in %s." % (account.source or "accounts.conf"))
    return TryLater("The identity platform's configuration for [account %s] could not be "
                    "read (%s)." % (account.name, "HTTP %s" % status.group(1) if status
                                    else "not JSON: a captive portal or proxy?"),
                    hint="Try again later.")


class translate_transport_errors:
    """Context manager: network failures and HTTP 5xx become TryLater."""

    def __init__(self, account):
        self.account = account

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or not isinstance(error, Exception):
            return False
        import msal
        import requests

        if isinstance(error, requests.exceptions.RequestException):
            what = type(error).__name__
        elif isinstance(error, msal.exceptions.MsalServiceError):
            what = "HTTP error from the identity platform (%s)" % (
                getattr(error, "error_description", "") or error).__str__().splitlines()[0][:200]
        else:
            return False
        raise TryLater("Cannot reach Microsoft's identity platform for [account %s]: %s."
                       % (self.account.name, what),
                       hint="Check the network and try again later; a still-valid cached "
                            "token keeps working meanwhile.") from None


def new_cache(state: dict | None = None):
    """An MSAL SerializableTokenCache, loaded from a stored state if given."""
    import msal

    cache = msal.SerializableTokenCache()
    if state and state.get("msal"):
        cache.deserialize(json.dumps(state["msal"]))
    return cache


def stored_state(account, cache, now: float, previous: dict | None = None) -> dict:
    """The store record for ``cache``: binding, renewal time, MSAL's state."""
    state = dict(previous or {})
    from offlineimap_oauth import vault

    state.update(account=account.binding(), renewed_at=int(now),
                 msal=json.loads(cache.serialize()), token_store=vault.target(account))
    state.setdefault("login_at", int(now))
    return state


def refresh(account, store, deadline: float, now=time.time, force: bool = False):
    """(token, expires_on, token file signature) after refreshing under the lock.

    Single flight: the lock is taken first, then the file re-read, so of N
    processes that found the token stale only the first refreshes; the
    others find its result.  ``force`` refreshes even a fresh-looking token
    (a server refused it: the seed's "throw the old token away").
    """
    with store.locked(account.name, timeout=deadline - time.monotonic()):
        state, signature = store.load_secrets(account.name, deadline=deadline)
        hit = None if force else cached_token(state, account, now())
        if hit:
            return hit + (signature,)
        _require_login_state(account, state)
        return _refresh_with_retries(account, store, state, deadline, now)


def _require_login_state(account, state) -> None:
    if not state:
        raise LoginRequired("No token for %s ([account %s])." % (account.user, account.name),
                            hint=login_hint(account.name))
    stored = state.get("account") or {}
    changed = sorted(key for key, value in account.binding().items() if stored.get(key) != value)
    if changed:
        raise LoginRequired(
            "The stored login of [account %s] was made with other settings (changed: %s)."
            % (account.name, ", ".join(changed)), hint=login_hint(account.name))


def _refresh_with_retries(account, store, state, deadline, now):
    delays = iter(RETRY_DELAYS_S)
    while True:
        try:
            return _refresh_once(account, store, state, deadline, now)
        except TryLater:
            delay = next(delays, None)
            if delay is None or time.monotonic() + delay + 1 >= deadline:
                raise
            log.debug("refresh of %s failed; retrying in %s s", account.name, delay)
            time.sleep(delay)


def _refresh_once(account, store, state, deadline, now):
    # A new app (and so a new http_cache) per attempt: MSAL would otherwise
    # replay a 5xx answer from memory for Retry-After seconds.
    cache = new_cache(state)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TryLater("Gave up refreshing [account %s]: out of time." % account.name,
                       hint="Try again later.")
    app = build_app(account, cache, timeout=min(HTTP_TIMEOUT_S, remaining))
    with translate_transport_errors(account):
        # Only the configured user's refresh token: never another account's.
        users = app.get_accounts(username=account.user)
        if not users:
            raise LoginRequired("No refresh token for %s in the store." % account.user,
                                hint=login_hint(account.name))
        started = now()
        result = app.acquire_token_silent_with_error(
            list(account.scopes), users[0], force_refresh=True)
    if not result:
        raise LoginRequired("No refresh token for %s in the store." % account.user,
                            hint=login_hint(account.name))
    if "error" in result:
        raise explain.from_msal(result, account)
    signature = store.save(account.name, stored_state(account, cache, now(), previous=state))
    return result["access_token"], int(started + int(result.get("expires_in", 0))), signature
