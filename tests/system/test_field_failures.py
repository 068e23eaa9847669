"""Failures users reported in public threads, replayed through the real CLI.

``tests/data/field_failures.json`` holds each reported failure: the exact
text the service printed, where it was reported, the cause and fix the
thread reached, and what our answer must contain.  Each item is driven
the way it reaches a user of this package:

- ``refresh``: ``token`` after a login, the identity platform refusing the
  refresh with the reported text;
- ``redeem``: ``login --flow paste``, the refusal coming when the code is
  redeemed; ``redirect``: the browser comes back with the error instead
  of a code; ``paste``: the user pastes the error Microsoft's page showed;
- ``config``: the accounts.conf setting that led to the failure, ``token``;
- ``imap_auth``, ``imap_select``, ``smtp_auth``: ``check`` against scripted
  Exchange-like servers that answer with exactly the reported text;
- ``tls``: a company proxy's certificate (a CA bundle without the
  platform's CA); ``unreachable``: nothing listens at the authority.

An answer is *right* when the exit code is the expected category and the
message names the cause and the fix (Microsoft's or the server's own
words, which we echo, do not count); *generic* when it only falls back to
the echoed text; *wrong* otherwise.  Items marked ``outside`` never reach
this package and are kept as the record.
"""

import json
import os
import shutil
import socket
from collections import Counter

import pytest

from tests.fakes.idp import FakeIdentityPlatform
from tests.fakes.scripted import ScriptedExchange
from tests.fakes.tls import SYSTEM_ROOTS
from tests.support import ROOT, Cli, Platform

CORPUS_PATH = os.path.join(ROOT, "tests", "data", "field_failures.json")
with open(CORPUS_PATH, encoding="utf-8") as _handle:
    CORPUS = json.load(_handle)
DRIVEN = [item for item in CORPUS if item["drive"] != "none"]
# Lines that repeat the service's own words: they cannot count as our explanation.
ECHO_MARKERS = ("Microsoft said:", "The server said:")
GENERIC_MARKERS = ("Microsoft refused the request", "The server refused:", "unexpected error",
                   "HTTP error from the identity platform")
RIGHT_TARGET = 55  # of the items that reach our code (issue 11)
VERDICTS = {}


class Field:
    def __init__(self, idp, platform, master, servers, ca):
        self.idp, self.platform, self.master, self.servers, self.ca = (
            idp, platform, master, servers, ca)


@pytest.fixture(scope="module")
def field(test_ca, tmp_path_factory):
    """One platform, one login (its token store is copied for each item)."""
    with FakeIdentityPlatform(test_ca) as idp:
        idp.access_token_lifetime = 300  # every `token` refreshes (MSAL's 5-minute margin)
        platform = Platform(idp)
        master = Cli(tmp_path_factory.mktemp("field-master"), platform, test_ca)
        landed = master.login_paste("outlook")
        assert landed.returncode == 0, landed.stderr
        with ScriptedExchange(test_ca) as servers:
            yield Field(idp, platform, master, servers, test_ca)


def test_corpus_is_a_record_of_real_reports():
    assert len(CORPUS) >= 60
    assert len({item["id"] for item in CORPUS}) == len(CORPUS)
    for item in CORPUS:
        assert item["source"].startswith("https://"), item["id"]
        assert item["kind"] in ("aadsts", "imap", "smtp", "other"), item["id"]
        assert item["status"] in ("covered", "unknown", "outside"), item["id"]
        assert item["text"] and item["cause"] and item["fix"], item["id"]


@pytest.mark.parametrize("item", DRIVEN, ids=[item["id"] for item in DRIVEN])
def test_reported_failure_gets_its_cause_and_fix(field, item, tmp_path):
    result, output = drive(field, item, tmp_path)
    verdict = judge(item, result.returncode, output)
    VERDICTS[item["id"]] = verdict
    report = "%s -> exit %d (want %d), verdict %s\n%s" % (
        item["id"], result.returncode, item["expected_exit"], verdict, output)
    assert verdict != "wrong" or item["status"] == "unknown" and \
        result.returncode == item["expected_exit"], report
    if item["status"] == "covered":
        assert verdict == "right", report


