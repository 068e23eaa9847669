"""What a converted value may look like, and how each output syntax carries it.

The one rule of convert's writers: a value read from the user's files
reaches an output file only through an encoder below, which either encodes
it so the file's real reader gets back exactly that value, or refuses it.

- :func:`check_account` checks the shape of every field of a converted
  account (host names, ports, mail addresses, client ids, tenants, no
  control characters) and returns the problems, each naming file:line:col,
  the account and the key, so they are reported together before anything
  is rendered.
- The encoders (:func:`ini_value` for offlineimap's ConfigParser,
  :func:`msmtp_arg`, :func:`elisp_string`, :func:`python_literal`,
  :func:`comment_text`) refuse, with a ConfigError, what their syntax cannot
  carry, so a renderer called without the checks still cannot be tricked
  into writing a second line.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from offlineimap_oauth import accounts as accounts_file
from offlineimap_oauth.errors import ConfigError

# Control characters, and the Unicode line and paragraph separators that
# Python's str.splitlines() and many editors treat as line ends.
_BAD_CATEGORIES = ("Cc", "Zl", "Zp")
_CHAR_NAMES = {"\n": "line feed", "\r": "carriage return", "\t": "tab", "\0": "NUL",
               "\x85": "next line", "\u2028": "line separator", "\u2029": "paragraph separator"}
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_RE = re.compile(r"^(?=.{1,253}$)(?:%s\.)*%s$" % (_LABEL, _LABEL))
# A mail address as Microsoft and Google hand them out: no quoted local part,
# and none of msmtp's `from` pattern characters (% substitutions, * ? [ wildcards).
_LOCAL = r"[A-Za-z0-9!#$&'+=^_`{|}~-]+"
USER_RE = re.compile(r"^%s(?:\.%s)*@(?:%s\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$"
                     % (_LOCAL, _LOCAL, _LABEL))
GOOGLE_CLIENT_ID_RE = re.compile(r"^[0-9]+-[0-9a-z]+\.apps\.googleusercontent\.com$")
TOKEN_RE = re.compile(r"^[!-~]+$")  # printable ASCII without spaces: scopes, URLs
MAX_PORT = 65535


def bad_char(text: str):
    """(index, char) of the first character no single-line value may hold, or None."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in _BAD_CATEGORIES:
            return index, char
    return None


def char_name(char: str) -> str:
    name = _CHAR_NAMES.get(char) or unicodedata.name(char, "control character").lower()
    return "a %s (U+%04X)" % (name, ord(char))


def show(value) -> str:
    """A value for a message: repr escapes control characters; long ones cut."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _no_bad_char(value: str):
    found = bad_char(value)
    if found:
        return "contains %s at position %d; values must be one line of text" % (
            char_name(found[1]), found[0] + 1)
    return None


def _user(value):
    if not isinstance(value, str) or not value:
        return "is missing"
    reason = _no_bad_char(value)
    if reason:
        return "%s %s" % (show(value), reason)
    if not USER_RE.fullmatch(value):
        return ("%s is not a plain mail address (letters, digits, . _ + - ' before the @, "
                "a host name after it)" % show(value))
    return None


def _host(value):
    if not isinstance(value, str) or not value:
        return "is missing"
    reason = _no_bad_char(value)
    if reason:
        return "%s %s" % (show(value), reason)
    if HOST_RE.fullmatch(value.rstrip(".")):
        return None
    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        return "%s is not a host name (letters, digits, - and dots) or an IP address" % show(value)


def _port(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PORT:
        return None
    return "%s is not a port number (1-%d)" % (show(value), MAX_PORT)


def _client_id(value):
    if isinstance(value, str) and (accounts_file.GUID_RE.fullmatch(value)
                                   or GOOGLE_CLIENT_ID_RE.fullmatch(value)):
        return None
    return ("%s is not a client id (a GUID, or a Google ...apps.googleusercontent.com id)"
            % show(value))


def _secret(value):
    if value is None:
        return None
    if not isinstance(value, str):
        return "is not text"
    found = bad_char(value)
    if found:  # never shown: it is a secret
        return "contains %s at position %d; a client secret is one line of text" % (
            char_name(found[1]), found[0] + 1)
    return None


def _tenant(value):
    if isinstance(value, str) and not bad_char(value) and accounts_file._valid_tenant(value):
        return None
    return "%s is not a tenant (consumers, organizations, common, a GUID or a domain)" % show(value)


def _url(value):
    if value is None:
        return None
    reason = _no_bad_char(value) if isinstance(value, str) else "is not text"
    if reason:
        return "%s %s" % (show(value), reason)
    match = re.match(r"^https?://([^/:?#]+)", value)
    if not TOKEN_RE.fullmatch(value) or not match or _host(match.group(1)):
        return "%s is not an http(s) URL without spaces" % show(value)
    return None


def _scopes(value):
    for scope in value or ():
        # The loader splits scopes at spaces and commas.
        if not (isinstance(scope, str) and TOKEN_RE.fullmatch(scope)) or set(scope) & set(',"\\'):
            return ("%s is not a scope (printable characters; no spaces, commas, quotes)"
                    % show(scope))
    # The loader refuses other resources (Microsoft Graph): say so at the input.
    wanted = [scope for scope in value or () if scope.lower() not in accounts_file.RESERVED_SCOPES]
    refused = [scope for scope in wanted
               if not scope.lower().startswith(accounts_file.OUTLOOK_RESOURCES)]
    if refused:
        return accounts_file.not_outlook(refused, [s for s in wanted if s not in refused])
    return None


def _google_scopes(value):
    """A Google account's scopes: one line of tokens holding Gmail's scope."""
    from offlineimap_oauth.providers.google.settings import MAIL_SCOPE

    for scope in value or ():
        if not (isinstance(scope, str) and TOKEN_RE.fullmatch(scope)) or set(scope) & set(',"\\'):
            return ("%s is not a scope (printable characters; no spaces, commas, quotes)"
                    % show(scope))
    if value and MAIL_SCOPE not in value:
        return "lacks %s, the only scope Gmail's IMAP and SMTP accept" % MAIL_SCOPE
    return None


def _name(value):
    if isinstance(value, str) and accounts_file.NAME_RE.fullmatch(value):
        return None
    return "%s is not an account name (letters, digits, . _ @ + -)" % show(value)


def _free_text(value):
    """Values only Emacs Lisp strings carry (encoded): any text but control characters."""
    if value is None:
        return None
    reason = _no_bad_char(value)
    return reason and "%s %s" % (show(value), reason)


# (field of MailAccount, the key the user wrote, check)
FIELDS = (
    ("name", "account name", _name),
    ("user", ":user", _user),
    ("smtp_user", ":smtp-user", _user),
    ("client_id", ":oauth2-client-id", _client_id),
    ("client_secret", ":oauth2-client-secret", _secret),
    ("tenant", "tenant of :oauth2-auth-url", _tenant),
    ("authority", ":oauth2-auth-url", _url),
    ("redirect_uri", ":oauth2-redirect-url", _url),
    ("scopes", ":oauth2-scope", _scopes),
    ("imap_host", "nnimap-address", _host),
    ("imap_port", "nnimap-server-port", _port),
    ("smtp_host", ":smtp-server", _host),
    ("smtp_port", ":smtp-port", _port),
    ("nnimap", "nnimap server name", _free_text),
)
# What differs for a Google account (provider = google): no tenant, Google's scopes.
GOOGLE_FIELDS = {"tenant": None, "scopes": _google_scopes}


def check_account(account) -> list:
    """Every problem with the shape of ``account``'s fields (empty when it can be written)."""
    problems = []
    label = getattr(account, "name", None) or getattr(account, "user", None) or "?"
    google = getattr(account, "provider", "microsoft") == "google"
    for field, key, check in FIELDS:
        if not hasattr(account, field):
            continue
        if google and field in GOOGLE_FIELDS:
            check = GOOGLE_FIELDS[field]
            if check is None:
                continue
        if field == "smtp_user" and account.smtp_user == getattr(account, "user", None):
            continue  # the user itself, checked as :user
        reason = check(getattr(account, field))
        if reason:
            problems.append("%s: account %s: %s %s" % (
                getattr(account, "where", "") or "?", show(label).strip("'\""), key, reason))
    return problems


