"""Interactive login: paste, localhost and device-code flows.

``login(account, store, flow=...)`` signs the user in through MSAL, checks
that the signed-in user is the configured one, and replaces the account's
stored tokens (an old token is thrown away, as the seed's author learned to
do by hand).  Prompts and URLs go to stderr; nothing is printed on stdout.
"""

from __future__ import annotations

import os
import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

from offlineimap_oauth.providers.microsoft import app as provider, explain
from offlineimap_oauth.accounts import LOCALHOST_REDIRECT, NATIVECLIENT_REDIRECT
from offlineimap_oauth.errors import ConfigError, LoginRequired, UsageError

LOGIN_TIMEOUT_S = 300  # how long the localhost listener waits for the browser
LOGIN_LOCK_TIMEOUT_S = 60
PASTE_ATTEMPTS = 3  # a pasted line that is no answer is refused and asked again
# An authorization code: one token of URL-safe characters; Microsoft's are long
# (Entra ID's start "0." or "1.", Microsoft account ones "M.").
CODE_RE = re.compile(r"^[A-Za-z0-9._~*!$-]+$")
AADSTS_RE = re.compile(r"AADSTS\d+")


class NotAnAnswer(LoginRequired):
    """A pasted line that is neither the redirect address nor a code."""


def choose_flow(account, requested: str | None = None, environ=os.environ) -> str:
    """The flow to use: the command line's, the account's, or a sensible guess."""
    flow = requested if requested and requested != "auto" else account.flow
    if flow != "auto":
        return flow
    if account.confidential:
        return "paste"  # MSAL offers neither localhost nor device flows to confidential apps
    if account.redirect_uri and not _is_localhost(account.redirect_uri):
        return "paste"
    remote = environ.get("SSH_CONNECTION") or environ.get("SSH_TTY")
    return "localhost" if has_screen(environ) and not remote else "device"


def has_screen(environ=os.environ) -> bool:
    """Whether a graphical browser can open here."""
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")
                or sys.platform in ("darwin", "win32"))


def should_open_browser(environ=os.environ) -> bool:
    """Open a browser only where one can show up, or when BROWSER names one.

    Without a screen Python's webbrowser falls back to console browsers
    (lynx, w3m), which would take over the terminal the user must paste into.
    """
    return bool(environ.get("BROWSER")) or has_screen(environ)


def login(account, store, flow: str | None = None, open_browser: bool = True,
          stdin=None, stderr=None, now=time.time) -> dict:
    """Sign in, verify the user, save the tokens; returns the id token's claims."""
    stdin = stdin or sys.stdin
    stderr = stderr or sys.stderr
    flow = choose_flow(account, flow)
    if flow in ("localhost", "device") and account.confidential:
        raise UsageError("The %s flow needs a public client, but [account %s] has a client "
                         "secret." % (flow, account.name),
                         hint="Use: offlineimap-oauth login %s --flow paste" % account.name)
    from offlineimap_oauth import discovery_cache, notify

    cache = provider.new_cache()
    http_cache = discovery_cache.load(store.directory)
    app = provider.build_app(account, cache, http_cache=http_cache)
    runner = {"paste": _paste, "localhost": _localhost, "device": _device}[flow]
    with provider.translate_transport_errors(account):
        result, redirect = runner(app, account, open_browser, stdin, stderr)
    if "error" in result:
        raise explain.from_msal(result, account, redirect)
    claims = result.get("id_token_claims") or {}
    _check_user(account, claims)
    with store.locked(account.name, timeout=LOGIN_LOCK_TIMEOUT_S):
        store.save(account.name, provider.stored_state(account, cache, now()))
    discovery_cache.save(store.directory, http_cache)  # the next refresh asks only for a token
    notify.working_again(store.directory, account.name)
    return claims


def _check_user(account, claims: dict) -> None:
    signed_in = claims.get("preferred_username") or claims.get("upn") or claims.get("email")
    if signed_in and signed_in.lower() != account.user.lower():
        raise ConfigError(
            "You signed in as %s, but [account %s] has user = %s; nothing was saved."
            % (signed_in, account.name, account.user),
            hint="Log in again as %s (a private browser window avoids the remembered "
                 "account), or change user in %s." % (account.user, account.source))


def _auth_uri_message(flow: dict, account, stderr, open_browser: bool,
                      background: bool = False) -> None:
    print("Sign in as %s at this address:" % account.user, file=stderr)
    print(flow["auth_uri"], file=stderr, flush=True)
    if not open_browser or not should_open_browser():
        return
    if background:
        # A BROWSER command (GenericBrowser) is waited for; the localhost
        # listener must already be answering while it runs.
        import threading

        threading.Thread(target=_open_browser, args=(flow["auth_uri"],), daemon=True).start()
    else:
        _open_browser(flow["auth_uri"])


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        webbrowser.open(url)
    except Exception:  # noqa: BLE001 - no browser is not an error: the URL is printed
        pass


