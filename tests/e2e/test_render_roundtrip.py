"""Property tests: arbitrary text through convert, read back by the real readers.

Strings with every control character, quotes, ``%``, ``;``, ``#``,
backslashes, Unicode line separators and the attacks of issue 16 go into
one field of a Gnus account at a time; convert either refuses (exit status 3,
a file:line:col message, nothing written) or every output reads back, by
its own consumer, as exactly what was converted and nothing more:
offlineimap 8.0.3's config parser with its eval keys and the pythonfile
(exec), ``msmtp --pretend``, ``emacs --batch -Q`` and our accounts.conf
loader.  No payload runs (a ``PWNED`` marker is never created).

Each encoder is also checked alone against its reader, on any text.
Example counts are bounded so the file runs in well under a minute; each
example batches several values into one Emacs or msmtp process.
"""

import configparser
import json
import os
import re
import shlex
import subprocess
import sys

import atexit
import shutil
import tempfile

from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from offlineimap_oauth import accounts
from offlineimap_oauth.convert.render import accounts_conf, syntax
from offlineimap_oauth.errors import EXIT_CONFIG, ConfigError
from tests.e2e import render_judges as judges
from tests.e2e._require import require_binary

# Hypothesis keeps caches (unicode tables, constants) under its home directory,
# ./.hypothesis by default: keep them out of the checkout.
_HOME = tempfile.mkdtemp(prefix="hypothesis-")
atexit.register(shutil.rmtree, _HOME, True)
set_hypothesis_home_dir(_HOME)

CONTROL = [chr(code) for code in range(32)] + ["\x7f", "\x85", "\u2028", "\u2029"]
ATTACKS = [
    "\nremotehosteval = open('PWNED', 'w') and 'x'",
    '\npasswordeval "touch PWNED"\naccount junk',
    "\r[DEFAULT]\rclient_secret_command = touch PWNED",
    '+ACI-) (write-region +ACI-+ACI- nil +ACI-PWNED+ACI-) (setq x +ACI-\n'
    ';; Local Variables:\n;; coding: utf-7\n;; End:\n',
]
PIECES = CONTROL + ATTACKS + [
    '"', "'", "%", "%(user)s", "%%", ";", " ;x", "#", " #x", "\\", "\\\\", "[", "]", "=", ":",
    " ", "\t", "@", ".", "-", "Local Variables:", "coding: utf-7", "-*-", "+ACI-", "$HOME",
    "~", "*", "?", "%U", "é", "日本", "\U0001F600", "\u202e", "\ufeff", "\xa0",
]
# Any text, weighted toward the characters that matter to some reader.
nasty = st.lists(st.one_of(st.sampled_from(PIECES),
                           st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)),
                 max_size=6).map("".join)
# Mail addresses that pass the shape check, with the characters it allows.
address = st.builds(lambda local, host: "%s@%s.example" % (local, host),
                    st.text("abcXYZ019._+-'&=!#$^`{|}~", min_size=1, max_size=12)
                    .filter(lambda s: s[0] not in "." and s[-1] != "." and ".." not in s),
                    st.text("abc019-", min_size=1, max_size=8)
                    .filter(lambda s: s[0] != "-" and s[-1] != "-"))

USER = "me@outlook.jp"
GNUS = """\
(setq gnus-secondary-select-methods
  '((nnimap %(nnimap)s (nnimap-address %(address)s) (nnimap-user %(user)s)
            (nnimap-server-port 993) (nnimap-stream ssl))))
(setq gnus-permanently-visible-groups %(visible)s)
(setq gnusimapoauth2-accounts
  '((:user %(user)s
     :smtp-server %(smtp_server)s
     :smtp-user %(smtp_user)s
     :oauth2-client-id %(client_id)s
     :oauth2-client-secret %(secret)s
     :oauth2-redirect-url %(redirect)s
     :oauth2-scope %(scope)s
     :oauth2-auth-url "https://login.microsoftonline.com/%(tenant)s/oauth2/v2.0/authorize")))
"""
DEFAULTS = {"nnimap": "outlook", "address": "outlook.office365.com", "user": USER,
            "visible": "^nndraft:drafts", "smtp_server": "smtp.office365.com", "smtp_user": USER,
            "client_id": "11111111-1111-4111-8111-111111111111", "secret": "s3cret~x",
            "redirect": "https://login.microsoftonline.com/common/oauth2/nativeclient",
            "scope": "https://outlook.office.com/IMAP.AccessAsUser.All", "tenant": "consumers"}
FIELDS = sorted(set(DEFAULTS) - {"tenant"})
# No example database: tests write nothing outside their tmp dirs.
SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Examples that start Emacs are not shrunk (minutes); the failing one is still shown.
NO_SHRINK = [Phase.explicit, Phase.generate]


