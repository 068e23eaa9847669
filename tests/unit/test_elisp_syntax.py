"""What Emacs's read accepts, read by ours (each case a snippet written here)."""

import math

import pytest

from offlineimap_oauth.convert.read.elisp import (BoolVector, ByteCode, Char, ElispError, Float,
                                                  Int, List, LoadFileName, Record, Str, Symbol,
                                                  decode, plain, read_all, read_one)


def sym(name):
    return Symbol(name, 0, 0)


def test_ieee_floats():
    inf, neg_nan, payload = read_all("1.0e+INF -0.0e+NaN 5.0e+NaN")
    assert isinstance(inf, Float) and inf.value == math.inf
    assert math.isnan(neg_nan.value) and math.copysign(1, neg_nan.value) < 0
    assert math.isnan(payload.value)
    assert [f.value for f in read_all("-1.0e+INF 1e5 1.e3 .5e1")] == [-math.inf, 1e5, 1e3, 5.0]
    assert isinstance(read_one("1."), Int) and isinstance(read_one("1.5."), Symbol)


def test_hash_syntaxes():
    bools, code, record, name, shared = read_all(
        '#&5"\\37" #[(x) "\\300\\207" [x] 1] #s(person "Ann") #$ #1=(a . #1#)')
    assert isinstance(bools, BoolVector) and bools.flags() == [True] * 5
    assert isinstance(code, ByteCode) and len(code.items) == 4
    assert isinstance(record, Record) and plain(record) == (sym("person"), "Ann")
    assert isinstance(name, LoadFileName)
    assert shared.tail is shared  # a cycle, read without recursion
    assert [f.value for f in read_all("#24r1k #x-1F #o17 #b101 #2r11")] == [44, -31, 15, 5, 3]
    empty, underscore, uninterned = read_all("## #_foo #:bar")
    assert (empty.name, underscore.name, uninterned.name) == ("", "foo", "bar")
    assert not uninterned.interned and underscore.interned
    assert read_one('#("text" 0 4 (face bold))').value == "text"
    assert plain(read_one("(#1=(a) #1#)")) == [[sym("a")], [sym("a")]]
    assert read_all("#@00 (anything here is skipped") == []
    assert [f.name for f in read_all("#!/usr/bin/emacs --script\nx")] == ["x"]


def test_dotted_lists_are_normalised():
    assert plain(read_one("(a . (b . c))")) == plain(read_one("(a b . c)"))
    assert plain(read_one("(a . (b c))")) == [sym("a"), sym("b"), sym("c")]
    assert plain(read_one("(a . nil)")) == [sym("a")]
    assert plain(read_one("( . a)")) == sym("a")
    assert plain(read_one("(a .b)")) == [sym("a"), sym(".b")]


@pytest.mark.parametrize("source, code", [
    (r"?\C-\M-j", (1 << 27) | 10), (r"?\M-\C-a", (1 << 27) | 1), (r"?\C-é", 137),
    (r"?\C-%", (1 << 26) | 37), (r"?\s-a", (1 << 23) | 97), (r"?\S-a", (1 << 25) | 97),
    (r"?\^?", 127), (r"?\x", 0), (r"?\200", 128), ("? ", 32),
])
def test_character_modifiers(source, code):
    node = read_one(source)
    assert isinstance(node, Char) and node.value == code


@pytest.mark.parametrize("source, value", [
    (r'"\C-\M-j"', "\x8a"), (r'"\M-a"', "\xe1"), (r'"\C- "', "\x00"), (r'"\S-a"', "A"),
    (r'"\s-"', " -"), (r'"\xe9"', "\xe9"), (r'"\x0e9"', "é"), (r'"\^@"', "\x00"),
])
def test_string_escapes_with_modifiers(source, value):
    assert read_one(source).value == value


@pytest.mark.parametrize("source, words", [
    ("#1#", "refers to no #1="), ("[a . b]", "in a vector"), ("?ab", "one character"),
    ("#[1 2]", "byte-code"), ("#x1g", "radix 16"), ("#37r1", "between 2 and 36"),
    (".", "outside a list"), ('"\\u12"', "exactly 4 hex digits"), ("#&3abc", "#&"),
])
def test_what_emacs_refuses_is_a_located_problem(source, words):
    with pytest.raises(ElispError) as caught:
        read_all(source, "f.el")
    assert str(caught.value).startswith("f.el:1:") and words in str(caught.value)


def test_only_newline_ends_a_line_page_breaks_and_lone_cr_do_not_shift():
    text = "(setq a 1)\f\n\f(setq b 2)\r(setq c 3)\r\n  (oops"
    forms = read_all(text[:-7], "init.el")
    assert [(f.line, f.col) for f in forms] == [(1, 1), (2, 2), (2, 13)]
    with pytest.raises(ElispError) as caught:
        read_all(text, "init.el")
    message = str(caught.value)
    assert message.startswith("init.el:3:3:")
    assert "      (oops\n      ^" in message


def test_decode_never_fails():
    assert decode(b"\xef\xbb\xbf(a \"\xc3\xa9\x80\")") == '(a "é\x80")'
    assert decode(b"?\xf6\x80\x80\x80") == "?\ufffd"  # beyond Unicode (utf-8-emacs)
