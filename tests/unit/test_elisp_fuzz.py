"""Fuzz: any text gives forms or a file:line:col problem, quickly; never a traceback."""

import re
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import settings as finder
from offlineimap_oauth.convert.read import elisp
from offlineimap_oauth.errors import ConfigError

TIME_BOUND_S = 2.0  # per input of up to a few hundred characters, on a loaded machine
LOCATED = re.compile(r"^fuzz\.el:\d+:\d+: ")

PIECES = list("()[]\"';`,#?.\\ \n\t\f\r\xa0@&:_$!^=0123456789abcrsxoCMSHAuUN{}-+eINFaN") + [
    "#1=", "#1#", "#s(", "#&3\"", "#[", "1.0e+INF", "\\C-", "\\M-", "gnusimapoauth2-accounts",
    "setq", "(setq x ", ":user", "nnimap", "(if ", "(cond ("]
LISPY = st.lists(st.sampled_from(PIECES), max_size=150).map("".join)


def _check(text):
    started = time.monotonic()
    try:
        forms = elisp.read_all(text, "fuzz.el")
    except elisp.ElispError as error:
        assert LOCATED.match(str(error)), str(error)
    else:
        try:
            model.build(finder.find([("fuzz.el", forms)]), [])
        except ConfigError:
            pass
    assert time.monotonic() - started < TIME_BOUND_S


@settings(max_examples=1500, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(LISPY)
def test_lisp_like_text_reads_or_fails_with_a_location(text):
    _check(text)


@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_any_text_reads_or_fails_with_a_location(text):
    _check(text)


def test_deep_nesting_has_no_recursion_limit():
    depth = 100000
    [form] = elisp.read_all("(" * depth + "x" + ")" * depth + "\n", "deep.el")
    for _ in range(depth - 1):
        form = form.items[0]
    assert form.items[0].name == "x"
    for text in ("'" * depth + "x", "[" * depth + "]" * depth,
                 "(a . " * (depth // 10) + "b" + ")" * (depth // 10)):
        elisp.read_all(text, "deep.el")
    # an unclosed deep nest is a located problem
    try:
        elisp.read_all("(" * depth, "deep.el")
    except elisp.ElispError as error:
        assert str(error).startswith("deep.el:1:%d:" % depth)