def gnus_text(values: dict) -> str:
    values = dict(DEFAULTS, **values)
    encoded = {key: syntax.elisp_string(value) for key, value in values.items()}
    encoded["tenant"] = values["tenant"]
    return GNUS % encoded


def expected_values(field, value) -> dict:
    """What each reader must get back: the value, or what convert falls back to."""
    values = dict(DEFAULTS, **{field: value})
    values["address"] = values["address"] or values["nnimap"]  # nnimap: address or name
    values["smtp_user"] = values["smtp_user"] or values["user"]
    values["smtp_server"] = values["smtp_server"] or DEFAULTS["smtp_server"]
    values["secret"] = values["secret"] or None
    values["redirect"] = values["redirect"] or None
    values["scope"] = set(values["scope"].split()) - accounts.RESERVED_SCOPES \
        or set(accounts.DEFAULT_SCOPES)  # none given: the loader's defaults
    return values


# -- the whole of convert ---------------------------------------------------

@settings(max_examples=8, phases=NO_SHRINK, **SETTINGS)
@given(cases=st.lists(st.tuples(st.sampled_from(FIELDS), st.one_of(nasty, address)),
                      min_size=4, max_size=4))
def test_convert_output_reads_back_exactly_or_is_refused(tmp_path_factory, cases):
    tmp = tmp_path_factory.mktemp("case")
    written = []
    for index, (field, value) in enumerate(cases):
        assume(not (field == "visible" and "nnimap" in value))  # adapted, not copied
        where = tmp / str(index)
        where.mkdir()
        values = expected_values(field, value)
        status, err, out = judges.convert(where, gnus_text({field: value}))
        if status != 0:
            assert status == EXIT_CONFIG, err
            assert "Traceback" not in err and re.search(r"gnus\.el:\d+:\d+|gnus-perm", err), err
            assert not any(os.path.exists(path) for path in out.values()), err
            continue
        written.append((where, values, out))
    written = [(where, values, out, check_accounts_conf(out, values))
               for where, values, out in written]
    for where, values, out, name in written:
        check_msmtprc(where, out, values, name)
    if written:
        views = judges.offlineimap_view([out["offlineimaprc"] for _w, _v, out, _n in written], tmp)
        for (where, values, out, name), view in zip(written, views):
            check_offlineimap(view, where, out, values, name)
        gnus = judges.emacs_view([(out["gnus"], [values["nnimap"]])
                                  for _w, values, out, _n in written], tmp)
        for (where, values, out, name), view in zip(written, gnus):
            check_gnus(view, values, name)
    assert not judges.ran(tmp) and not any(judges.ran(w[0]) for w in written)


def check_accounts_conf(out, values) -> str:
    loaded = judges.accounts_view(out["accounts.conf"])
    assert len(loaded) == 1, sorted(loaded)
    (name, got), = loaded.items()
    assert (got.user, got.client_id, got.client_secret, got.redirect_uri) == \
        (values["user"], values["client_id"], values["secret"], values["redirect"])
    assert set(got.scopes) == values["scope"]
    assert got.client_secret_command is None
    return name


def check_msmtprc(where, out, values, name):
    with open(out["msmtprc"], encoding="utf-8") as handle:
        lines = [line for line in handle.read().split("\n") if line.strip()
                 and not line.lstrip().startswith("#")]
    assert len(lines) == 12, lines  # 11 commands of one account + the default line
    view = judges.msmtp_view(out["msmtprc"], name, where)
    command = [os.path.join(str(where), "token-stub"), "--config", out["accounts.conf"],
               "token", name]
    assert (view["host"], view["user"], view["from"], view["passwordeval"]) == \
        (values["smtp_server"], values["smtp_user"], values["user"], shlex.join(command))


def check_offlineimap(view, where, out, values, name):
    assert set(view) == {"PYTHONFILE", "general", "Account " + name,
                         "Repository %s-local" % name, "Repository %s-remote" % name}
    assert view["PYTHONFILE"] == {"COMMAND": os.path.join(str(where), "token-stub"),
                                  "CONFIG": out["accounts.conf"]}
    assert view["general"]["pythonfile"] == out["pythonfile"]
    remote = view["Repository %s-remote" % name]
    assert (remote["remotehost"], remote["remoteuser"]) == (values["address"], values["user"])
    evaluated = {key: value for section, options in view.items() if section != "PYTHONFILE"
                 for key, value in options.items()
                 if isinstance(value, list) and value[:1] == ["EVAL"]}
    assert evaluated == {"oauth2_access_token_eval": ["EVAL", ["TOKEN", name]],
                         "folderfilter": ["EVAL", [True, False]]}


def check_gnus(view, values, name):
    methods, styles, visible, _primary, extra = view
    symbol = lambda text: ("symbol", text)  # noqa: E731
    assert methods == [[symbol("nntp"), "news"],
                       [symbol("nnmaildir"), name, [symbol("directory"), "~/Mail/%s/" % name]]]
    assert styles == [["^nnmaildir\\+%s:" % name, [symbol("address"), values["user"]],
                       ["Gcc", None]]]
    assert visible == values["visible"]
    assert extra == ["--read-envelope-from"]


