"""Interactive login for Google accounts, through google-auth-oauthlib.

``login(account, store, flow=...)`` signs the user in and replaces the
account's stored tokens.  Two flows, because Google ended the out-of-band
(``urn:ietf:wg:oauth:2.0:oob``) redirect that older Gmail setups used:

- ``localhost``: a one-shot listener on 127.0.0.1 receives the redirect
  (browser on the same machine).  A "Desktop app" client accepts any port.
- ``paste``: for SSH sessions.  The redirect goes to a port of 127.0.0.1
  where nothing listens, so the user's browser (on another machine) shows
  "can't connect"; the user copies that address from the address bar and
  pastes it here.  Pasting Google's own error page is recognised and
  explained (Google never redirects a non-test user of an app in
  "Testing": it shows its error page instead).

Both use PKCE (S256, google-auth-oauthlib's Flow makes the verifier), ask
for ``access_type=offline`` and ``prompt=consent`` (else Google sends a
refresh token only on the very first consent), and check ``state`` before
redeeming the code.  Google answers with no id token for the Gmail scope
alone, so the signed-in user cannot be compared with ``user`` here
(``login_hint`` preselects it); ``check NAME`` shows a mismatch.
Prompts and URLs go to stderr; nothing is printed on stdout.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from urllib.parse import parse_qs, urlsplit

from offlineimap_oauth.errors import LoginRequired, TryLater, UsageError
from offlineimap_oauth.providers.google import cache, explain

LOGIN_TIMEOUT_S = 300  # how long the loopback listener waits for the browser
LOGIN_LOCK_TIMEOUT_S = 60
HTTP_TIMEOUT_S = 10
LOOPBACK = "http://127.0.0.1"


def choose_flow(account, requested: str | None = None, environ=os.environ) -> str:
    """The flow to use: the command line's, the account's, or a guess from the session."""
    flow = requested if requested and requested != "auto" else account.flow
    if flow == "device":
        raise UsageError("Google's device flow does not offer the Gmail scope "
                         "(https://mail.google.com/).",
                         hint="Use: offlineimap-oauth login %s --flow paste" % account.name)
    if flow in ("localhost", "paste"):
        return flow
    remote = environ.get("SSH_CONNECTION") or environ.get("SSH_TTY")
    return "localhost" if _has_screen(environ) and not remote else "paste"


def login(account, store, flow: str | None = None, open_browser: bool = True, stdin=None,
          stderr=None, now=time.time, timeout: float = LOGIN_TIMEOUT_S) -> dict:
    """Sign in, save the tokens; returns {"user", "scope", "flow"}."""
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    chosen = choose_flow(account, flow)
    runner = _loopback if chosen == "localhost" else _paste
    tokens = runner(account, open_browser, stdin, stderr, timeout)
    from offlineimap_oauth.redact import remember

    remember(tokens.get("access_token"))
    remember(tokens.get("refresh_token"))
    if not tokens.get("refresh_token"):
        raise LoginRequired("Google sent no refresh token for %s." % account.user,
                            hint="Remove the app's access at https://myaccount.google.com/"
                                 "permissions, then run: offlineimap-oauth login %s"
                                 % account.name)
    with store.locked(account.name, timeout=LOGIN_LOCK_TIMEOUT_S):
        from offlineimap_oauth.providers.google.client import _with_target

        store.save(account.name, _with_target(account, cache.stored_state(
            account, tokens, now(), login=True)))
    from offlineimap_oauth import notify

    notify.working_again(store.directory, account.name)
    scope = tokens.get("scope") or ()
    return {"user": account.user, "flow": chosen,
            "scope": scope if isinstance(scope, str) else " ".join(scope)}


def start(account, redirect_uri: str):
    """(google-auth-oauthlib Flow, authorization URL, state) for one login attempt."""
    from google_auth_oauthlib.flow import Flow

    from offlineimap_oauth.redact import remember

    secret = account.client_secret_value()
    remember(secret)
    config = {"installed": {"client_id": account.client_id, "client_secret": secret,
                            "auth_uri": account.auth_uri, "token_uri": account.token_uri,
                            "redirect_uris": [LOOPBACK]}}
    flow = Flow.from_client_config(config, scopes=list(account.scopes), redirect_uri=redirect_uri)
    url, state = flow.authorization_url(access_type="offline", prompt="consent",
                                        login_hint=account.user)
    return flow, url, state


def redeem(flow, response: dict, state: str, account) -> dict:
    """Google's token answer for the redirect ``response`` (state checked first)."""
    if "error" in response:
        raise explain.from_authorize_response(response, account)
    if response.get("state") != state:
        raise LoginRequired("The code came from another login attempt (state differs).",
                            hint="Paste the address from the sign-in this command just printed.")
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error
    import requests

    flow.oauth2session.register_compliance_hook("access_token_response", _fail_on_5xx(account))
    try:
        return dict(flow.fetch_token(code=response.get("code", ""), timeout=HTTP_TIMEOUT_S))
    except Warning as changed:  # oauthlib: Google granted other scopes than asked for
        return _granted_otherwise(changed, account)
    except OAuth2Error as error:
        raise explain.from_token_error({"error": error.error,
                                        "error_description": error.description}, account) from None
    except requests.RequestException as error:
        raise TryLater("Cannot reach Google's token service for [account %s]: %s."
                       % (account.name, type(error).__name__),
                       hint="Check the network and run the login again.") from None


