"""Read Emacs Lisp source as data; nothing is ever evaluated.

``read_all(text, source)`` returns the top-level forms of a file as nodes
that remember where they start (``line``, ``col``, both 1-based):

- :class:`Symbol` (``name``; keywords are symbols whose name starts with ``:``),
- :class:`Str`, :class:`Int`, :class:`Float`, :class:`Char` (``value``),
- :class:`List` (``items`` and ``tail``: ``(a . b)`` has tail ``b``),
- :class:`Vector` (``items``).

Reader macros come back as Emacs reads them: ``'x`` is ``(quote x)``,
```x`` is ``(\\` x)``, ``,x`` is ``(\\, x)``, ``,@x`` is ``(\\,@ x)`` and
``#'f`` is ``(function f)``.  Syntax errors raise :class:`ElispError` naming
file:line:col with the offending line and a caret under the column.

sexpdata 1.0.2 was evaluated and not used: it keeps no positions, fails on
backquote with a bare AssertionError, leaves ``\\x41``/octal/``\\u``
escapes undecoded, and reads ``?a``, ``#'f`` and the dot of ``(a . b)`` as
symbols.
"""

from __future__ import annotations

import re
import unicodedata

from offlineimap_oauth.errors import ConfigError

DELIMITERS = set("()[]\"';`,") | {" ", "\t", "\n", "\r", "\f"}
QUOTE_MACROS = {"'": "quote", "`": "`"}
INTEGER_RE = re.compile(r"^[+-]?[0-9]+\.?$")
FLOAT_RE = re.compile(r"^[+-]?([0-9]*\.[0-9]+|[0-9]+\.?)(e[+-]?[0-9]+|e\+(INF|NaN))?$")
NAMED_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13,
                 "e": 27, "s": 32, "d": 127}
RADIX = {"x": 16, "o": 8, "b": 2}


class Node:
    """A datum read from source, with the position where it starts."""

    __slots__ = ("line", "col")

    def __init__(self, line: int, col: int):
        self.line, self.col = line, col


class Atom(Node):
    __slots__ = ("value",)

    def __init__(self, value, line, col):
        super().__init__(line, col)
        self.value = value

    def __eq__(self, other):
        return type(other) is type(self) and other.value == self.value

    def __hash__(self):
        return hash((type(self), self.value))

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.value)


class Symbol(Atom):
    """A symbol; ``value`` is its name.  Keywords are symbols named ``:...``."""

    @property
    def name(self) -> str:
        return self.value

    @property
    def keyword(self) -> bool:
        return self.value.startswith(":") and len(self.value) > 1


class Str(Atom):
    """A string literal, escapes decoded."""


class Int(Atom):
    """An integer literal."""


class Float(Atom):
    """A floating-point literal."""


class Char(Atom):
    """A ``?c`` character literal; ``value`` is the character code."""


class List(Node):
    """A list; ``tail`` is the datum after the dot of a dotted list, else None."""

    __slots__ = ("items", "tail")

    def __init__(self, items, line, col, tail=None):
        super().__init__(line, col)
        self.items, self.tail = items, tail

    def head(self) -> str | None:
        """The name of the first element when it is a symbol."""
        return self.items[0].name if self.items and isinstance(self.items[0], Symbol) else None

    def __repr__(self):
        return "List(%r%s)" % (self.items, ", tail=%r" % self.tail if self.tail else "")


class Vector(Node):
    """A ``[...]`` vector."""

    __slots__ = ("items",)

    def __init__(self, items, line, col):
        super().__init__(line, col)
        self.items = items

    def __repr__(self):
        return "Vector(%r)" % (self.items,)


class ElispError(ConfigError):
    """A syntax error in an Emacs Lisp file, located to the character."""


def read_all(text: str, source: str = "<string>") -> list:
    """Every top-level datum of ``text``; raises ElispError on bad syntax."""
    reader = _Reader(text, source)
    forms = []
    while True:
        reader.skip_space()
        if reader.at_end():
            return forms
        forms.append(reader.datum())


def read_one(text: str, source: str = "<string>") -> Node:
    """The single datum in ``text``."""
    forms = read_all(text, source)
    if len(forms) != 1:
        raise ValueError("expected one datum, got %d" % len(forms))
    return forms[0]


def where(source: str, node: Node) -> str:
    """``file:line:col`` of a node, for messages."""
    return "%s:%d:%d" % (source, node.line, node.col)


def snippet(text: str, line: int, col: int) -> str:
    """The source line and a caret under ``col`` (1-based), indented."""
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    prefix = shown[:col - 1].expandtabs()
    return "    %s\n    %s^" % (shown.expandtabs(), " " * len(prefix))