# -- each encoder against its reader, on any text ----------------------------

@settings(max_examples=200, **SETTINGS)
@given(value=nasty)
def test_accounts_conf_quote_reads_back_by_the_loader(value):
    section = "[account x]\nuser = a@b.example\nclient_id = %s\ntenant = consumers\n" \
              "client_secret = %s\n" % (DEFAULTS["client_id"], accounts_conf.quote(value))
    assert syntax.bad_char(accounts_conf.quote(value)) is None
    # As open() reads the file: a lone CR would end a line.
    text = section.replace("\r", "\n")
    if not value:
        return
    try:
        got = accounts.parse(text, "accounts.conf")
    except ConfigError as error:
        raise AssertionError("%r: %s" % (value, error)) from None
    assert list(got) == ["x"] and got["x"].client_secret == value


@settings(max_examples=200, **SETTINGS)
@given(value=nasty)
def test_ini_value_reads_back_by_offlineimaps_parser(value):
    from offlineimap.CustomConfig import CustomConfigParser

    try:
        encoded = syntax.ini_value(value, "remoteuser")
    except ConfigError:
        assert syntax.bad_char(value) or value != value.strip()
        return
    config = CustomConfigParser()
    config.read_string("[Repository r]\nremoteuser = %s\ntype = IMAP\n" % encoded)
    assert config.sections() == ["Repository r"]
    assert config.options("Repository r") == ["remoteuser", "type"]
    assert config.get("Repository r", "remoteuser") == value


@settings(max_examples=10, **SETTINGS)
@given(values=st.lists(nasty, min_size=10, max_size=10))
def test_msmtp_arg_reads_back_by_msmtp(tmp_path_factory, values):
    msmtp = require_binary("msmtp")
    tmp = tmp_path_factory.mktemp("msmtp")
    for index, value in enumerate(values):
        try:
            arg = syntax.msmtp_arg(value, "user")
        except ConfigError:
            assert syntax.bad_char(value)
            continue
        rc = tmp / ("rc%d" % index)
        rc.write_bytes(("account a\nhost h.example\nuser %s\nfrom %s\n" % (arg, "x@h.example"))
                       .encode("utf-8"))
        rc.chmod(0o600)
        done = subprocess.run([msmtp, "--pretend", "-C", str(rc), "-a", "a"], capture_output=True,
                              cwd=str(tmp), timeout=60)
        assert done.returncode == 0, done.stderr
        shown = dict(line.split(" = ", 1) for line in done.stdout.decode("utf-8").splitlines()
                     if " = " in line)
        assert shown["user"] == (value or "(not set)")
        assert shown["from"] == "x@h.example"
    assert not judges.ran(tmp)


@settings(max_examples=10, phases=NO_SHRINK, **SETTINGS)
@given(values=st.lists(nasty, min_size=20, max_size=20))
def test_elisp_string_reads_back_by_emacs(tmp_path_factory, values):
    emacs = require_binary("emacs")
    tmp = tmp_path_factory.mktemp("elisp")
    source = tmp / "strings.el"
    body = "".join("(push %s judge-strings)\n" % syntax.elisp_string(value) for value in values)
    # The attack: a coding tag near the end, after the values.
    source.write_text(";; -*- coding: utf-8 -*-\n(defvar judge-strings nil)\n" + body +
                      ";; Local Variables:\n;; coding: utf-7\n;; End:\n", encoding="ascii")
    script = ("(progn (load %s nil t) (dolist (s (reverse judge-strings)) (princ (format \"%%S\\n\""
              " (append s nil)))))" % json.dumps(str(source)))
    done = subprocess.run([emacs, "--batch", "-Q", "--eval", script], capture_output=True,
                          cwd=str(tmp), timeout=120)
    assert done.returncode == 0, done.stderr
    got = ["".join(chr(int(code)) for code in re.findall(r"-?\d+", line))
           for line in done.stdout.decode().splitlines()]
    assert got == values
    assert not judges.ran(tmp)


@settings(max_examples=200, **SETTINGS)
@given(value=nasty)
def test_python_literal_and_comment_text_stay_on_one_line(value):
    literal = syntax.python_literal(value)
    assert syntax.bad_char(literal) is None and eval(literal, {}) == value  # noqa: S307
    assert syntax.bad_char(syntax.comment_text(value)) is None


def test_offlineimap_parser_uses_percent_interpolation():
    """Why ini_value doubles %: offlineimap's parser is a ConfigParser with interpolation."""
    from offlineimap.CustomConfig import CustomConfigParser

    assert isinstance(CustomConfigParser()._interpolation, configparser.BasicInterpolation)
    assert sys.modules["offlineimap.CustomConfig"]  # imported lazily, from the test extra
