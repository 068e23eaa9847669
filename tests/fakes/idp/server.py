"""The HTTPS server under the simulated identity platform.

Offers :class:`Serving`, the platform's lifecycle (``start``/``stop``, use
as a context manager, ``authority(tenant)``), and the threading HTTPS server
and HTTP/1.1 keep-alive handler behind it, which hand every request to the
platform's ``_handle`` and write back its :data:`~.model.Reply`.
"""

from __future__ import annotations

import socket
import threading
import time
import weakref
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .model import HANG_LIMIT_S, TRICKLE_HEADER

_SERVER_CERTS = weakref.WeakKeyDictionary()  # TestCA -> (cert, key): keygen is slow


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Dovecot reuses connections
    timeout = 60  # idle keep-alive connections
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def setup(self):
        # The TLS handshake runs here, in the connection's own thread, so a
        # stalled client never blocks the accept loop.
        self.request.settimeout(10)
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _dispatch(self):
        body = self._read_body()  # always: keep-alive clients send the next request
        url = urlsplit(self.path)
        reply = self.server.platform._handle(
            self.command, url.path, dict(parse_qsl(url.query, keep_blank_values=True)),
            self.headers, body)
        if reply is None:  # stopping during a hang: drop the connection
            self.close_connection = True
            return
        headers = dict(reply.headers)
        trickle = headers.pop(TRICKLE_HEADER, None)
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if trickle is None:
            self.end_headers()
            self.wfile.write(reply.body)
        else:
            self._trickle(float(trickle), reply.body)

    def _trickle(self, interval: float, body: bytes):
        """Send the buffered headers and the body one byte per ``interval`` s,
        for at most HANG_LIMIT_S, stopping early when the platform stops."""
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        deadline = time.monotonic() + HANG_LIMIT_S
        self.close_connection = True
        for i in range(len(data)):
            if time.monotonic() > deadline or self.server.platform._stopping.wait(interval):
                return
            try:
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            except OSError:
                return

    def log_message(self, format, *args):
        pass  # the platform keeps its own request log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hanging handlers

    def __init__(self, platform, context):
        self.platform = platform
        self._connections = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        pass  # TLS handshake failures, clients hanging up: not test failures

    def close_connections(self):
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Serving:
    """Part of FakeIdentityPlatform: serve over HTTPS on 127.0.0.1.

    Uses the platform's ``ca``, ``base_url``, ``_stopping``, ``_server`` and
    ``_thread``.
    """

    def start(self):
        """Listen on a free port of 127.0.0.1 and serve in a daemon thread."""
        if self.ca not in _SERVER_CERTS:
            _SERVER_CERTS[self.ca] = self.ca.issue_server_cert("127.0.0.1")
        cert, key = _SERVER_CERTS[self.ca]
        self._stopping.clear()
        self._server = _Server(self, self.ca.server_context(cert, key))
        self.base_url = "https://127.0.0.1:%d" % self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-idp", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving; wakes hanging handlers and closes kept-alive connections."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def authority(self, tenant) -> str:
        """The MSAL authority URL for a tenant path segment."""
        return "%s/%s" % (self.base_url, tenant)
