"""Property test with Emacs as the oracle: generated Lisp data is read by
Emacs, printed by Emacs's ``prin1`` (default settings, and every escape
on), and read back by our reader; all three must be the same datum.  One
batch Emacs per test run (the examples are collected first)."""

import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from offlineimap_oauth.convert.read import elisp
from tests.e2e._require import require_binary
from tests.oracle import canonical, emacs

EXAMPLES = 300

SYMBOL_CHARS = st.sampled_from(list("abcxyz-+*/_<>=!$%&:^~@.0123456789") + ["é", "日", "\\ ",
                                                                          "\\(", "\\;", "\\\""])


def _float(value: float) -> str:
    if math.isnan(value):
        return "-0.0e+NaN" if math.copysign(1, value) < 0 else "0.0e+NaN"
    if math.isinf(value):
        return "-1.0e+INF" if value < 0 else "1.0e+INF"
    return repr(value)


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


ATOMS = st.one_of(
    st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(_float),
    st.text(st.characters(max_codepoint=0x10FFFF, blacklist_categories=("Cs",)),
            max_size=12).map(_string),
    st.lists(SYMBOL_CHARS, min_size=1, max_size=8).map("".join),
    st.sampled_from(["?a", "?\\n", "?\\C-a", "?\\M-x", "?\\C-\\M-j", "?\\^?", "?\\s-a", "?\\x41",
                     "?\\101", "?\\u00e9", "?\\N{U+3042}", "?日", "? ", "?\\(", "?\\\\", "#x-1F",
                     "#24r1k", "#b101", "1.", "+.5", "1e3", "##", "#:g1", "#_sym", "nil", "t",
                     ":key", "#&5\"\\37\"", "\"\\M-a\\C-b\\x41\\u00e9\\\n\\ z\"", "\"\\200\""]),
)


def _container(children):
    items = st.lists(children, max_size=5)
    return st.one_of(
        items.map(lambda xs: "(" + " ".join(xs) + ")"),
        st.tuples(st.lists(children, min_size=1, max_size=4), children).map(
            lambda pair: "(" + " ".join(pair[0]) + " . " + pair[1] + ")"),
        items.map(lambda xs: "[" + " ".join(xs) + "]"),
        st.lists(children, min_size=1, max_size=4).map(lambda xs: "#s(rec " + " ".join(xs) + ")"),
        children.map(lambda x: "'" + x),
        children.map(lambda x: "`(a ," + x + " ,@" + x + ")"),
        children.map(lambda x: "#'" + x),
    )


DATA = st.recursive(ATOMS, _container, max_leaves=25)
# Separators Emacs and we must both skip; a symbol may not touch the next one.
SEPARATORS = st.sampled_from([" ", "\n", "\t", "\f", "\r", " ; comment\n", "\xa0"])


def test_emacs_prints_what_we_read(tmp_path):
    binary = require_binary("emacs")
    texts = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(DATA, SEPARATORS), min_size=1, max_size=3))
    def collect(forms):
        texts.append("".join(form + separator for form, separator in forms))

    collect()
    results = emacs.read_texts(binary, texts, str(tmp_path), mode="print")
    checked = 0
    refused = 0
    for text, result in zip(texts, results):
        if result.error:  # e.g. "?a" touching an NBSP: Emacs refuses, and so must we
            with pytest.raises(elisp.ElispError):
                elisp.read_all(text)
            refused += 1
            continue
        ours = [canonical.canonical(form) for form in elisp.read_all(text)]
        assert ours == result.forms, text
        for printed, escaped, expected in zip(result.printed, result.escaped, result.forms):
            assert canonical.canonical(elisp.read_one(printed)) == expected, (text, printed)
            assert canonical.canonical(elisp.read_one(escaped)) == expected, (text, escaped)
            checked += 1
    print("\n%d generated texts (%d refused by both), %d forms read back from Emacs's printer"
          % (len(texts), refused, checked))
    assert checked >= EXAMPLES
