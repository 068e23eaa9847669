"""The google-auth boundary: refreshing a Google account's access token.

``refresh(account, store, deadline, now, force)`` has the contract of
Microsoft's ``providers.microsoft.app.refresh``: take the account's lock, re-read the
store (another process may have refreshed meanwhile: single flight), and
only then ask Google, through ``google.oauth2.credentials.Credentials``;
save atomically; answer ``(token, fresh_until, signature)``.

What google-auth does that shapes this module (google-auth 2.63):
- ``Credentials.from_authorized_user_info()`` did not keep an overridden
  ``token_uri`` (refresh went to oauth2.googleapis.com), so the credentials
  are built with ``token_uri=`` explicitly.
- its token request retries 5xx answers itself (3 attempts, exponential
  backoff) and has no overall deadline, and ``requests`` waits 120 s by
  default: every request goes through :class:`_DeadlineRequest`, which cuts
  each request's timeout to what is left of our deadline.
- failures are ``RefreshError(text, response_data, retryable=...)`` and
  ``TransportError``; both become our errors here.
"""

from __future__ import annotations

import logging
import time

from offlineimap_oauth.errors import LoginRequired, TryLater, login_hint
from offlineimap_oauth.providers.google import cache, explain
from offlineimap_oauth.store import require_login

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10  # per request; a hung Google must not hang msmtp


def refresh(account, store, deadline: float, now=time.time, force: bool = False):
    """(token, fresh_until, token file signature) after refreshing under the lock."""
    with store.locked(account.name, timeout=deadline - time.monotonic()):
        # The refresh token may be in gpg or the keyring (token_store): vault/.
        state, signature = store.load_secrets(account.name, deadline)
        hit = None if force else cache.cached_token(state, account, now())
        if hit:
            return hit + (signature,)
        refresh_token = _require_login_state(account, state)
        from offlineimap_oauth import notify

        try:
            tokens = refresh_grant(account, refresh_token, deadline)
        except LoginRequired as error:
            error = _testing_expiry(account, state, now(), error)
            # It worked until now (a stored login with these settings): tell someone.
            notify.login_needed(account, store.directory, error.message)
            raise error from None
        saved = cache.stored_state(account, tokens, now(), previous=state)
        signature = store.save(account.name, _with_target(account, saved))
        notify.working_again(store.directory, account.name)
        return saved["google"]["access_token"], _fresh_until(saved), signature


def _with_target(account, state: dict) -> dict:
    """``state`` with where accounts.conf wants its refresh token (``token_store``)."""
    from offlineimap_oauth import vault

    return dict(state, token_store=vault.target(account))


def _testing_expiry(account, state, now: float, error):
    """The 7-day expiry of an app in "Testing", named when Google told us the date."""
    dies = cache.refresh_expires_on(state)
    if error.code != "invalid_grant" or not dies or dies > now + 60:
        return error
    return LoginRequired(
        "The refresh token of [account %s] expired on %s: Google gives apps whose OAuth "
        "consent screen is in 'Testing' refresh tokens that last 7 days."
        % (account.name, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(dies))),
        problems=error.problems,
        hint="Publish the app (%s -> Publish app; no verification is needed for your own "
             "use) so that logins last, then run: offlineimap-oauth login %s"
             % (explain.CONSENT_SCREEN, account.name), code=error.code)


def _fresh_until(state) -> int:
    entry = state["google"]
    lifetime = entry["expires_on"] - entry["issued_at"]
    return int(entry["expires_on"] - cache.margin_for(lifetime))


def _require_login_state(account, state) -> str:
    """The stored refresh token of a login made with these settings."""
    require_login(account, state)
    token = cache.refresh_token(state)
    if not token:
        raise LoginRequired("No refresh token for %s in the store." % account.user,
                            hint=login_hint(account.name))
    return token