def _initiate(app, account, redirect: str) -> dict:
    """MSAL's auth code flow (state, nonce, PKCE) answering in the query string.

    The nativeclient page is blank and the user copies the address bar, and
    our localhost listener reads a GET, so the code must come in the query;
    MSAL warns that it prefers form_post, which neither can receive.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*response_mode.*")
        return app.initiate_auth_code_flow(list(account.scopes), redirect_uri=redirect,
                                           login_hint=account.user, response_mode="query")


def _paste(app, account, open_browser, stdin, stderr):
    redirect = account.redirect_uri or NATIVECLIENT_REDIRECT
    flow = _initiate(app, account, redirect)
    _auth_uri_message(flow, account, stderr, open_browser)
    print("Then paste the address your browser landed on (it starts with %s?code=), "
          "or just the code:" % redirect, file=stderr, flush=True)
    response = _read_answer(stdin, stderr, flow["state"], account, redirect)
    return _redeem(app, flow, response, account), redirect


def _read_answer(stdin, stderr, state: str, account, redirect: str) -> dict:
    """Read pasted lines until one is an answer; refuse others locally."""
    attempt = 1
    while True:
        line = stdin.readline()
        try:
            return parse_pasted(line, state, account, redirect)
        except NotAnAnswer as error:
            if not line or attempt >= PASTE_ATTEMPTS:
                raise
            print("%s\n%s Paste it again:" % (error.message, error.hint), file=stderr,
                  flush=True)
        attempt += 1


def parse_pasted(line: str, state: str, account=None, redirect: str | None = None) -> dict:
    """The auth response in a pasted redirect URL, or a bare code.

    Microsoft's own error text (what its page shows when it cannot send the
    browser back) is explained at once; anything else that is no answer
    raises NotAnAnswer without asking Microsoft.
    """
    text = (line or "").strip().strip("'\"<>")
    if not text:
        raise LoginRequired("Nothing was pasted; the login was cancelled.",
                            hint="Run the login again and paste the address from the browser.")
    address = text.startswith(("http://", "https://")) or "code=" in text or "error=" in text
    if AADSTS_RE.search(text) and not address and account is not None:
        raise explain.from_msal({"error": "", "error_description": text}, account, redirect)
    if "=" not in text and "?" not in text and "#" not in text:
        if CODE_RE.match(text) and (len(text) >= 20 or re.match(r"^[01M]\.", text)):
            return {"code": text, "state": state}
        raise NotAnAnswer("That is neither the address the browser landed on nor a code "
                          "(%s)." % _shorten(text),
                          hint="Copy the whole address from the browser's address bar after "
                               "signing in (it contains code=).")
    parts = urlsplit(text)
    query = parts.query or parts.fragment or (text if "=" in text and "://" not in text else "")
    response = {key: values[0] for key, values in parse_qs(query).items()}
    if "code" not in response and "error" not in response:
        raise NotAnAnswer("The pasted address holds no code (%s)." % _shorten(text),
                          hint="Paste the whole address the browser shows after signing in.")
    return response


def _shorten(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _redeem(app, flow: dict, response: dict, account) -> dict:
    try:
        return app.acquire_token_by_auth_code_flow(flow, response,
                                                   scopes=list(account.scopes))
    except ValueError as error:  # MSAL's state check
        raise LoginRequired("The code came from another login attempt (%s)."
                            % str(error).split(":")[0],
                            hint="Paste the address from the sign-in this command just "
                                 "printed.") from None


def _localhost(app, account, open_browser, stdin, stderr):
    from offlineimap_oauth.listener import OneShotListener

    configured = account.redirect_uri or LOCALHOST_REDIRECT
    if not _is_localhost(configured):
        raise UsageError("The localhost flow needs redirect_uri = http://localhost (registered "
                         "for the app); [account %s] has %s." % (account.name, configured),
                         hint="Use --flow paste, or change redirect_uri.")
    with OneShotListener(configured, timeout=LOGIN_TIMEOUT_S) as listener:
        flow = _initiate(app, account, listener.redirect_uri)
        listener.expect_state(flow["state"])
        _auth_uri_message(flow, account, stderr, open_browser, background=True)
        print("Waiting for the browser (up to %d s)..." % LOGIN_TIMEOUT_S, file=stderr,
              flush=True)
        response = listener.wait()
    if response is None:
        raise LoginRequired("No answer from the browser within %d s." % LOGIN_TIMEOUT_S,
                            hint="Run the login again, or use --flow device.")
    return _redeem(app, flow, response, account), listener.redirect_uri


def _device(app, account, open_browser, stdin, stderr):
    flow = app.initiate_device_flow(scopes=list(account.scopes))
    if "user_code" not in flow:
        return flow, None
    print(flow.get("message") or "Open %s and enter the code %s"
          % (flow["verification_uri"], flow["user_code"]), file=stderr, flush=True)
    return app.acquire_token_by_device_flow(flow), None


def _is_localhost(uri: str) -> bool:
    host = urlsplit(uri).hostname or ""
    return uri.startswith("http://") and host in ("localhost", "127.0.0.1")

