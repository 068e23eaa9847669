"""Removes secrets from anything that is logged or shown: ``redact(text)``.

Every debug log line (ours, MSAL's, urllib3's) passes through
:class:`RedactingFormatter`.  Known secret values are replaced wherever they
appear; token-shaped strings and ``name=value`` pairs of sensitive fields
are masked even when their value was never registered.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
_known: set = set()

SENSITIVE_FIELD = re.compile(
    r"""((?:access_token|refresh_token|id_token|client_secret|client_assertion|code|"""
    r"""device_code|code_verifier|password|secret|token)["']?\s*[=:]\s*["']?)"""
    r"""([^"'&\s,;}]{4,})""", re.I)
JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
LONG_OPAQUE = re.compile(r"(?<![\w/.-])[\w+/=*.!-]{120,}")  # refresh tokens, EwB... tokens
BEARER = re.compile(r"((?:Bearer|auth=Bearer)\s+)(\S+)", re.I)


def remember(value: str | None) -> None:
    """Register a secret value so every later redact() hides it."""
    if value and len(value) >= 6:
        _known.add(value)


def redact(text: str) -> str:
    """``text`` with every secret it may hold replaced by ***."""
    for value in sorted(_known, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = JWT.sub(MASK, text)
    text = BEARER.sub(r"\1" + MASK, text)
    text = SENSITIVE_FIELD.sub(r"\1" + MASK, text)
    return LONG_OPAQUE.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    """A logging formatter whose output (traceback included) went through redact()."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def enable_debug_logging(stream) -> None:
    """``-v``: debug logs of every library on ``stream``, secrets redacted."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(name)s: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