def refresh_grant(account, refresh_token: str, deadline: float) -> dict:
    """Google's answer to a refresh_token grant: access_token, expires_in, scope."""
    import google.auth.exceptions
    import google.oauth2.credentials

    from offlineimap_oauth.redact import remember

    secret = account.client_secret_value()
    remember(secret)
    remember(refresh_token)
    credentials = google.oauth2.credentials.Credentials(
        token=None, refresh_token=refresh_token, token_uri=account.token_uri,
        client_id=account.client_id, client_secret=secret, scopes=list(account.scopes))
    started = time.time()
    try:
        credentials.refresh(_DeadlineRequest(account, deadline))
    except google.auth.exceptions.RefreshError as error:
        raise _refresh_error(error, account) from None
    except google.auth.exceptions.TransportError as error:
        raise _unreachable(account, error) from None
    remember(credentials.token)
    expires_in = 0
    if credentials.expiry is not None:
        import calendar

        expires_in = calendar.timegm(credentials.expiry.utctimetuple()) - int(started)
    return {"access_token": credentials.token, "expires_in": max(expires_in, 0),
            "scope": " ".join(credentials.granted_scopes or account.scopes)}


def _refresh_error(error, account):
    """Google's JSON refusal -> explain's table; any other answer -> try later.

    google-auth's refresh grant hands a body that is not JSON (a proxy's or
    captive portal's page, a 502 from a load balancer) over as text with
    ``retryable=False`` whatever its HTTP status, so that is no sign of a
    refusal: nothing in accounts.conf can be wrong because of it.
    """
    data = error.args[1] if len(error.args) > 1 else None
    if isinstance(data, dict) and data.get("error"):
        return explain.from_token_error(data, account)
    said = str(error.args[0]) if error.args else type(error).__name__
    return TryLater("Google's token service failed for [account %s]." % account.name,
                    problems=["google-auth said: %s" % said[:200]],
                    hint="Try again later; a still-valid cached token keeps working. If it "
                         "persists, something between here and Google (a proxy, a captive "
                         "portal) may be answering in its place: run again with -v.")


def _unreachable(account, error):
    return TryLater("Cannot reach Google's token service for [account %s]: %s."
                    % (account.name, str(error).splitlines()[0][:200] if str(error) else
                       type(error).__name__),
                    hint="Check the network and try again later; a still-valid cached token "
                         "keeps working meanwhile.")


class _DeadlineRequest:
    """google-auth's requests transport, each request bounded by the deadline."""

    def __init__(self, account, deadline: float):
        import google.auth.transport.requests

        self._request = google.auth.transport.requests.Request()
        self._account, self._deadline = account, deadline

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        import google.auth.exceptions

        remaining = self._deadline - time.monotonic()
        if remaining <= 0.5:
            raise google.auth.exceptions.TransportError(
                "gave up: out of time for [account %s]" % self._account.name)
        log.debug("%s %s (timeout %.1f s)", method, url, min(HTTP_TIMEOUT_S, remaining))
        return self._request(url, method=method, body=body, headers=headers,
                             timeout=min(HTTP_TIMEOUT_S, remaining), **kwargs)


def revoke_uri(account) -> str:
    """Google's revocation endpoint beside the token endpoint (…/token -> …/revoke)."""
    base = account.token_uri
    return (base[:-len("/token")] if base.endswith("/token") else base.rsplit("/", 1)[0]) \
        + "/revoke"


def revoke(account, state, timeout: float = HTTP_TIMEOUT_S) -> bool:
    """Ask Google to end the stored login (for ``logout``); True when Google confirmed.

    Revoking the refresh token also ends the access tokens made from it.
    Best effort: False when there was nothing to revoke or Google could not
    be reached (the caller says where to remove the access by hand).
    """
    import google.auth.exceptions

    token = cache.refresh_token(state)
    if not token:
        return False
    from urllib.parse import urlencode

    request = _DeadlineRequest(account, time.monotonic() + timeout)
    try:
        response = request(revoke_uri(account), method="POST", body=urlencode(
            {"token": token}).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
    except google.auth.exceptions.TransportError:
        return False
    return response.status == 200
