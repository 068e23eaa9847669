"""Render msmtp account blocks for converted accounts (after contrib/msmtprc).

Each block is complete by itself (it does not lean on a ``defaults`` block
the user's file may have): STARTTLS on 587 (or TLS on 465), ``auth
xoauth2``, and ``passwordeval`` running our CLI by absolute path.  msmtp
refuses lines of 500 characters or more, so tokens are never inlined.

Every argument goes through :func:`syntax.msmtp_arg`: msmtp takes the rest
of the line, trims blanks and drops one pair of enclosing double quotes (it
has no escapes), so anything but a plain word is written in double quotes,
and a line break or other control character is refused.  Mail addresses
never carry msmtp's ``from`` patterns (``%U``, ``*``...): the shape checks
refuse them.
"""

from __future__ import annotations

import shlex

from offlineimap_oauth.accounts import NAME_RE
from offlineimap_oauth.convert.render.syntax import FIX_IN_EMACS, msmtp_arg
from offlineimap_oauth.errors import ConfigError

MAX_LINE = 499  # msmtp's config reader rejects longer lines
TIMEOUT_S = 60  # a silent server must not freeze Emacs, which waits for msmtp

# passwordeval holds our install path and convert's --config, not a value from Emacs.
COMMAND_HINT = ("Use a --config path (and an install path) without control characters; "
                "nothing was written.")

HEADER = """\
# msmtp configuration; accounts written by offlineimap-oauth convert.
# Try: msmtp --pretend -a NAME
"""


def commands(account, command: list) -> list:
    """[(msmtp command, argument)] of one account, as msmtp must read them back."""
    if not NAME_RE.fullmatch(account.name):
        raise ConfigError("Refusing to write msmtp account %s: not an account name."
                          % account.name, hint="Account names use letters, digits and . _ @ + -.")
    token_command = " ".join(shlex.quote(part) for part in command + ["token", account.name])
    return [
        ("account", account.name),
        ("host", account.smtp_host),
        ("port", str(account.smtp_port)),
        ("tls", "on"),
        ("tls_starttls", "on" if account.smtp_starttls else "off"),
        ("tls_trust_file", "system"),
        ("auth", "xoauth2"),
        ("user", account.smtp_user),
        ("from", account.user),
        ("timeout", str(TIMEOUT_S)),
        ("passwordeval", token_command),
    ]


def render_account(account, command: list) -> str:
    lines = []
    for name, value in commands(account, command):
        hint = COMMAND_HINT if name == "passwordeval" else FIX_IN_EMACS
        lines.append("%s %s" % (name, msmtp_arg(value, "%s of account %s" % (name, account.name),
                                                hint)))
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
