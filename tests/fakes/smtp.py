"""A fake smtp.office365.com:587 for tests: STARTTLS, then AUTH XOAUTH2 only.

Offers `FakeSMTPServer(ca, validate_token)`, a context manager running an
aiosmtpd server on 127.0.0.1 (free port, `.host`/`.port`) that

- requires STARTTLS (certificate issued by the test CA) before anything else;
- advertises and accepts only AUTH XOAUTH2, checking the bearer token with the
  injected `validate_token` (e.g. `FakeIdentityPlatform.introspect`): the token
  must be active, carry the `SMTP.Send` scope, and belong to the XOAUTH2
  `user=` (case-insensitive);
- answers failures with Exchange Online's exact texts (535 5.7.3, 535 5.7.139
  for users in `smtp_auth_disabled_for`, 530 5.7.57 for MAIL before AUTH);
- records every accepted message in `messages` (`ReceivedMessage`) and counts
  `auth_attempts` / `auth_failures`.
"""

import base64
import binascii
import collections
import socket
import threading
from dataclasses import dataclass
from typing import Callable, List, Optional, Set, Tuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

# Exchange Online's replies, verbatim; the bracket names the front-end server.
EXCHANGE_HOST = "TY2PR01CA0001.jpnprd01.prod.outlook.com"
AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_FAILED = f"535 5.7.3 Authentication unsuccessful [{EXCHANGE_HOST}]"
AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
    "disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for "
    "more information."
)
NOT_AUTHENTICATED = "530 5.7.57 Client not authenticated to send mail."
SMTP_SCOPE = "SMTP.Send"
# msmtp sends the ~2 KB XOAUTH2 response on its own line; RFC 5321's 1001
# octets (aiosmtpd's default) would reject it.
LONG_LINE_LIMIT = 16384

TokenValidator = Callable[[str], dict]


@dataclass(frozen=True)
class ReceivedMessage:
    """One message accepted by the fake server."""

    envelope_from: str
    rcpt_tos: Tuple[str, ...]
    auth_user: str
    content: bytes  # as received after dot-unstuffing, CRLF line ends


def parse_xoauth2(blob: bytes) -> Optional[Tuple[str, str]]:
    """Return (user, token) from a decoded XOAUTH2 response, or None."""
    fields = {}
    for part in blob.decode("utf-8", "replace").split("\x01"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key] = value
    scheme, _, token = fields.get("auth", "").partition(" ")
    if "user" not in fields or scheme.lower() != "bearer" or not token:
        return None
    return fields["user"], token


class _Recorder:
    """aiosmtpd handler: judges tokens, stores messages, keeps counts."""

    def __init__(self, validate_token: TokenValidator):
        self.validate_token = validate_token
        self.smtp_auth_disabled_for: Set[str] = set()
        self.messages: List[ReceivedMessage] = []
        # Not "auth_*": aiosmtpd takes handler attributes named so for
        # AUTH mechanisms and would advertise them.
        self.attempts = 0
        self.failures = 0
        self._lock = threading.Lock()

    def judge(self, user: str, token: str) -> str:
        """Return the SMTP reply for an XOAUTH2 attempt by `user`."""
        with self._lock:
            self.attempts += 1
        reply = self._reply_for(user, token)
        if reply != AUTH_OK:
            with self._lock:
                self.failures += 1
        return reply

    def _reply_for(self, user: str, token: str) -> str:
        try:
            info = self.validate_token(token) or {}
        except Exception:  # an unknown or malformed token is just invalid
            return AUTH_FAILED
        # Scopes may come bare ("SMTP.Send") or as resource URIs.
        scopes = [s.rsplit("/", 1)[-1] for s in str(info.get("scope", "")).split()]
        owner = str(info.get("username", ""))
        if (info.get("active") is not True or SMTP_SCOPE not in scopes
                or owner.lower() != user.lower()):
            return AUTH_FAILED
        disabled = {u.lower() for u in self.smtp_auth_disabled_for}
        if user.lower() in disabled:
            return AUTH_DISABLED
        return AUTH_OK

    async def handle_DATA(self, server, session, envelope):
        record = ReceivedMessage(
            envelope_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            auth_user=session.auth_data,
            content=bytes(envelope.original_content),
        )
        with self._lock:
            self.messages.append(record)
        return "250 2.6.0 Queued mail for delivery"


