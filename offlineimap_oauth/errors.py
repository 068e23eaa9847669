"""The one error base of the package and the exit codes it maps to.

Every failure a user can meet is an :class:`Error` (or a subclass) carrying a
message, an optional list of individual problems, and the next step to take.
The CLI prints ``str(error)`` on stderr and exits with ``error.exit_code``.
"""

from __future__ import annotations  # hints stay strings: no typing import on the hot path

EXIT_OK = 0
EXIT_FAILURE = 1  # unexpected failure (a bug, or something we did not foresee)
EXIT_USAGE = 2  # wrong command line (argparse uses 2 as well)
EXIT_CONFIG = 3  # fix the configuration: accounts.conf or the app registration
EXIT_LOGIN_REQUIRED = 4  # no usable refresh token: run `offlineimap-oauth login NAME`
EXIT_TRY_LATER = 5  # network or identity platform trouble: the same call may work later
EXIT_LOCKED = 6  # gpg-agent or the keyring is locked or absent: unlock it, then call again


class Error(Exception):
    """A failure explained to the user: what happened, then what to do."""

    exit_code = EXIT_FAILURE

    def __init__(
        self,
        message: str,
        *,
        problems: "list | tuple" = (),
        hint: "str | None" = None,
        code: "str | None" = None,
    ):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.hint = hint
        self.code = code  # e.g. "AADSTS50173", kept for diagnostics and tests

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend("  - " + problem for problem in self.problems)
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class UsageError(Error):
    exit_code = EXIT_USAGE


class ConfigError(Error):
    """accounts.conf, or the app registration at Microsoft, needs a change."""

    exit_code = EXIT_CONFIG


class UnsafeStore(Error):
    """The token store's directory or one of its files could be someone else's."""

    exit_code = EXIT_CONFIG


class LoginRequired(Error):
    """No refresh token, or Microsoft no longer accepts it."""

    exit_code = EXIT_LOGIN_REQUIRED


class TryLater(Error):
    """The network or the identity platform failed; nothing is wrong locally."""

    exit_code = EXIT_TRY_LATER


class Locked(Error):
    """The encrypted token store cannot be opened without the user (token_store = gpg|keyring)."""

    exit_code = EXIT_LOCKED


def login_hint(account_name: str) -> str:
    """The next step for every login-required failure, in one wording."""
    return "Run: offlineimap-oauth login %s" % account_name


# What a terminal would act on rather than show: C0 controls but newline and
# tab (ESC starts colour changes, title rewrites, screen clears), DEL, C1
# controls, the line/paragraph separators, and the bidirectional overrides
# that reorder what is displayed.  Text from a user's files (a hostile Gnus
# config, an authinfo line) or from a server reaches our messages.
_UNSHOWN = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def shown(text: str) -> str:
    """``text`` safe for a terminal: each character it would act on as an escape."""
    import re

    return re.sub(_UNSHOWN, lambda found: "\\x%02x" % ord(found.group())
                  if ord(found.group()) < 0x100 else "\\u%04x" % ord(found.group()), text)