def test_zz_corpus_score(capsys):
    """Prints the score; holds the target once every driven item has run."""
    if len(VERDICTS) < len(DRIVEN):
        return  # a subset was selected (-k): nothing to sum up
    counts = Counter(VERDICTS.values())
    kinds = Counter(item["kind"] for item in CORPUS)
    with capsys.disabled():
        print("\nfield failures: %d items (%s), %d reach our code: %d right, %d generic, "
              "%d wrong" % (len(CORPUS), ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
                            len(DRIVEN), counts["right"], counts["generic"], counts["wrong"]))
    assert counts["right"] >= RIGHT_TARGET
    assert counts["wrong"] == 0


# ------------------------------------------------------------------ driving

def drive(field, item, tmp_path):
    """Run the CLI the way the reported failure reaches a user; (result, text)."""
    with field.idp._lock:
        field.idp._faults.clear()  # nothing left over from the previous item
    cli = Cli(tmp_path, field.platform, field.ca)
    shutil.copytree(str(field.master.state), str(cli.state), dirs_exist_ok=True)
    field.servers.script = {}
    how = item["drive"]
    if how in ("refresh", "redeem", "redirect"):
        _refuse(field.idp, item)
    if how == "refresh":
        result = cli.token("outlook")
    elif how in ("redeem", "redirect"):
        result = cli.login_paste("outlook")
    elif how == "paste":
        result = cli.run("login", "outlook", "--flow", "paste", "--no-browser",
                         input=item["text"] + "\n")
    elif how == "config":
        cli.write_config(field.platform.config(outlook=item["config"]))
        result = cli.token("outlook")
    elif how in ("imap_auth", "imap_select", "smtp_auth"):
        field.servers.script = dict(item["script"])
        result = cli.run("check", "outlook", "--imap-host", "127.0.0.1", "--imap-port",
                         str(field.servers.imap_port), "--smtp-host", "127.0.0.1",
                         "--smtp-port", str(field.servers.smtp_port))
    elif how == "tls":
        cli.env.update(REQUESTS_CA_BUNDLE=SYSTEM_ROOTS, SSL_CERT_FILE=SYSTEM_ROOTS)
        result = cli.token("outlook")
    elif how == "unreachable":
        cli.write_config(field.platform.config(
            outlook={"authority": "https://127.0.0.1:%d/consumers" % _closed_port()}))
        result = cli.token("outlook")
    else:
        raise AssertionError("unknown drive %r" % how)
    return result, result.stdout + result.stderr


def _refuse(idp, item):
    text = item["text"]
    code = item.get("code")
    if code and text.startswith("AADSTS%d: " % code):
        text = text[len("AADSTS%d: " % code):]
    if item["drive"] == "redirect":
        description = text if not code else "AADSTS%d: %s" % (code, text)
        idp.refuse_authorize({"error": item["error"], "error_description": description})
    else:
        grant = "refresh_token" if item["drive"] == "refresh" else "authorization_code"
        idp.refuse(item["error"], code, text, grant_type=grant)


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------ judging

def judge(item, exit_code, output):
    """right / generic / wrong, as the module docstring defines them."""
    ours = "\n".join(line for line in output.splitlines()
                     if not any(marker in line for marker in ECHO_MARKERS)).lower()
    names_both = item["expect_cause"].lower() in ours and item["expect_fix"].lower() in ours
    if exit_code == item["expected_exit"] and names_both:
        return "right"
    if exit_code != item["expected_exit"]:
        return "wrong"
    return "generic" if any(marker.lower() in ours for marker in GENERIC_MARKERS) else "wrong"