class _ExchangeSMTP(SMTP):
    """aiosmtpd's SMTP speaking like Exchange Online's submission port."""

    line_length_limit = LONG_LINE_LIMIT

    def __init__(self, handler: _Recorder, **kwargs):
        super().__init__(handler, **kwargs)
        # The class-level dict of aiosmtpd is shared and defaults to 512.
        self.command_size_limits = collections.defaultdict(
            lambda: LONG_LINE_LIMIT)

    async def check_auth_needed(self, caller_method: str) -> bool:
        if self.session.authenticated or caller_method in ("HELP", "VRFY"):
            return False
        await self.push(NOT_AUTHENTICATED)
        return True

    async def auth_XOAUTH2(self, _, args: List[str]) -> AuthResult:
        blob = await self._xoauth2_response(args)
        if blob is None:  # client aborted; challenge_auth already replied
            return AuthResult(success=False, handled=True)
        parsed = parse_xoauth2(blob)
        if parsed is None:
            self.event_handler.judge("", "")
            return AuthResult(success=False, handled=False,
                              message=AUTH_FAILED)
        reply = self.event_handler.judge(*parsed)
        if reply == AUTH_OK:
            return AuthResult(success=True, auth_data=parsed[0],
                              message=AUTH_OK)
        return AuthResult(success=False, handled=False, message=reply)

    async def _xoauth2_response(self, args: List[str]) -> Optional[bytes]:
        """The decoded initial response: inline or after an empty 334."""
        if len(args) == 2:
            try:
                return base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return b""
        blob = await self.challenge_auth("", encode_to_b64=False)
        return blob if isinstance(blob, bytes) else None


class _Controller(Controller):
    """Controller serving on a socket bound beforehand (no port race)."""

    def __init__(self, handler, sock: socket.socket, **kwargs):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def factory(self):
        return _ExchangeSMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


def _bound_socket(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(64)
    return sock


class FakeSMTPServer:
    """smtp.office365.com:587 look-alike; use as a context manager."""

    host = "127.0.0.1"

    def __init__(self, ca, validate_token: TokenValidator):
        self._ca = ca
        self._recorder = _Recorder(validate_token)
        self._controller: Optional[_Controller] = None
        self.port: Optional[int] = None

    @property
    def messages(self) -> List[ReceivedMessage]:
        return self._recorder.messages

    @property
    def smtp_auth_disabled_for(self) -> Set[str]:
        return self._recorder.smtp_auth_disabled_for

    @smtp_auth_disabled_for.setter
    def smtp_auth_disabled_for(self, users: Set[str]) -> None:
        self._recorder.smtp_auth_disabled_for = set(users)

    @property
    def auth_attempts(self) -> int:
        return self._recorder.attempts

    @property
    def auth_failures(self) -> int:
        return self._recorder.failures

    def start(self) -> "FakeSMTPServer":
        sock = _bound_socket(self.host)
        self.port = sock.getsockname()[1]
        try:
            self._controller = self._make_controller(sock)
            self._controller.start()
        except BaseException:
            sock.close()
            self._controller = None
            raise
        return self

    def _make_controller(self, sock: socket.socket) -> _Controller:
        cert, key = self._ca.issue_server_cert("127.0.0.1")
        return _Controller(
            self._recorder, sock,
            server_hostname=EXCHANGE_HOST,
            tls_context=self._ca.server_context(cert, key),
            require_starttls=True,
            auth_require_tls=True,
            auth_required=True,
            auth_exclude_mechanism=["PLAIN", "LOGIN"],
            data_size_limit=150 * 1024 * 1024,  # Exchange's 150 MB maximum
        )

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "FakeSMTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
