"""A one-shot HTTP listener on 127.0.0.1 that receives the browser's redirect.

Used by the localhost login flow: it answers exactly one redirect carrying
the expected ``state`` with a "you can close this tab" page and hands its
query parameters to the caller.  Anything else (a favicon, a stale tab with
another state) is answered and ignored.
"""

from __future__ import annotations

import html
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

CONNECTION_TIMEOUT_S = 5
DONE_PAGE = ("<!doctype html><meta charset=utf-8><title>offlineimap-oauth</title>"
             "<h1>%s</h1><p>%s</p>")


class OneShotListener:
    """Listens on the port of ``redirect_uri`` (or a free one) until one answer arrives."""

    def __init__(self, redirect_uri: str, timeout: float):
        parts = urlsplit(redirect_uri)
        self._timeout = timeout
        self._state = None
        self.response = None
        self._server = HTTPServer(("127.0.0.1", parts.port or 0), self._handler_class())
        self._path = parts.path or "/"
        port = self._server.server_address[1]
        self.redirect_uri = "http://%s:%d%s" % (parts.hostname, port, parts.path)

    def expect_state(self, state: str) -> None:
        self._state = state

    def wait(self) -> dict | None:
        """The redirect's query parameters, or None after the timeout."""
        deadline = time.monotonic() + self._timeout
        while self.response is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._server.timeout = min(remaining, 1.0)
            self._server.handle_request()
        return self.response

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._server.server_close()
        return False

    def _handler_class(self):
        listener = self

        class Handler(BaseHTTPRequestHandler):
            # A browser's idle preconnect must not block the one-at-a-time server.
            timeout = CONNECTION_TIMEOUT_S

            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != listener._path or "state" not in query:
                    return self._page(404, "Not found", "This is offlineimap-oauth's login listener.")
                if query["state"] != listener._state:
                    return self._page(400, "Wrong login attempt",
                                      "This tab belongs to an older login; use the newest one.")
                listener.response = query
                if "error" in query:
                    return self._page(200, "Sign-in failed",
                                      "Microsoft said: %s. See the terminal for what to do."
                                      % query.get("error_description", query["error"]))
                return self._page(200, "Signed in", "You can close this tab and return to "
                                  "the terminal.")

            def _page(self, status, title, text):
                body = (DONE_PAGE % (html.escape(title), html.escape(text))).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # the query holds the code: never log it
                pass

        return Handler
