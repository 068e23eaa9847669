"""The Emacs Lisp reader: data, positions, errors."""

import pytest

from offlineimap_oauth.convert.read.elisp import (Char, ElispError, Float, Int, List, Str, Symbol,
                                             Vector, plain, read_all, read_one)


def sym(name):
    return Symbol(name, 0, 0)


def test_atoms_and_positions():
    forms = read_all('(setq x "a")\n  :kw 42 -3 1. 2.5 .5 1e3 foo\\ bar')
    assert [type(f) for f in forms] == [List, Symbol, Int, Int, Int, Float, Float, Float, Symbol]
    assert (forms[1].line, forms[1].col) == (2, 3) and forms[1].keyword
    assert [f.value for f in forms[2:8]] == [42, -3, 1, 2.5, 0.5, 1000.0]
    assert forms[8].name == "foo bar"
    string = forms[0].items[2]
    assert isinstance(string, Str) and (string.line, string.col) == (1, 9)


@pytest.mark.parametrize("source, value", [
    (r'"a\nb\tc"', "a\nb\tc"), (r'"q\"\\"', 'q"\\'), (r'"\x41\101"', "AA"),
    (r'"\u00e9\U0001F600"', "é\U0001F600"), ('"a\\\nb"', "ab"), ('"日本語"', "日本語"),
    (r'"\N{U+3042}"', "あ"), (r'"a\ b"', "ab"), (r'"\e\d"', "\x1b\x7f"),
])
def test_string_escapes(source, value):
    assert read_one(source).value == value


@pytest.mark.parametrize("source, code", [
    ("?a", 97), (r"?\n", 10), (r"?\C-a", 1), (r"?\^a", 1), (r"?\(", 40), (r"?\s", 32),
    (r"?\x41", 65), (r"?\101", 65), ("?あ", 0x3042), (r"?\\", 92), (r"?\C-?", 127),
])
def test_characters(source, code):
    node = read_one(source)
    assert isinstance(node, Char) and node.value == code


def test_reader_macros_dotted_pairs_vectors():
    quoted, back, func, dotted, spliced, vector = read_all(
        "'(a) `(b ,c ,@d) #'car (x . y) (x . (y z)) [1 \"s\" k]")
    assert plain(quoted) == [sym("quote"), [sym("a")]]
    assert plain(back) == [sym("`"), [sym("b"), [sym(","), sym("c")], [sym(",@"), sym("d")]]]
    assert plain(func) == [sym("function"), sym("car")]
    assert plain(dotted) == ([sym("x")], sym("y"))
    assert plain(spliced) == [sym("x"), sym("y"), sym("z")]
    assert isinstance(vector, Vector) and plain(vector) == (1, "s", sym("k"))


def test_comments_and_radix():
    assert plain(read_one("(a ; comment ) here\n b \"; not a comment\" #x1F #o17 #b101)")) == \
        [sym("a"), sym("b"), "; not a comment", 31, 15, 5]


@pytest.mark.parametrize("source, where, words", [
    ("(a (b)\n", "f.el:1:1", "never closed"),
    ("(a))", "f.el:1:4", "nothing open"),
    ('(a "open\n', "f.el:1:4", "string opened here is never closed"),
    ("(a ]", "f.el:1:4", "does not match"),
    ("#|block|#", "f.el:1:1", "not Emacs Lisp syntax"),
    ("(a . b c)", "f.el:1:8", "only one datum"),
])
def test_errors_name_file_line_column_with_caret(source, where, words):
    with pytest.raises(ElispError) as caught:
        read_all(source, "f.el")
    text = str(caught.value)
    assert text.startswith(where + ":") and words in text
    assert "^" in text  # the snippet with a caret


def test_caret_under_the_column():
    with pytest.raises(ElispError) as caught:
        read_all('(setq x 1)\n  (oops', "g.el")
    assert "g.el:2:3:" in str(caught.value)
    assert "      (oops\n      ^" in str(caught.value)


def test_key_binding_strings_with_modifiers_are_read_past():
    from offlineimap_oauth.convert.read.elisp import read_all

    forms = read_all('(global-set-key "\\M-g" \'goto-line)\n(define-key map "\\C-%" nil)\n'
                     '(setq x "\\H-a\\x110000")\n(setq y "ok")', "init.el")
    assert len(forms) == 4
