"""A one-shot HTTP listener on the loopback that receives the browser's redirect.

Used by the localhost login flow: it answers exactly one redirect carrying
the expected ``state`` with a "you can close this tab" page and hands its
query parameters to the caller.  Anything else (a favicon, a stale tab with
another state) is answered and ignored.

What it accepts, and why:

- It listens on 127.0.0.1, and for a ``localhost`` redirect on ``[::1]``
  too, on the same port: browsers try ``::1`` first, and a port free on
  127.0.0.1 only would let another local user take the redirect (and the
  code) there.  If the machine has no ``::1``, 127.0.0.1 alone is used; if
  another program holds the port on either address, the login stops with
  a message.
- Every connection is served in its own thread and closed after
  ``CONNECTION_DEADLINE_S`` whatever it sends, so a client trickling a
  byte at a time (or a browser's idle preconnect) cannot delay the
  browser's redirect; at most ``MAX_CONNECTIONS`` are served at once.
- A client that hangs up is dropped silently.
"""

from __future__ import annotations

import errno
import html
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from offlineimap_oauth.errors import ConfigError

CONNECTION_TIMEOUT_S = 5  # per read: an idle connection is closed after this
CONNECTION_DEADLINE_S = 10  # per connection, in total: a trickling client too
MAX_CONNECTIONS = 64  # served at once; more are closed at once
POLL_S = 0.2  # how often the accept loop looks at deadlines and the answer
FREE_PORT_TRIES = 20  # for a port free on both 127.0.0.1 and ::1
DONE_PAGE = ("<!doctype html><meta charset=utf-8><title>offlineimap-oauth</title>"
             "<h1>%s</h1><p>%s</p>")


class OneShotListener:
    """Listens on the port of ``redirect_uri`` (or a free one) until one answer arrives."""

    def __init__(self, redirect_uri: str, timeout: float):
        parts = urlsplit(redirect_uri)
        self._timeout = timeout
        self._state = None
        self.response = None
        self._answered = threading.Event()
        self._guard = threading.Lock()
        self._connections: dict = {}  # socket -> time.monotonic() deadline
        self._path = parts.path or "/"
        both = (parts.hostname or "").lower() == "localhost"
        self._sockets = _bind(parts.port or 0, both)
        port = self._sockets[0].getsockname()[1]
        self.redirect_uri = "http://%s:%d%s" % (parts.hostname, port, parts.path)

    @property
    def addresses(self) -> list:
        """The (host, port) pairs listened on."""
        return [sock.getsockname()[:2] for sock in self._sockets]

    def expect_state(self, state: str) -> None:
        self._state = state

    def wait(self) -> dict | None:
        """The redirect's query parameters, or None after the timeout."""
        import selectors

        deadline = time.monotonic() + self._timeout
        with selectors.DefaultSelector() as selector:
            for sock in self._sockets:
                selector.register(sock, selectors.EVENT_READ)
            while not self._answered.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                for key, _ in selector.select(min(remaining, POLL_S)):
                    self._accept(key.fileobj)
                self._close_overdue()
        return self.response

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for sock in self._sockets:
            sock.close()
        with self._guard:
            for connection in list(self._connections):
                _shut(connection)
        return False

    def _accept(self, server) -> None:
        try:
            connection, address = server.accept()
        except OSError:  # the client gave up before we got to it
            return
        with self._guard:
            if len(self._connections) >= MAX_CONNECTIONS:
                connection.close()
                return
            self._connections[connection] = time.monotonic() + CONNECTION_DEADLINE_S
        threading.Thread(target=self._serve, args=(connection, address), daemon=True).start()

    def _serve(self, connection, address) -> None:
        try:
            connection.settimeout(CONNECTION_TIMEOUT_S)
            self._handler_class()(connection, address, None)
        except (OSError, ValueError):  # hung up, reset, timed out or shut at the deadline
            pass
        finally:
            with self._guard:
                self._connections.pop(connection, None)
            connection.close()

    def _close_overdue(self) -> None:
        now = time.monotonic()
        with self._guard:
            for connection, deadline in self._connections.items():
                if deadline <= now:
                    _shut(connection)  # its thread's read fails and it ends

    def _answer(self, query: dict) -> None:
        with self._guard:
            if self.response is None:
                self.response = query
        self._answered.set()

    def _handler_class(self):
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != listener._path or "state" not in query:
                    return self._page(404, "Not found", "This is offlineimap-oauth's login listener.")
                if query["state"] != listener._state:
                    return self._page(400, "Wrong login attempt",
                                      "This tab belongs to an older login; use the newest one.")
                try:  # the page first: wait() returning closes the connections
                    if "error" in query:
                        self._page(200, "Sign-in failed",
                                   "Microsoft said: %s. See the terminal for what to do."
                                   % query.get("error_description", query["error"]))
                    else:
                        self._page(200, "Signed in", "You can close this tab and return to "
                                   "the terminal.")
                finally:
                    listener._answer(query)  # even if the browser left before the page

            def _page(self, status, title, text):
                body = (DONE_PAGE % (html.escape(title), html.escape(text))).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def log_message(self, *args):  # the query holds the code: never log it
                pass

        return Handler


def _bind(port: int, with_ipv6: bool) -> list:
    """Listening sockets on 127.0.0.1 (and ::1 if asked and present), one port."""
    for _ in range(FREE_PORT_TRIES if port == 0 else 1):
        ipv4 = _listen(socket.AF_INET, "127.0.0.1", port)
        if not with_ipv6:
            return [ipv4]
        chosen = ipv4.getsockname()[1]
        try:
            return [ipv4, _listen(socket.AF_INET6, "::1", chosen)]
        except _NoIPv6:
            return [ipv4]
        except ConfigError:
            ipv4.close()
            if port:
                raise
    raise ConfigError("No port is free on both 127.0.0.1 and [::1] for the login listener.",
                      hint="Try again, or use --flow device.")


class _NoIPv6(Exception):
    pass


def _listen(family, host: str, port: int):
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(MAX_CONNECTIONS)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(
                "Another program listens on %s port %d, where the browser would bring the "
                "login code." % ("[%s]" % host if ":" in host else host, port),
                hint="Stop that program, use another port in redirect_uri (registered for "
                     "the app), or use --flow device.") from None
        if family == socket.AF_INET6:
            raise _NoIPv6() from None  # no ::1 on this machine: 127.0.0.1 alone
        raise
    return sock


def _shut(connection) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
