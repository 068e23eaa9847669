"""Read ``~/.authinfo`` (netrc syntax, as Emacs' auth-source reads it).

``parse(text, source)`` returns :class:`Entry` records (machine, login,
password, port, each with the position where the entry starts); ``load(path)``
reads a file, decrypting ``*.gpg`` with ``gpg --batch --quiet --decrypt``.

Syntax: whitespace-separated ``keyword value`` pairs; ``machine`` (or
``default``) starts a new entry, so several entries may share a line; values
may be double- or single-quoted (with backslash escapes in double quotes, as
Emacs' ``read`` takes them); ``#`` at the start of a token comments out the
rest of the line; ``macdef`` bodies run to the next blank line.  auth-source's
synonyms are honoured: ``host`` = machine, ``user``/``account`` = login,
``protocol`` = port.
"""

from __future__ import annotations

import shutil
import subprocess

from offlineimap_oauth.errors import ConfigError

SYNONYMS = {"machine": "machine", "host": "machine", "login": "login", "user": "login",
            "account": "login", "password": "password", "port": "port", "protocol": "port"}
GPG_TIMEOUT_S = 120  # gpg-agent may ask for a passphrase through pinentry


class Entry:
    """One authinfo entry; ``machine`` is None for a ``default`` entry."""

    __slots__ = ("machine", "login", "password", "port", "source", "line", "col", "extra")

    def __init__(self, source, line, col, machine=None):
        self.source, self.line, self.col = source, line, col
        self.machine, self.login, self.password, self.port = machine, None, None, None
        self.extra = {}

    def where(self) -> str:
        return "%s:%d:%d" % (self.source, self.line, self.col)

    def __repr__(self):  # never shows the password
        return "Entry(machine=%r, login=%r, port=%r)" % (self.machine, self.login, self.port)


def load(path: str) -> list:
    """The entries of the authinfo file at ``path`` (``.gpg`` decrypted through gpg)."""
    if path.endswith(".gpg"):
        return parse(_decrypt(path), path)
    try:
        with open(path, encoding="utf-8") as handle:
            return parse(handle.read(), path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("Cannot read %s: %s" % (path, error),
                          hint="Check the file, or leave it out of the convert command.") from None


def _decrypt(path: str) -> str:
    gpg = shutil.which("gpg") or shutil.which("gpg2")
    if gpg is None:
        raise ConfigError("%s is encrypted, and gpg is not installed." % path,
                          hint="Install gnupg (apt-get install gnupg), or decrypt the file "
                               "yourself and pass the plain copy: convert ~/.gnus.el FILE")
    try:
        result = subprocess.run([gpg, "--batch", "--quiet", "--decrypt", path],
                                capture_output=True, timeout=GPG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ConfigError("gpg did not decrypt %s within %d s." % (path, GPG_TIMEOUT_S),
                          hint="Unlock your key (gpg-agent), then run convert again.") from None
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip() or "exit %d" % result.returncode
        raise ConfigError("gpg could not decrypt %s: %s" % (path, reason),
                          hint="Check that your secret key is available (gpg --list-secret-keys), "
                               "then run convert again.")
    try:
        return result.stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError("%s decrypts to text that is not UTF-8: %s" % (path, error)) from None


KEYWORDS = set(SYNONYMS) | {"default", "macdef"}


def parse(text: str, source: str = "<authinfo>") -> list:
    """The entries of netrc ``text``; raises ConfigError naming file:line:col.

    A keyword whose value is missing takes the next word as its value in
    Emacs's auth-source (``login machine``), which re-pairs the rest of the
    line; every such place is reported at once, never re-paired silently."""
    entries, current, problems = [], None, []
    tokens = _tokens(text, source)
    for word, quoted, line, col in tokens:
        key = None if quoted else word.lower()
        if key == "default":
            current = Entry(source, line, col)
            entries.append(current)
            continue
        if key == "macdef":
            tokens.skip_macdef()
            continue
        token = next(tokens, None)
        if token is None:
            problems.append("%s:%d:%d: %r has no value; write it as: %s VALUE"
                            % (source, line, col, word, word))
            break
        value, value_quoted = token[0], token[1]
        if not value_quoted and value.lower() in KEYWORDS and key in SYNONYMS:
            problems.append("%s:%d:%d: %r has no value: Emacs would read the next word %r as "
                            "its value and pair the rest of the line wrongly"
                            % (source, line, col, word, value))
            tokens.pushback(token)  # read on from the keyword, to report only this place
            continue
        if key is not None and SYNONYMS.get(key) == "machine":
            current = Entry(source, line, col, machine=value)
            entries.append(current)
        elif current is None:
            raise ConfigError("%s:%d:%d: %r before the first 'machine'" % (source, line, col, word),
                              hint="Start each entry with: machine NAME login USER password X")
        elif key in SYNONYMS:
            setattr(current, SYNONYMS[key], value)
        else:
            current.extra[word] = value
    if problems:
        single = len(problems) == 1
        raise ConfigError(problems[0] if single else "%s: %d authinfo lines Emacs cannot read "
                          "as meant." % (source, len(problems)), problems=[] if single else problems,
                          hint="Write the missing value (quote it if it is a word such as "
                               "\"machine\"), then run convert again; nothing was written.")
    return entries


class _Tokens:
    """An iterator of (word, quoted, line, col) over netrc text."""

    def __init__(self, text, source):
        self.text, self.source = text, source
        self.pos, self.line, self.col = 0, 1, 1
        self.pending = None

    def __iter__(self):
        return self

    def pushback(self, token) -> None:
        self.pending = token

    def _advance(self) -> str:
        char = self.text[self.pos]
        self.pos += 1
        self.line, self.col = (self.line + 1, 1) if char == "\n" else (self.line, self.col + 1)
        return char

    def __next__(self):
        if self.pending is not None:
            token, self.pending = self.pending, None
            return token
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char.isspace():
                self._advance()
            elif char == "#":
                while self.pos < len(text) and text[self.pos] != "\n":
                    self._advance()
            else:
                break
        if self.pos >= len(text):
            raise StopIteration
        line, col = self.line, self.col
        if text[self.pos] in "\"'":
            return self._quoted(line, col) + (True, line, col)
        word = []
        while self.pos < len(text) and not text[self.pos].isspace():
            word.append(self._advance())
        return "".join(word), False, line, col

    def skip_macdef(self) -> None:
        """netrc macro bodies run to the next blank line; Emacs ignores them, so do we."""
        end = self.text.find("\n\n", self.pos)
        end = len(self.text) if end < 0 else end
        while self.pos < end:
            self._advance()

    def _quoted(self, line, col):
        quote = self._advance()
        out = []
        while self.pos < len(self.text):
            char = self._advance()
            if char == quote:
                return ("".join(out),)
            if char == "\\" and quote == '"' and self.pos < len(self.text):
                char = self._advance()
                char = {"n": "\n", "t": "\t"}.get(char, char)
            out.append(char)
        raise ConfigError("%s:%d:%d: quoted value never closed" % (self.source, line, col),
                          hint="Add the closing %s." % quote)


def _tokens(text, source):
    return _Tokens(text, source)