class _Reader:
    """A cursor over the text that tracks line and column."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.pos, self.line, self.col = 0, 1, 1

    # -- cursor -------------------------------------------------------------
    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def advance(self) -> str:
        char = self.text[self.pos]
        self.pos += 1
        if char == "\n":
            self.line, self.col = self.line + 1, 1
        else:
            self.col += 1
        return char

    def error(self, message: str, line: int | None = None, col: int | None = None):
        line = self.line if line is None else line
        col = self.col if col is None else col
        return ElispError("%s:%d:%d: %s" % (self.source, line, col, message),
                          problems=[], hint=snippet(self.text, line, col)
                          + "\nFix the file (Emacs reports the same with M-x check-parens), "
                          "then run convert again.")

    def skip_space(self) -> None:
        while not self.at_end():
            char = self.peek()
            if char in " \t\n\r\f":
                self.advance()
            elif char == ";":
                while not self.at_end() and self.peek() != "\n":
                    self.advance()
            else:
                return

    # -- data ---------------------------------------------------------------
    def datum(self) -> Node:
        self.skip_space()
        if self.at_end():
            raise self.error("end of file where a value was expected")
        line, col = self.line, self.col
        char = self.peek()
        if char == "(":
            self.advance()
            return self.list_body(")", line, col)
        if char == "[":
            self.advance()
            return Vector(self.list_body("]", line, col, dotted=False).items, line, col)
        if char in ")]":
            raise self.error("unexpected %r with nothing open" % char)
        if char == '"':
            self.advance()
            return Str(self.string_body(line, col), line, col)
        if char in QUOTE_MACROS:
            self.advance()
            return self.wrap(QUOTE_MACROS[char], line, col)
        if char == ",":
            self.advance()
            if self.peek() == "@":
                self.advance()
                return self.wrap(",@", line, col)
            return self.wrap(",", line, col)
        if char == "?":
            self.advance()
            return Char(self.character(), line, col)
        if char == "#":
            return self.hash_syntax(line, col)
        return self.atom(line, col)

    def wrap(self, name: str, line: int, col: int) -> List:
        inner = self.datum()
        return List([Symbol(name, line, col), inner], line, col)

    def list_body(self, close: str, line: int, col: int, dotted: bool = True) -> List:
        items, tail = [], None
        while True:
            self.skip_space()
            if self.at_end():
                raise self.error("%r opened here is never closed"
                                 % ("(" if close == ")" else "["), line, col)
            char = self.peek()
            if char == close:
                self.advance()
                return List(items, line, col, tail)
            if char in ")]":
                raise self.error("%r does not match the %r opened at %d:%d"
                                 % (char, "(" if close == ")" else "[", line, col))
            if tail is not None:
                raise self.error("only one datum may follow the dot of a dotted list")
            if dotted and char == "." and self._lone_dot():
                if not items:
                    raise self.error("a dotted list needs a datum before the dot")
                self.advance()
                tail = self.datum()
                if isinstance(tail, List) and tail.tail is None and tail.items:
                    items.extend(tail.items)  # (a . (b c)) is (a b c)
                    tail = None
                    self.skip_space()
                    if self.peek() != close:
                        raise self.error("only one datum may follow the dot of a dotted list")
                continue
            items.append(self.datum())

    def _lone_dot(self) -> bool:
        following = self.peek(1)
        return following == "" or following in DELIMITERS

    def string_body(self, line: int, col: int) -> str:
        out = []
        while True:
            if self.at_end():
                raise self.error("string opened here is never closed", line, col)
            char = self.advance()
            if char == '"':
                return "".join(out)
            if char != "\\":
                out.append(char)
                continue
            if self.at_end():
                raise self.error("string opened here is never closed", line, col)
            if self.peek() in "\n ":  # "\<newline>" and "\ " are ignored in strings
                self.advance()
                continue
            out.append(_string_char(self.escape(in_string=True)))

    def character(self) -> int:
        if self.at_end():
            raise self.error("end of file after '?'")
        char = self.advance()
        if char == "\\":
            if self.at_end():
                raise self.error("end of file after '?\\'")
            return self.escape(in_string=False)
        return ord(char)

    def escape(self, in_string: bool) -> int:
        """The character after a backslash (already consumed)."""
        line, col = self.line, self.col - 1
        char = self.advance()
        if char in "CMSHA" + ("" if in_string else "s") and self.peek() == "-":
            self.advance()
            return self._modified(char, line, col)
        if char == "^":
            return self._control(self._escaped_char(), line, col)
        if char in NAMED_ESCAPES:
            return NAMED_ESCAPES[char]
        if char == "x":
            return self._digits("0123456789abcdefABCDEF", 16, None, line, col)
        if char == "u":
            return self._digits("0123456789abcdefABCDEF", 16, 4, line, col, exact=True)
        if char == "U":
            return self._digits("0123456789abcdefABCDEF", 16, 8, line, col, exact=True)
        if char in "01234567":
            value = int(char)
            for _ in range(2):
                if self.peek() and self.peek() in "01234567":
                    value = value * 8 + int(self.advance())
            return value
        if char == "N" and self.peek() == "{":
            return self._named(line, col)
        return ord(char)

    def _escaped_char(self) -> int:
        if self.at_end():
            raise self.error("end of file in a character escape")
        char = self.advance()
        return self.escape(False) if char == "\\" else ord(char)

    def _modified(self, modifier: str, line: int, col: int) -> int:
        base = self._escaped_char()
        if modifier == "C":
            return self._control(base, line, col)
        if modifier == "s":  # \s-x is super in characters; in strings "\s" is space
            return base | (1 << 23)
        bits = {"M": 27, "S": 25, "H": 24, "A": 22}[modifier]
        return base | (1 << bits)

    def _control(self, base: int, line: int, col: int) -> int:
        if base == ord("?"):
            return 127
        if 64 <= base <= 95:  # @ A-Z [ \ ] ^ _
            return base - 64
        if 97 <= base <= 122:  # a-z
            return base - 96
        return base | (1 << 26)  # the control modifier bit

    def _digits(self, allowed, base, count, line, col, exact=False) -> int:
        digits = ""
        while self.peek() and self.peek() in allowed and (count is None or len(digits) < count):
            digits += self.advance()
        if not digits or (exact and len(digits) != count):
            raise self.error("malformed character escape", line, col)
        value = int(digits, base)
        if value > 0x3FFFFF:
            raise self.error("character code out of range", line, col)
        return value

    def _named(self, line, col) -> int:
        self.advance()
        name = ""
        while self.peek() and self.peek() != "}":
            name += self.advance()
        if not self.peek():
            raise self.error("unterminated \\N{...} escape", line, col)
        self.advance()
        if name.upper().startswith("U+"):
            try:
                return int(name[2:], 16)
            except ValueError:
                pass
        try:
            return ord(unicodedata.lookup(name))
        except KeyError:
            raise self.error("unknown character name %r" % name, line, col) from None

    def hash_syntax(self, line: int, col: int) -> Node:
        following = self.peek(1)
        if following == "'":
            self.advance(), self.advance()
            return self.wrap("function", line, col)
        if following == "(":  # #(...) string with text properties: read as a list
            self.advance()
            return self.datum()
        if following == "s" and self.peek(2) == "(":  # #s(record ...)
            self.advance(), self.advance()
            return self.datum()
        if following == ":":  # uninterned symbol
            self.advance(), self.advance()
            return self.atom(line, col, allow_number=False)
        if following == "#":
            self.advance(), self.advance()
            return Symbol("", line, col)
        if following and following.lower() in RADIX:
            self.advance(), self.advance()
            text = self._token()
            try:
                return Int(int(text, RADIX[following.lower()]), line, col)
            except ValueError:
                raise self.error("%r is not a base-%d integer"
                                 % (text, RADIX[following.lower()]), line, col) from None
        raise self.error("'#%s' is not Emacs Lisp syntax this reader accepts" % following)

    def _token(self) -> str:
        out = []
        while not self.at_end() and self.peek() not in DELIMITERS:
            char = self.advance()
            if char == "\\":
                if self.at_end():
                    raise self.error("end of file after a backslash")
                char = self.advance()
            out.append(char)
        return "".join(out)

    def atom(self, line: int, col: int, allow_number: bool = True) -> Node:
        start = self.pos
        text = self._token()
        raw = self.text[start:self.pos]
        if not raw:
            raise self.error("unexpected %r" % self.peek())
        if allow_number and raw == text:
            if INTEGER_RE.match(text):
                return Int(int(text.rstrip(".")), line, col)
            if FLOAT_RE.match(text):
                return Float(float(text.replace("+INF", "inf").replace("+NaN", "nan")), line, col)
        return Symbol(text, line, col)


def plain(node):
    """A node as plain Python data (tests and debugging): symbols stay Symbol."""
    if isinstance(node, List):
        items = [plain(item) for item in node.items]
        return (items, plain(node.tail)) if node.tail is not None else items
    if isinstance(node, Vector):
        return tuple(plain(item) for item in node.items)
    if isinstance(node, Symbol):
        return node
    return node.value


META_BIT = 1 << 27
MAX_CODE_POINT = 0x10FFFF


def _string_char(value: int) -> str:
    """A string escape's character.  Key-binding strings such as "\\M-g"
    carry modifier bits no Unicode character has: Emacs stores meta on an
    ASCII character as bit 7 in a string, and anything else that is out of
    range only needs to be read past, not understood (U+FFFD)."""
    if value & META_BIT and (value & ~META_BIT) < 0x80:
        return chr((value & ~META_BIT) | 0x80)
    return chr(value) if 0 <= value <= MAX_CODE_POINT else "\ufffd"
