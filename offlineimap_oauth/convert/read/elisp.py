"""Read Emacs Lisp source as data, as GNU Emacs's ``read`` does; nothing is evaluated.

``read_all(text, source)`` returns the top-level forms of a file as nodes
that remember where they start (``line``, ``col``: 1-based, counted as Emacs
counts them: only ``\\n`` ends a line, every character is one column):

- :class:`Symbol` (``name``; keywords are symbols whose name starts with ``:``;
  ``interned`` is False for ``#:name``),
- :class:`Str`, :class:`Int`, :class:`Float`, :class:`Char` (``value``),
  :class:`BoolVector` (``length``, ``bits``), :class:`LoadFileName` (``#$``),
- :class:`List` (``items`` and ``tail``: ``(a . b)`` has tail ``b``;
  ``(a . (b . c))`` is read as ``(a b . c)``),
- :class:`Vector` (``items``) and its kinds :class:`Record` (``#s(...)``, also
  hash tables), :class:`ByteCode` (``#[...]``), :class:`CharTable` (``#^[...]``).

Reader macros come back as Emacs reads them: ``'x`` is ``(quote x)``,
```x`` is ``(\\` x)``, ``,x`` is ``(\\, x)``, ``,@x`` is ``(\\,@ x)`` and
``#'f`` is ``(function f)``.  ``#1=``/``#1#`` share one node (cycles
included), ``#NrDIGITS`` is an integer in base N, ``#_sym`` and ``##`` are
symbols, ``#("text" props...)`` is the string (properties dropped), ``#@N``
and ``#!`` skip what Emacs skips, floats include ``1.0e+INF`` and
``-0.0e+NaN``.  The reader is iterative: nesting depth is bounded by memory,
not by Python's recursion limit.  Anything Emacs would refuse raises
:class:`ElispError` naming file:line:col with the offending line and a caret
under the column; no other exception escapes ``read_all``.

Where we are more lenient than Emacs (read past, never fail): a string
escape with a modifier a string cannot hold (``"\\C-%"``, ``"\\H-a"``) is
read as U+FFFD, as are characters beyond Unicode in strings.  Raw bytes in
strings (``"\\200"``) are kept as the characters U+0080..U+00FF.

sexpdata 1.0.2 was evaluated and not used: it keeps no positions, fails on
backquote with a bare AssertionError, leaves ``\\x41``/octal/``\\u``
escapes undecoded, and reads ``?a``, ``#'f`` and the dot of ``(a . b)`` as
symbols.
"""

from __future__ import annotations

import bisect
import codecs
import math
import re
import struct
import unicodedata

from offlineimap_oauth.errors import ConfigError