def check_conversion(conversion) -> None:
    """Raise one ConfigError listing every value convert must not write."""
    problems = []
    for account in conversion.accounts:
        problems.extend(check_account(account))
    visible = getattr(conversion, "visible_groups", None)
    if visible is not None and _free_text(visible):
        problems.append("gnus-permanently-visible-groups %s" % _free_text(visible))
    if problems:
        raise ConfigError("Cannot convert: %d value(s) cannot be written safely." % len(problems),
                          problems=problems,
                          hint="Fix them in your Emacs files and run convert again; "
                               "nothing was written.")


# What to do about a refused value read from the user's Emacs files (the
# default); values that come from the command line pass their own hint.
FIX_IN_EMACS = "Fix the value in your Emacs files; nothing was written."


def _refuse(value: str, key: str, what: str, hint: str):
    found = bad_char(value)
    if found:
        raise ConfigError("Refusing to write %s %s: it contains %s."
                          % (what, key, char_name(found[1])), hint=hint)


def ini_value(value: str, key: str, hint: str = FIX_IN_EMACS) -> str:
    """``value`` as offlineimap's ConfigParser (with ``%`` interpolation) reads it back."""
    text = str(value)
    _refuse(text, key, "the offlineimaprc value of", hint)
    if text != text.strip():
        raise ConfigError("Refusing to write the offlineimaprc value of %s: it starts or ends "
                          "with a space, which offlineimap would drop." % key, hint=hint)
    # offlineimap's CustomConfigParser is a ConfigParser with BasicInterpolation.
    return text.replace("%", "%%")


def msmtp_arg(value: str, key: str, hint: str = FIX_IN_EMACS) -> str:
    """``value`` as msmtp reads a command's argument.

    msmtp (1.8.23) trims blanks, then drops one pair of enclosing double
    quotes; it has no escapes, so a quoted argument is taken verbatim.
    """
    text = str(value)
    _refuse(text, key, "the msmtprc argument of", hint)
    if re.fullmatch(r"[A-Za-z0-9._@+:/=-]+", text):
        return text
    return '"%s"' % text


def elisp_string(text: str) -> str:
    """``text`` as a pure-ASCII Emacs Lisp string literal that reads back exactly."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append("\\u%04x" % ord(char))
        else:
            out.append("\\U%08x" % ord(char))
    out.append('"')
    return "".join(out)


def python_literal(value: str) -> str:
    """``value`` as a one-line Python string literal (``repr`` escapes every control char)."""
    import ast

    text = str(value)
    literal = '"%s"' % text if re.fullmatch(r'[ !#-\[\]-~]*', text) else repr(text)
    if ast.literal_eval(literal) != text or bad_char(literal):  # pragma: no cover
        raise ConfigError("Internal check failed: %s is not a safe Python literal." % show(text),
                          hint="Please report this.")
    return literal


def comment_text(text: str) -> str:
    """``text`` for a one-line comment: control characters written as ``\\uXXXX``."""
    return "".join("\\u%04x" % ord(char) if bad_char(char) else char for char in str(text))
