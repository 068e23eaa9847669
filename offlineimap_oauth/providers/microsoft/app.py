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

from offlineimap_oauth import discovery_cache, notify
from offlineimap_oauth.providers.microsoft import explain
from offlineimap_oauth.errors import ConfigError, LoginRequired, TryLater, login_hint
from offlineimap_oauth.hotpath import cached_token, margin_for
from offlineimap_oauth.store import require_login
from offlineimap_oauth.redact import remember

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10  # per request; a hung identity platform must not hang msmtp
RETRY_DELAYS_S = (1, 2, 4, 8)  # backoff between attempts, cut short by the deadline


def build_app(account, cache, timeout: float = HTTP_TIMEOUT_S, http_client=None,
              http_cache: dict | None = None):
    """An MSAL client application for ``account`` using ``cache``.

    MSAL fetches the tenant's OpenID configuration here (unless ``http_cache``
    holds it, see discovery_cache), so this can fail like any request
    (TryLater) or because the tenant does not exist (ConfigError).  An
    ``http_client`` (DeadlineHttpClient) replaces ``timeout``.
    """
    import msal

    options = dict(
        authority=account.authority,
        token_cache=cache,
        http_cache=http_cache,
        # Any host outside Microsoft's list would otherwise be looked up at
        # login.microsoftonline.com on every call (sovereign clouds, tests).
        instance_discovery=account.instance_discovery,
    )
    if http_client is not None:
        options["http_client"] = http_client
    else:
        options["timeout"] = max(timeout, 0.5)
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
            raise network_error(error, self.account) from None
        if isinstance(error, msal.exceptions.MsalServiceError):
            # MSAL raises it only from raise_for_status, as one line: "HTTP Error: 500".
            what = "HTTP error from the identity platform (%s)" % error
        else:
            return False
        raise TryLater("Cannot reach Microsoft's identity platform for [account %s]: %s."
                       % (self.account.name, what),
                       hint="Check the network and try again later; a still-valid cached "
                            "token keeps working meanwhile.") from None


def network_error(error, account):
    """A failed HTTPS request, naming the host: TLS verification (fix the CA
    store, e.g. for a company proxy) is told apart from an outage."""
    import requests
    from urllib.parse import urlsplit

    request = getattr(error, "request", None)
    host = urlsplit(getattr(request, "url", None) or account.authority).netloc
    reason = _innermost(error)
    if isinstance(error, requests.exceptions.SSLError):
        return ConfigError(
            "The certificate of %s could not be verified for [account %s] (%s)."
            % (host, account.name, reason),
            hint="A company proxy or antivirus that inspects HTTPS shows its own certificate: "
                 "point REQUESTS_CA_BUNDLE (or the system's CA store) at a bundle that also "
                 "holds its CA, e.g. export REQUESTS_CA_BUNDLE=/path/to/bundle-with-proxy-ca.pem")
    return TryLater("Cannot reach %s for [account %s] (%s)." % (host, account.name, reason),
                    hint="Check the network (and a proxy in HTTPS_PROXY); then try again "
                         "later. A still-valid cached token keeps working meanwhile.")


def _innermost(error) -> str:
    """The most specific words of a requests/urllib3 exception chain."""
    import re

    text = str(error)
    found = re.findall(r"(\[SSL[^\]]*\][^'\")]*|\[Errno -?\d+\][^'\")]*|"
                       r"Connection refused|timed out|Name or service not known)", text)
    return (found[-1] if found else type(error).__name__).strip()[:160]


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
    state.setdefault("login_tenant", account.tenant)  # tokens are bound to the host, not the tenant
    return state


def refresh(account, store, deadline: float, now=time.time, force: bool = False):
    """(token, fresh_until, token file signature) after refreshing under the lock.

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
        require_login(account, state)
        try:
            result = _refresh_with_retries(account, store, state, deadline, now)
        except LoginRequired as error:
            # It worked until now (a stored login with these settings): tell someone.
            notify.login_needed(account, store.directory, error.message)
            raise
        notify.working_again(store.directory, account.name)
        return result


def _tenant_changed(error, account, state):
    """Say so when the tenant in accounts.conf changed since the login."""
    then = (state or {}).get("login_tenant")
    if not then or then.lower() == str(account.tenant).lower():
        return error
    error.message = ("The tenant of [account %s] changed since the login (tenant = %s then, "
                     "%s now). %s" % (account.name, then, account.tenant, error.message))
    error.hint = "%s\nOr set tenant = %s back in %s." % (
        error.hint or login_hint(account.name), then, account.source or "accounts.conf")
    return error


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
    if deadline - time.monotonic() <= 0:
        raise TryLater("Gave up refreshing [account %s]: out of time." % account.name,
                       hint="Try again later.")
    try:
        return _grant(account, store, state, deadline, now)
    except TryLater:
        # The saved discovery answers may be what failed (an authority that
        # moved): the next attempt asks again.
        discovery_cache.drop(store.directory)
        raise


def _grant(account, store, state, deadline, now):
    from offlineimap_oauth.deadline_http import DeadlineHttpClient

    # A new app (and so a new in-memory http_cache, filled only with saved
    # successful discovery answers) per attempt: MSAL would otherwise replay
    # a 5xx answer from memory for Retry-After seconds.
    cache = new_cache(state)
    http_cache = discovery_cache.load(store.directory)
    app = build_app(account, cache, http_client=DeadlineHttpClient(deadline),
                    http_cache=http_cache)
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
        raise _tenant_changed(explain.from_msal(result, account), account, state)
    signature = store.save(account.name, stored_state(account, cache, now(), previous=state))
    discovery_cache.save(store.directory, http_cache)
    lifetime = int(result.get("expires_in", 0))
    return result["access_token"], int(started + lifetime - margin_for(lifetime)), signature
