"""Render msmtp account blocks for converted accounts (after contrib/msmtprc).

Each block is complete by itself (it does not lean on a ``defaults`` block
the user's file may have): STARTTLS on 587 (or TLS on 465), ``auth
xoauth2``, and ``passwordeval`` running our CLI by absolute path.  msmtp
refuses lines of 500 characters or more, so tokens are never inlined.
"""

from __future__ import annotations

import shlex

from offlineimap_oauth.errors import ConfigError

MAX_LINE = 499  # msmtp's config reader rejects longer lines
TIMEOUT_S = 60  # a silent server must not freeze Emacs, which waits for msmtp

HEADER = """\
# msmtp configuration; accounts written by offlineimap-oauth convert.
# Try: msmtp --pretend -a NAME
"""


def _quoted(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def render_account(account, command: list) -> str:
    token_command = " ".join(shlex.quote(part) for part in command + ["token", account.name])
    lines = [
        "account %s" % account.name,
        "host %s" % account.smtp_host,
        "port %d" % account.smtp_port,
        "tls on",
        "tls_starttls %s" % ("on" if account.smtp_starttls else "off"),
        "tls_trust_file system",
        "auth xoauth2",
        "user %s" % account.smtp_user,
        "from %s" % account.user,
        "timeout %d" % TIMEOUT_S,
        "passwordeval %s" % _quoted(token_command),
    ]
    too_long = [line for line in lines if len(line) > MAX_LINE]
    if too_long:
        raise ConfigError("An msmtprc line for %s would be %d characters; msmtp accepts %d."
                          % (account.name, len(too_long[0]), MAX_LINE),
                          hint="Install offlineimap-oauth at a shorter path.")
    return "\n".join(lines) + "\n"


def sections(conversion, command: list) -> list:
    return [(account.name, render_account(account, command)) for account in conversion.accounts]


def default_line(conversion) -> tuple:
    """The ``account default : NAME`` section (the first converted account)."""
    return ("default", "account default : %s\n" % conversion.accounts[0].name)
