"""Scripted Exchange-like IMAP and SMTP servers that refuse with a given text.

Offers :class:`ScriptedExchange`, a context manager running, on 127.0.0.1
and free ports, an IMAPS server (``imap_port``) and an SMTP server with
STARTTLS (``smtp_port``), both with certificates of the test CA.  They
speak just enough of each protocol for ``offlineimap-oauth check``: the
IMAP server greets like Exchange, answers CAPABILITY, AUTHENTICATE XOAUTH2
(continuation, then the client's response), SELECT, LIST and LOGOUT; the
SMTP server answers EHLO, STARTTLS, AUTH XOAUTH2 and QUIT.

Every step succeeds unless the script names it: ``imap_auth`` (the answer
to AUTHENTICATE), ``imap_select`` (the answer to SELECT) or ``smtp_auth``
(the answer to AUTH), each the exact text a real server sent after the tag
(IMAP, e.g. ``NO AUTHENTICATE failed.``) or the whole reply (SMTP, e.g.
``535 5.7.3 Authentication unsuccessful``).  Tokens are not checked: the
point is what the client makes of the server's words.  ``seen`` records
the (protocol, command) pairs received.
"""

from __future__ import annotations

import socket
import threading

IMAP_GREETING = "* OK The Microsoft Exchange IMAP4 service is ready. [VABZADIAUABSADAAMQBDAEEAMAAwADAAMQA=]"
IMAP_CAPABILITY = ("* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID "
                   "UNSELECT CHILDREN IDLE NAMESPACE LITERAL+")
SMTP_HOST = "TY2PR01CA0001.outlook.office365.com"
CONNECTION_TIMEOUT_S = 10  # a client that stops talking must not keep a thread forever
MAX_LINES = 200  # per connection; check needs about a dozen


class ScriptedExchange:
    """IMAPS + SMTP/STARTTLS servers answering from ``script`` (a dict)."""

    def __init__(self, ca, script=None):
        self.script = dict(script or {})
        self.seen = []
        cert, key = ca.issue_server_cert("127.0.0.1")
        self._tls = ca.server_context(cert, key)
        self._listeners = []
        self._stopping = threading.Event()
        self.imap_port = self.smtp_port = None

    def __enter__(self):
        self.imap_port = self._listen(self._imap)
        self.smtp_port = self._listen(self._smtp)
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        for listener in self._listeners:
            listener.close()

    # ------------------------------------------------------------ serving

    def _listen(self, handler) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        self._listeners.append(listener)
        threading.Thread(target=self._accept, args=(listener, handler), daemon=True).start()
        return listener.getsockname()[1]

    def _accept(self, listener, handler):
        while not self._stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.settimeout(CONNECTION_TIMEOUT_S)
            threading.Thread(target=self._serve, args=(connection, handler), daemon=True).start()

    def _serve(self, connection, handler):
        try:
            handler(connection)
        except (OSError, ValueError):
            pass  # the client went away (check's plain connect test does so at once)
        finally:
            connection.close()

    # --------------------------------------------------------------- IMAP

    def _imap(self, raw):
        connection = self._tls.wrap_socket(raw, server_side=True)
        stream = _Lines(connection)
        stream.send(IMAP_GREETING)
        for _ in range(MAX_LINES):
            line = stream.read()
            if line is None:
                return
            tag, _, rest = line.partition(" ")
            command = rest.split(" ")[0].upper()
            self.seen.append(("imap", command))
            if not self._imap_command(stream, tag, command):
                return

    def _imap_command(self, stream, tag, command) -> bool:
        if command == "CAPABILITY":
            stream.send(IMAP_CAPABILITY)
            stream.send("%s OK CAPABILITY completed." % tag)
        elif command == "AUTHENTICATE":
            stream.send("+ ")
            stream.read()  # the XOAUTH2 response
            answer = self.script.get("imap_auth")
            if answer and answer.startswith("+"):  # an error challenge first, then NO
                stream.send(answer)
                stream.read()
                answer = "NO AUTHENTICATE failed."
            stream.send("%s %s" % (tag, answer or "OK AUTHENTICATE completed."))
        elif command in ("SELECT", "EXAMINE"):
            answer = self.script.get("imap_select")
            if not answer:
                stream.send("* 0 EXISTS")
                stream.send("%s OK [READ-ONLY] %s completed." % (tag, command))
            else:
                stream.send("%s %s" % (tag, answer))
                if answer.startswith("BAD"):
                    stream.send("* BYE Connection closed. 14")
                    return False
        elif command == "LIST":
            stream.send('* LIST (\\HasNoChildren) "/" INBOX')
            stream.send("%s OK LIST completed." % tag)
        elif command == "LOGOUT":
            stream.send("* BYE Microsoft Exchange Server IMAP4 server signing off.")
            stream.send("%s OK LOGOUT completed." % tag)
            return False
        else:
            stream.send("%s BAD Command Error. 12" % tag)
        return True

    # --------------------------------------------------------------- SMTP

    def _smtp(self, connection):
        stream = _Lines(connection)
        stream.send("220 %s Microsoft ESMTP MAIL Service ready" % SMTP_HOST)
        for _ in range(MAX_LINES):
            line = stream.read()
            if line is None:
                return
            command = line.split(" ")[0].upper()
            self.seen.append(("smtp", command))
            if command in ("EHLO", "HELO"):
                extensions = ["SIZE 157286400", "PIPELINING", "ENHANCEDSTATUSCODES"]
                extensions.append("AUTH LOGIN XOAUTH2" if stream.secure else "STARTTLS")
                stream.send("250-%s Hello [127.0.0.1]" % SMTP_HOST)
                for extension in extensions[:-1]:
                    stream.send("250-" + extension)
                stream.send("250 " + extensions[-1])
            elif command == "STARTTLS":
                stream.send("220 2.0.0 SMTP server ready")
                stream = _Lines(self._tls.wrap_socket(connection, server_side=True), secure=True)
            elif command == "AUTH":
                stream.send(self.script.get("smtp_auth") or "235 2.7.0 Authentication successful")
            elif command == "QUIT":
                stream.send("221 2.0.0 Service closing transmission channel")
                return
            else:
                stream.send("500 5.3.3 Unrecognized command")


class _Lines:
    """CRLF lines over a socket, bounded."""

    LIMIT = 65536

    def __init__(self, connection, secure=False):
        self.connection = connection
        self.secure = secure or hasattr(connection, "cipher")
        self.buffer = b""

    def send(self, text):
        self.connection.sendall(text.encode("utf-8") + b"\r\n")

    def read(self):
        while b"\n" not in self.buffer:
            if len(self.buffer) > self.LIMIT:
                return None
            chunk = self.connection.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")
