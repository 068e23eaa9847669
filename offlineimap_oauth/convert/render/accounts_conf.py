"""Render ``[account NAME]`` sections of accounts.conf for converted accounts.

The only place client secrets are written.  Values that INI would not keep
as they are (`` ;``, ``#``, quotes, backslashes, outer spaces) are written
double-quoted with JSON escapes, which ``accounts.parse`` decodes; ``;`` and
``#`` become ``\u003b``/``\u0023`` because configparser strips inline
comments before it sees quotes, and every character that is not printable
(control characters, CR, U+2028...) becomes ``\\uXXXX``, so a value is always
one line and can never start a section or key of its own.  convert refuses
such values before rendering (syntax.check_account); the escapes are the
second wall.
"""

from __future__ import annotations

import json
import re

from offlineimap_oauth.accounts import NAME_RE, SECTION_PREFIX
from offlineimap_oauth.convert.render.syntax import comment_text
from offlineimap_oauth.errors import ConfigError

SAFE_VALUE = re.compile(r"^[^\s\"'\\;#%][^\"\\;#]*(?<=\S)$|^$")


def quote(value: str) -> str:
    """``value`` as accounts.conf reads it back exactly."""
    if SAFE_VALUE.match(value) and value == value.strip() and value.isprintable():
        return value
    # configparser cuts " ;" and " #" comments even inside quotes: escape both.
    text = json.dumps(value, ensure_ascii=False).replace("#", "\\u0023").replace(";", "\\u003b")
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return "\\u%04x" % code
    code -= 0x10000  # JSON spells the rest as a UTF-16 surrogate pair
    return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def render_section(account) -> str:
    """One ``[account NAME]`` section (no trailing blank line)."""
    if not NAME_RE.fullmatch(account.name):
        raise ConfigError("Refusing to write [account %s]: not an account name." % account.name,
                          hint="Account names use letters, digits and . _ @ + -.")
    lines = ["[%s%s]" % (SECTION_PREFIX, account.name),
             "; converted from %s by offlineimap-oauth convert"
             % comment_text(account.where.rsplit(":", 2)[0]),
             "user = %s" % quote(account.user),
             "client_id = %s" % quote(account.client_id)]
    google = getattr(account, "provider", "microsoft") == "google"
    if google:
        lines.insert(2, "provider = google")
    if account.client_secret:
        lines.append("client_secret = %s" % quote(account.client_secret))
    if getattr(account, "client_secret_command", None):  # convert --client-secret-command
        lines.append("client_secret_command = %s" % quote(account.client_secret_command))
    if google:  # no tenant, no redirect (login picks a loopback port), Google's own endpoints
        if account.scopes:
            lines.append("scopes = %s" % quote(" ".join(account.scopes)))
        return "\n".join(lines) + "\n"
    if account.authority:
        lines.append("authority = %s" % quote(account.authority))
    else:
        lines.append("tenant = %s" % quote(account.tenant))
    if account.scopes:
        lines.append("scopes = %s" % quote(" ".join(account.scopes)))
    if account.redirect_uri:
        lines.append("redirect_uri = %s" % quote(account.redirect_uri))
    return "\n".join(lines) + "\n"


def sections(conversion) -> list:
    """[(section name, text)] for merge."""
    return [(SECTION_PREFIX + account.name, render_section(account))
            for account in conversion.accounts]