def _granted_otherwise(changed, account) -> dict:
    """Google's answer when the consent page's checkboxes changed the scopes.

    oauthlib raises a Warning carrying the token when the granted scopes
    differ from the requested ones; Google's granular consent lets the user
    untick the Gmail permission, which IMAP and SMTP need.
    """
    token = dict(getattr(changed, "token", None) or {})
    granted = set(getattr(changed, "new_scope", None) or ())
    if not token.get("access_token") or not set(account.scopes) <= granted:
        raise LoginRequired(
            "Google's consent for %s lacks the permission %s."
            % (account.user, ", ".join(sorted(set(account.scopes) - granted))),
            hint="Run: offlineimap-oauth login %s and tick every box on Google's consent page "
                 "(for Gmail: 'Read, compose, send, and permanently delete all your email "
                 "from Gmail')."
                 % account.name, code="scope_not_granted")
    return token


def _fail_on_5xx(account):
    def hook(response):
        if response.status_code >= 500:
            try:
                data = response.json()
            except ValueError:
                data = {"error": "server_error", "error_description": response.text[:200]}
            raise explain.from_token_error(data, account, status=response.status_code)
        return response
    return hook


# ------------------------------------------------------------------ paste

def _paste(account, open_browser, stdin, stderr, timeout):
    redirect = "%s:%d/" % (LOOPBACK, _unused_port())
    flow, url, state = start(account, redirect)
    _show(url, account, stderr, open_browser)
    print("After signing in, your browser goes to %s and cannot open it. Copy that whole "
          "address from the address bar and paste it here:" % redirect, file=stderr, flush=True)
    response = parse_pasted(stdin.readline(), state, account)
    return redeem(flow, response, state, account)


def parse_pasted(line: str, state: str, account) -> dict:
    """The auth response in a pasted redirect address (or a bare code)."""
    text = (line or "").strip().strip("'\"<>")
    if not text:
        raise LoginRequired("Nothing was pasted; the login was cancelled.",
                            hint="Run: offlineimap-oauth login %s --flow paste, and paste the "
                                 "address from the browser." % account.name)
    if explain.is_error_page(text):
        raise explain.from_error_page(text, account)
    if text.startswith(account.auth_uri):
        raise LoginRequired("You pasted the sign-in address itself.",
                            hint="Open it in a browser, sign in, and paste the address the "
                                 "browser ends on (it starts with http://127.0.0.1).")
    if "=" not in text and "?" not in text:
        return {"code": text, "state": state}
    parts = urlsplit(text)
    response = {key: values[0] for key, values in parse_qs(parts.query or text).items()}
    if "code" not in response and "error" not in response:
        raise LoginRequired("The pasted address holds no code (%s...)." % text[:60],
                            hint="Paste the whole address the browser shows after signing in.")
    return response


def _unused_port() -> int:
    # Nothing will listen there: the user's browser is usually on another
    # machine, where a refused connection leaves the address in the bar.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------- loopback

def _loopback(account, open_browser, stdin, stderr, timeout):
    from offlineimap_oauth.listener import OneShotListener

    with OneShotListener(LOOPBACK, timeout=timeout) as listener:
        flow, url, state = start(account, listener.redirect_uri)
        listener.expect_state(state)
        _show(url, account, stderr, open_browser, background=True)
        print("Waiting for the browser (up to %d s)..." % timeout, file=stderr, flush=True)
        response = listener.wait()
    if response is None:
        raise LoginRequired(
            "No answer from the browser within %d s." % timeout,
            hint="If Google said the app 'has not completed the Google verification process' "
                 "(Error 403: access_denied), add %s under %s -> Test users. Otherwise run the "
                 "login again, or use --flow paste." % (account.user, explain.CONSENT_SCREEN))
    return redeem(flow, response, state, account)


# ---------------------------------------------------------------- browser

def _show(url: str, account, stderr, open_browser: bool, background: bool = False) -> None:
    print("Sign in as %s at this address:" % account.user, file=stderr)
    print(url, file=stderr, flush=True)
    if not open_browser or not (os.environ.get("BROWSER") or _has_screen(os.environ)):
        return
    if background:  # a BROWSER command is waited for; the listener must answer meanwhile
        import threading

        threading.Thread(target=_open_browser, args=(url,), daemon=True).start()
    else:
        _open_browser(url)


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        webbrowser.open(url)
    except Exception:  # noqa: BLE001 - no browser is not an error: the URL is printed
        pass


def _has_screen(environ) -> bool:
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")
                or sys.platform in ("darwin", "win32"))
