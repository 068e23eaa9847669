"""Emacs is the oracle for our Emacs Lisp reader.

Every top-level form of the Lisp that Emacs ships
(``lisp/**/*.el.gz``: real files, nothing copied here) is read by Emacs's
``read`` (one batch Emacs for all files, tests/oracle/canonical.el) and by
ours, both printed in one canonical form, and compared.  The counts are
printed (run with ``-s``) and a floor is asserted.
"""

import glob
import gzip
import os
import re
import subprocess
import time

from offlineimap_oauth.convert.read import elisp
from tests.e2e._require import missing_component, require_binary
from tests.oracle import canonical, emacs

# Every file: 1,505 files and about 93,000 forms of Emacs 28.2 (about 90 s on
# an idle 2-core machine; STRIDE = 3 reads every 3rd file, for quick runs).
STRIDE = 1
MIN_FILES, MIN_FORMS = 1000, 60000
# Codings whose text our decode() reproduces; Emacs decodes its own files as these.
UTF8_CODINGS = ("utf-8", "prefer-utf-8", "us-ascii", "undecided")


def _beyond_unicode_characters(path, expected, got):
    """A ``?c`` literal whose character is one of Emacs's own beyond Unicode
    (utf-8-emacs files: Ethiopic, Tibetan and Indic charsets).  Python text
    cannot hold it; decode() turns it into U+FFFD, so Emacs's code 0x110000..
    0x3FFF7F meets our 65533.  No Gnus setting is such a character."""
    beyond = re.sub(r"\bi(\d{7})\b",
                    lambda m: "i65533" if 0x110000 <= int(m.group(1)) <= 0x3FFF7F else m.group(),
                    expected)
    return beyond == got


# Named differences left between Emacs's read and ours, each justified.
# Characters beyond Unicode inside strings and symbols are compared as U+FFFD
# on both sides by design (canonical.el), and raw bytes as U+0080..U+00FF.
EXCEPTIONS = {"characters beyond Unicode in ?c literals": _beyond_unicode_characters}


def emacs_lisp_files() -> list:
    files = sorted(glob.glob("/usr/share/emacs/*/lisp/**/*.el.gz", recursive=True))
    if not files:
        missing_component("Emacs's own Lisp (/usr/share/emacs/*/lisp/**/*.el.gz) not found")
    return files[::STRIDE]


def ours(path: str):
    """(canonical forms, error text) as our reader reads the file."""
    with gzip.open(path) as handle:
        text = elisp.decode(handle.read())
    try:
        return [canonical.canonical(form) for form in elisp.read_all(text, path)], ""
    except elisp.ElispError as error:
        return None, str(error).splitlines()[0]


def test_our_reader_reads_emacs_lisp_as_emacs_does(tmp_path):
    binary = require_binary("emacs")
    files = emacs_lisp_files()
    started = time.monotonic()
    # Emacs works in the background while we read the same files.
    runner = emacs.start_files(binary, files, str(tmp_path))
    mine = {path: ours(path) for path in files}
    results = runner.results(timeout=600)
    compared = equal = 0
    differences, excepted = [], {name: 0 for name in EXCEPTIONS}
    for result in results:
        if not result.coding.startswith(UTF8_CODINGS):
            differences.append("%s: decoded by Emacs as %s" % (result.path, result.coding))
            continue
        forms, error = mine[result.path]
        assert result.error == "", "Emacs could not read its own %s: %s" % (result.path,
                                                                          result.error)
        if forms is None:
            differences.append("%s: we fail where Emacs reads: %s" % (result.path, error))
            continue
        compared += len(result.forms)
        for index, expected in enumerate(result.forms):
            got = forms[index] if index < len(forms) else None
            if got == expected:
                equal += 1
                continue
            reason = next((name for name, applies in EXCEPTIONS.items()
                           if got is not None and applies(result.path, expected, got)), None)
            if reason:
                excepted[reason] += 1
            else:
                differences.append("%s form %d:\n  emacs %s\n  ours  %s"
                                   % (result.path, index + 1, expected[:200], (got or "")[:200]))
        if len(forms) > len(result.forms):
            differences.append("%s: we read %d forms, Emacs %d"
                               % (result.path, len(forms), len(result.forms)))
    elapsed = time.monotonic() - started
    print("\nEmacs's Lisp: %d files, %d forms compared, %d equal, %.1f s; exceptions: %s"
          % (len(files), compared, equal, elapsed, excepted))
    assert differences == [], "\n".join(differences[:20])
    assert len(files) >= MIN_FILES and compared >= MIN_FORMS
    assert equal + sum(excepted.values()) == compared


def test_the_oracle_itself_tells_data_apart(tmp_path):
    """The comparison can fail: texts that differ in one detail print differently."""
    binary = require_binary("emacs")
    texts = ["(a . b)", "(a b)", "[a b]", "#s(a b)", "\"a\"", "a", "1", "1.0", "?a", "#1=(a . #1#)",
             "(a . (a . nil))"]
    results = emacs.read_texts(binary, texts, str(tmp_path))
    printed = [r.forms[0] for r in results]
    assert printed[-1] == printed[1].replace("b", "a")  # (a . (a . nil)) is (a a)
    assert len(set(printed[:-1])) == len(printed) - 1  # all different
    assert printed[6] == "i1" and printed[8] == "i97" and printed[9] == "#0= ( y1:a . #0# )"
    for text, result in zip(texts, results):
        assert [canonical.canonical(f) for f in elisp.read_all(text)] == result.forms, text


def test_emacs_runs_once_for_many_files(tmp_path, monkeypatch):
    """One Emacs process per batch, not one per file (CI time stays bounded)."""
    binary = require_binary("emacs")
    calls = []
    real = subprocess.Popen

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    files = emacs_lisp_files()[:20]
    results = emacs.start_files(binary, files, str(tmp_path)).results(timeout=300)
    assert len(results) == 20 and len(calls) == 1
    assert os.path.basename(calls[0][0]) == os.path.basename(binary)