# Emacs's reader treats every control character, space and NBSP as whitespace.
_SPACE = re.compile(r"(?:[\x00-\x20\xa0]+|;[^\n]*)*")
# A symbol or number token: ends at whitespace or one of "';()[]#`, (lread.c).
_TOKEN = re.compile(r"(?:[^\x00-\x20\xa0\"';()\[\]#`,\\]|\\[\s\S])*")
_PLAIN_STRING = re.compile(r'[^"\\]*')
_NUMBER = re.compile(r"([+-]?)([0-9]*)(\.?)([0-9]*)(?:[eE](?:([+-]?[0-9]+)|\+(INF|NaN)))?\Z")
_DIGITS = re.compile(r"[0-9]+")
_RADIX_DIGITS = re.compile(r"[+-]?[0-9A-Za-z]*")
# A '.' is the dot of a dotted list when followed by one of these (lread.c).
_DOT_FOLLOWERS = "\"';([#?`,"
# After ?c, the next character must end the token (lread.c).
_CHAR_FOLLOWERS = "\"';()[]#?`,."
NAMED_ESCAPES = {"a": 7, "b": 8, "d": 127, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
RADIX = {"x": 16, "o": 8, "b": 2}
ALT, SUPER, HYPER, SHIFT, CTRL, META = (1 << bit for bit in (22, 23, 24, 25, 26, 27))
MODIFIERS = ALT | SUPER | HYPER | SHIFT | CTRL | META
MODIFIER_BITS = {"M": META, "S": SHIFT, "H": HYPER, "A": ALT, "s": SUPER}
MAX_CHAR = 0x3FFFFF  # Emacs characters go beyond Unicode (raw bytes at 0x3FFF80..)
MAX_CODE_POINT = 0x10FFFF
RAW_BYTE_BASE = 0x3FFF00
META_BIT = META
_NAN_QUIET = 1 << 51


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

    __slots__ = ("interned",)

    def __init__(self, value, line, col, interned=True):
        super().__init__(value, line, col)
        self.interned = interned

    @property
    def name(self) -> str:
        return self.value

    @property
    def keyword(self) -> bool:
        return self.value.startswith(":") and len(self.value) > 1 and self.interned


class Str(Atom):
    """A string literal, escapes decoded."""


class Int(Atom):
    """An integer literal."""


class Float(Atom):
    """A floating-point literal (NaNs keep their sign and payload bits)."""


class Char(Atom):
    """A ``?c`` character literal; ``value`` is the character code with modifier bits."""


class BoolVector(Node):
    """``#&N"bits"``: ``length`` bits packed little-endian in the characters of ``bits``."""

    __slots__ = ("length", "bits")

    def __init__(self, length, bits, line, col):
        super().__init__(line, col)
        self.length, self.bits = length, bits

    def flags(self) -> list:
        return [bool(ord(self.bits[i // 8]) >> (i % 8) & 1) if i // 8 < len(self.bits) else False
                for i in range(self.length)]


class LoadFileName(Node):
    """``#$``: the name of the file being loaded, only known when Emacs runs."""


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
        return "%s(%r)" % (type(self).__name__, self.items)


class Record(Vector):
    """``#s(type slots...)``: a record; ``#s(hash-table ...)`` is a hash table."""


class ByteCode(Vector):
    """``#[args code constants depth ...]``: a byte-compiled function."""


class CharTable(Vector):
    """``#^[...]`` (and ``#^^[...]``): a char-table, kept as its slots."""


class ElispError(ConfigError):
    """A syntax error in an Emacs Lisp file, located to the character."""


class _Placeholder(Node):
    """Stands for ``#N#`` until the datum labelled ``#N=`` is complete."""

    __slots__ = ("used",)


class _Frame:
    """An open construct on the reader's stack."""

    __slots__ = ("kind", "pos", "items", "tail", "dot", "name", "label")

    def __init__(self, kind, pos, name=None):
        self.kind, self.pos, self.name = kind, pos, name
        self.items, self.tail, self.dot, self.label = [], None, 0, None


_CLOSERS = {"list": ")", "string-props": ")", "record": ")", "vector": "]", "bytecode": "]",
            "chartable": "]"}
_EOF = object()


_BEYOND_UNICODE = re.compile(rb"\xf4[\x90-\xbf][\x80-\xbf]{2}|[\xf5-\xf7][\x80-\xbf]{3}"
                             rb"|\xf8[\x88-\x8f][\x80-\xbf]{3}")
_RAW_BYTES = "offlineimap-oauth-elisp-raw-bytes"


def _raw_bytes(error):
    return "".join(chr(byte) for byte in error.object[error.start:error.end]), error.end


codecs.register_error(_RAW_BYTES, _raw_bytes)


def decode(data: bytes) -> str:
    """A UTF-8 Emacs Lisp file as text, never failing, the way Emacs decodes it.

    Emacs's own characters beyond Unicode (utf-8-emacs) become U+FFFD, and
    bytes that are not UTF-8 stay raw bytes (U+0080..U+00FF), as strings do."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    data = _BEYOND_UNICODE.sub("\ufffd".encode("utf-8"), data)
    return data.decode("utf-8", _RAW_BYTES)


def read_all(text: str, source: str = "<string>") -> list:
    """Every top-level datum of ``text``; raises ElispError on bad syntax."""
    reader = _Reader(text, source)
    forms = []
    while True:
        try:
            form = reader.read()
        except ElispError:
            raise
        except Exception as error:  # never a traceback: name the place instead
            raise reader.error("cannot read this (%s)" % type(error).__name__,
                               reader.start) from None
        if form is _EOF:
            return forms
        forms.append(form)


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
    """The source line and a caret under ``col`` (1-based), indented.

    Only ``\\n`` ends a line (as in Emacs); other control characters such as
    ^L or a lone CR are shown as one space each so the caret stays put."""
    lines = text.split("\n")
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    shown = re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", " ", shown)
    prefix = shown[:col - 1].expandtabs()
    return "    %s\n    %s^" % (shown.expandtabs(), " " * len(prefix))


class _Reader:
    """Reads one top-level datum at a time with an explicit stack."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.pos = self.start = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.labels, self.labelled = {}, set()

    # -- positions and errors -------------------------------------------------
    def where(self, pos: int) -> tuple:
        line = bisect.bisect_left(self.newlines, pos)
        return line + 1, pos - (self.newlines[line - 1] + 1 if line else 0) + 1

    def error(self, message: str, pos: int | None = None) -> ElispError:
        line, col = self.where(self.pos if pos is None else pos)
        return ElispError("%s:%d:%d: %s" % (self.source, line, col, message),
                          problems=[], hint=snippet(self.text, line, col)
                          + "\nFix the file (Emacs reports the same with M-x check-parens), "
                          "then run convert again.")

    def skip_space(self) -> int:
        self.pos = _SPACE.match(self.text, self.pos).end()
        return self.pos

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    # -- the datum loop -------------------------------------------------------
    def read(self):
        """The next top-level datum, or _EOF."""
        self.labels, self.labelled = {}, set()
        stack = []
        text = self.text
        while True:
            pos = self.skip_space()
            if not stack:
                self.start = pos
            if pos >= len(text):
                if not stack:
                    return _EOF
                raise self._unclosed(stack[-1])
            node = self.step(text[pos], pos, stack)
            if node is None:
                continue
            node = self.deliver(node, stack)
            if node is not None:
                return node

    def step(self, char: str, pos: int, stack: list):
        """Consume one token at ``pos``: a finished node, or None after opening something."""
        line, col = self.where(pos)
        if char == "(":
            self.pos = pos + 1
            stack.append(_Frame("list", pos))
            return None
        if char == "[":
            self.pos = pos + 1
            stack.append(_Frame("vector", pos))
            return None
        if char in ")]":
            return self.close(char, pos, stack)
        if char == '"':
            self.pos = pos + 1
            return Str(self.string_body(pos), line, col)
        if char in "'`":
            self.pos = pos + 1
            stack.append(_Frame("wrap", pos, "quote" if char == "'" else "`"))
            return None
        if char == ",":
            splice = self.peek(1) == "@"
            self.pos = pos + (2 if splice else 1)
            stack.append(_Frame("wrap", pos, ",@" if splice else ","))
            return None
        if char == "?":
            self.pos = pos + 1
            return Char(self.character(pos), line, col)
        if char == "#":
            return self.hash_syntax(pos, line, col, stack)
        if char == "." and self.is_dot(pos):
            return self.dot(pos, stack)
        return self.atom(pos, line, col)

    def deliver(self, node, stack):
        """Hand a finished node to the open constructs; the top-level datum when done."""
        while stack:
            frame = stack[-1]
            if frame.kind == "wrap":
                stack.pop()
                line, col = self.where(frame.pos)
                node = List([Symbol(frame.name, line, col), node], line, col)
                continue
            if frame.kind == "label":
                stack.pop()
                node = self.define_label(frame, node)
                continue
            if frame.dot == 1:
                frame.tail, frame.dot = node, 2
            elif frame.dot == 2:
                raise self.error(". in wrong context: only one datum may follow the dot of a "
                                 "dotted list", self.where_of(node))
            else:
                frame.items.append(node)
            return None
        return node

    def where_of(self, node) -> int:
        return self.pos - 1 if node is None else self._pos_of(node)

    def _pos_of(self, node) -> int:
        line, col = node.line, node.col
        return (self.newlines[line - 2] + 1 if line > 1 else 0) + col - 1

    def _unclosed(self, frame) -> ElispError:
        if frame.kind in _CLOSERS:
            opener = re.match(r"[^([]*[([]", self.text[frame.pos:frame.pos + 4]).group()
            return self.error("%r opened here is never closed" % opener, frame.pos)
        return self.error("end of file where a value was expected after %r"
                          % self.text[frame.pos:self.pos].strip()[:10], frame.pos)

    # -- lists and vectors ----------------------------------------------------
    def is_dot(self, pos: int) -> bool:
        following = self.text[pos + 1:pos + 2]
        return following == "" or following <= " " or following == "\xa0" or \
            following in _DOT_FOLLOWERS

    def dot(self, pos: int, stack: list):
        frame = stack[-1] if stack else None
        if frame is None or frame.kind in ("wrap", "label"):
            raise self.error("'.' outside a list", pos)
        if frame.kind != "list":
            raise self.error("'.' in a vector (only lists can be dotted)", pos)
        if frame.dot:
            raise self.error(". in wrong context: a list has only one dot", pos)
        frame.dot = 1
        self.pos = pos + 1
        return None

    def close(self, char: str, pos: int, stack: list):
        if not stack:
            raise self.error("unexpected %r with nothing open" % char, pos)
        frame = stack[-1]
        if frame.kind not in _CLOSERS:
            raise self.error("unexpected %r: nothing follows %r"
                             % (char, self.text[frame.pos:frame.pos + 2].strip()), pos)
        if _CLOSERS[frame.kind] != char:
            line, col = self.where(frame.pos)
            raise self.error("%r does not match the %r opened at %d:%d"
                             % (char, "(" if _CLOSERS[frame.kind] == ")" else "[", line, col), pos)
        if frame.dot == 1:
            raise self.error("nothing follows the dot of a dotted list", pos)
        stack.pop()
        self.pos = pos + 1
        return self.build(frame)

    def build(self, frame):
        line, col = self.where(frame.pos)
        kind, items = frame.kind, frame.items
        if kind == "list":
            if frame.dot and not items:  # ( . a) is a
                return frame.tail
            return self.make_list(items, frame.tail, line, col)
        if kind == "vector":
            return Vector(items, line, col)
        if kind == "bytecode":
            if len(items) < 4:
                raise self.error("invalid byte-code object: #[ needs at least 4 elements",
                                 frame.pos)
            return ByteCode(items, line, col)
        if kind == "chartable":
            return CharTable(items, line, col)
        if kind == "record":
            if not items:
                raise self.error("#s() needs a record type", frame.pos)
            return Record(items, line, col)
        # string-props: #("text" start end props ...)
        if not items or not isinstance(items[0], Str):
            raise self.error("#( must start with a string", frame.pos)
        return Str(items[0].value, line, col)

    def make_list(self, items, tail, line, col) -> List:
        while isinstance(tail, List) and id(tail) not in self.labelled:
            items.extend(tail.items)  # (a . (b c)) is (a b c)
            tail = tail.tail
        if isinstance(tail, Symbol) and tail.name == "nil" and tail.interned:
            tail = None
        return List(items, line, col, tail)

    # -- strings and characters -----------------------------------------------
    def string_body(self, start: int) -> str:
        text = self.text
        out = []
        while True:
            end = _PLAIN_STRING.match(text, self.pos).end()
            out.append(text[self.pos:end])
            self.pos = end
            if end >= len(text):
                raise self.error("string opened here is never closed", start)
            self.pos += 1
            if text[end] == '"':
                return "".join(out)
            code = self.escape(in_string=True)
            if code >= 0:
                out.append(_string_char(code))

    def character(self, start: int) -> int:
        if self.pos >= len(self.text):
            raise self.error("end of file after '?'", start)
        char = self.text[self.pos]
        self.pos += 1
        if char in " \t":  # "? " is a space whatever follows (lread.c)
            return ord(char)
        if char == "\\":
            code = self.escape(in_string=False)
            base = code & ~MODIFIERS
            if RAW_BYTE_BASE + 0x80 <= base <= MAX_CHAR:
                code = (base - RAW_BYTE_BASE) | (code & MODIFIERS)
        else:
            code = ord(char)
        following = self.peek()
        if following and following > " " and \
                not (following < "\x80" and following in _CHAR_FOLLOWERS):
            raise self.error("?%s is followed by %r: a character literal is one character "
                             "(or an escape)" % (char, following), start)
        return code

    def next_char(self) -> str:
        if self.pos >= len(self.text):
            raise self.error("end of file in a character escape")
        char = self.text[self.pos]
        self.pos += 1
        return char

    def escape(self, in_string: bool) -> int:
        """The character after a backslash (already consumed); -1 for nothing."""
        start = self.pos - 1
        char = self.next_char()
        if char in NAMED_ESCAPES:
            return NAMED_ESCAPES[char]
        if char == "\n":
            return -1
        if char == " ":
            return -1 if in_string else 32
        if char == "s":
            if in_string or self.peek() != "-":
                return 32
            self.pos += 1
            return self.escaped_operand() | SUPER
        if char in "MSHA":
            if self.next_char() != "-":
                raise self.error("invalid escape: \\%s must be followed by '-'" % char, start)
            return self.escaped_operand() | MODIFIER_BITS[char]
        if char == "C":
            if self.next_char() != "-":
                raise self.error("invalid escape: \\C must be followed by '-'", start)
            return _control(self.escaped_operand())
        if char == "^":
            return _control(self.escaped_operand())
        if char in "01234567":
            digits = char + re.match(r"[0-7]{0,2}", self.text[self.pos:self.pos + 2]).group()
            self.pos += len(digits) - 1
            value = int(digits, 8)
            return RAW_BYTE_BASE + value if 0x80 <= value < 0x100 else value
        if char == "x":
            digits = re.match(r"[0-9a-fA-F]*", self.text[self.pos:]).group()
            self.pos += len(digits)
            value = int(digits, 16) if digits else 0
            if value > MAX_CHAR:
                raise self.error("hex character out of range", start)
            return RAW_BYTE_BASE + value if len(digits) < 3 and value >= 0x80 else value
        if char in "uU":
            count = 4 if char == "u" else 8
            digits = self.text[self.pos:self.pos + count]
            if len(digits) != count or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                raise self.error("\\%s needs exactly %d hex digits" % (char, count), start)
            self.pos += count
            value = int(digits, 16)
            if value > MAX_CODE_POINT:
                raise self.error("non-Unicode character 0x%x" % value, start)
            return value
        if char == "N" and self.peek() == "{":
            return self.named(start)
        return ord(char)

    def escaped_operand(self) -> int:
        char = self.next_char()
        return self.escape(False) if char == "\\" else ord(char)

    def named(self, start: int) -> int:
        end = self.text.find("}", self.pos)
        if end < 0:
            raise self.error("unterminated \\N{...} escape", start)
        name = self.text[self.pos + 1:end]
        self.pos = end + 1
        if re.fullmatch(r"[Uu]\+[0-9a-fA-F]+", name):
            value = int(name[2:], 16)
            if value <= MAX_CODE_POINT:
                return value
        else:
            try:
                return ord(unicodedata.lookup(" ".join(name.split())))
            except KeyError:
                pass
        raise self.error("unknown character name \\N{%s}" % name, start)

    # -- # syntax -------------------------------------------------------------
    def hash_syntax(self, pos, line, col, stack):
        following = self.text[pos + 1:pos + 2]
        self.pos = pos + 2
        if following == "'":
            stack.append(_Frame("wrap", pos, "function"))
            return None
        if following == "(":
            stack.append(_Frame("string-props", pos))
            return None
        if following == "[":
            stack.append(_Frame("bytecode", pos))
            return None
        if following == "s":
            if self.peek() != "(":
                raise self.error("'#s' must be followed by '('", pos)
            self.pos += 1
            stack.append(_Frame("record", pos))
            return None
        if following == "^":
            opener = "^[" if self.text.startswith("^[", self.pos) else "["
            if not self.text.startswith(opener, self.pos):
                raise self.error("'#^' must be followed by '['", pos)
            self.pos += len(opener)
            stack.append(_Frame("chartable", pos))
            return None
        if following == "&":
            return self.bool_vector(pos, line, col)
        if following == ":":
            token = self.symbol_token(self.pos)
            return Symbol(token, line, col, interned=False)
        if following == "_":
            token = self.symbol_token(self.pos)
            return Symbol(token, line, col)
        if following == "#":
            return Symbol("", line, col)
        if following == "$":
            return LoadFileName(line, col)
        if following == "@":
            return self.skip_bytes(pos)
        if following == "!":
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end
            return None
        if following.lower() in RADIX:
            return self.radix_integer(RADIX[following.lower()], pos, line, col)
        if following.isdigit():
            return self.numbered(pos, line, col, stack)
        raise self.error("'#%s' is not Emacs Lisp syntax" % following, pos)

    def bool_vector(self, pos, line, col) -> BoolVector:
        digits = _DIGITS.match(self.text, self.pos)
        if digits is None or self.text[digits.end():digits.end() + 1] != '"':
            raise self.error("#& must be followed by a length and a string", pos)
        length = int(digits.group())
        self.pos = digits.end() + 1
        bits = self.string_body(digits.end())
        if len(bits) != (length + 7) // 8:
            raise self.error("#&%d needs %d bytes of bits" % (length, (length + 7) // 8), pos)
        return BoolVector(length, bits, line, col)

    def skip_bytes(self, pos):
        """``#@NUMBER`` skips that many bytes (docstrings in .elc); ``#@00`` skips the rest."""
        digits = _DIGITS.match(self.text, self.pos)
        if digits is None:
            raise self.error("'#@' must be followed by a number", pos)
        if digits.group() == "00":
            self.pos = len(self.text)
            return None
        self.pos = min(len(self.text), digits.end() + int(digits.group()))
        return None

    def radix_integer(self, radix, pos, line, col) -> Int:
        match = _RADIX_DIGITS.match(self.text, self.pos)
        self.pos = match.end()
        try:
            return Int(int(match.group(), radix), line, col)
        except ValueError:
            raise self.error("%r is not an integer in radix %d" % (match.group(), radix),
                             pos) from None

    def numbered(self, pos, line, col, stack):
        digits = _DIGITS.match(self.text, self.pos - 1)
        number = int(digits.group())
        self.pos = digits.end() + 1
        kind = self.text[digits.end():digits.end() + 1]
        if kind in ("r", "R"):
            if not 2 <= number <= 36:
                raise self.error("radix %d is not between 2 and 36" % number, pos)
            return self.radix_integer(number, pos, line, col)
        if kind == "=":
            frame = _Frame("label", pos)
            frame.label = number
            placeholder = _Placeholder(line, col)
            placeholder.used = False
            self.labels[number] = placeholder
            frame.items = [placeholder]
            stack.append(frame)
            return None
        if kind == "#":
            if number not in self.labels:
                raise self.error("#%d# refers to no #%d= before it" % (number, number), pos)
            node = self.labels[number]
            if isinstance(node, _Placeholder):
                node.used = True
            return node
        raise self.error("'#%d' must be followed by '=', '#' or 'r'" % number, pos)

    def define_label(self, frame, node):
        placeholder = frame.items[0]
        if node is placeholder:  # #1=#1#: Emacs makes a fresh empty cons; so do we
            line, col = self.where(frame.pos)
            node = List([Symbol("nil", line, col)], line, col)
        self.labels[frame.label] = node
        self.labelled.add(id(node))
        if placeholder.used:
            _substitute(node, placeholder)
        return node

    # -- symbols and numbers --------------------------------------------------
    def symbol_token(self, start: int) -> str:
        match = _TOKEN.match(self.text, start)
        raw = match.group()
        if self.text[match.end():match.end() + 1] == "\\":
            raise self.error("end of file after a backslash", match.end())
        self.pos = match.end()
        return re.sub(r"\\([\s\S])", r"\1", raw) if "\\" in raw else raw

    def atom(self, pos, line, col) -> Node:
        match = _TOKEN.match(self.text, pos)
        raw = match.group()
        if not raw:
            if self.text[pos] == "\\":
                raise self.error("end of file after a backslash", pos)
            raise self.error("unexpected %r" % self.text[pos], pos)
        if "\\" in raw:
            self.pos = match.end()
            return Symbol(re.sub(r"\\([\s\S])", r"\1", raw), line, col)
        self.pos = match.end()
        number = _number(raw)
        if number is None:
            return Symbol(raw, line, col)
        return (Int if isinstance(number, int) else Float)(number, line, col)


def _number(token: str):
    """An int or float when ``token`` has number syntax (lread.c string_to_number)."""
    match = _NUMBER.match(token)
    if match is None:
        return None
    sign, lead, _dot, trail, exponent, special = match.groups()
    if special:
        if not (lead or trail):
            return None
        if special == "INF":
            return -math.inf if sign == "-" else math.inf
        payload = int(lead or "0") & (_NAN_QUIET - 1)
        bits = (1 << 63 if sign == "-" else 0) | (0x7FF << 52) | _NAN_QUIET | payload
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    if trail or (lead and exponent is not None):
        return float(token)
    if lead and exponent is None:
        return int(sign + lead)
    return None


def _control(code: int) -> int:
    """``\\C-`` / ``\\^`` applied to ``code`` (lread.c read_escape)."""
    base = code & ~MODIFIERS
    if base == ord("?"):
        return 127 | (code & MODIFIERS)
    if base >= 256:
        return code | CTRL
    if 0o101 <= (code & 0o137) <= 0o132 or 0o100 <= (code & 0o177) <= 0o137:
        return code & (0o37 | ~0o177)
    return code | CTRL


def _string_char(code: int) -> str:
    """A string escape's character, after Emacs's rules for modifiers in strings.

    Key-binding strings such as "\\M-g" put meta on an ASCII character as bit
    7 (a raw byte).  Modifiers a string cannot hold make Emacs refuse the
    file; we read past them (U+FFFD), as we do characters beyond Unicode."""
    modifiers, char = code & MODIFIERS, code & ~MODIFIERS
    if RAW_BYTE_BASE + 0x80 <= char <= MAX_CHAR:
        return chr(char - RAW_BYTE_BASE) if not modifiers else "\ufffd"
    if char < 0x80:
        if modifiers == CTRL and char in (32, 63):
            char, modifiers = (0 if char == 32 else 127), 0
        if modifiers & SHIFT and chr(char).isalpha():
            char, modifiers = ord(chr(char).upper()), modifiers & ~SHIFT
        if modifiers & META:
            char, modifiers = char | 0x80, modifiers & ~META
    if modifiers or char > MAX_CODE_POINT:
        return "\ufffd"
    return chr(char)


def _substitute(root, placeholder) -> None:
    """Replace every reference to ``placeholder`` under ``root`` with ``root``."""
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (List, Vector)):
            items = node.items
            for index, item in enumerate(items):
                if item is placeholder:
                    items[index] = root
                else:
                    todo.append(item)
            if isinstance(node, List) and node.tail is not None:
                if node.tail is placeholder:
                    node.tail = root
                else:
                    todo.append(node.tail)


def plain(node):
    """A node as plain Python data (tests and debugging): symbols stay Symbol."""
    if isinstance(node, List):
        items = [plain(item) for item in node.items]
        return (items, plain(node.tail)) if node.tail is not None else items
    if isinstance(node, Vector):
        return tuple(plain(item) for item in node.items)
    if isinstance(node, Symbol):
        return node
    if isinstance(node, (BoolVector, LoadFileName)):
        return node
    return node.value
