"""Offers convert's outputs read back by the programs that consume them.

- ``convert(tmp, gnus_text, authinfo_text)``: the real CLI (in-process
  ``cli.main``) writing into ``tmp/out``; returns (exit status, stderr, outputs).
- ``offlineimap_view(paths)``: offlineimap 8.0.3's own CustomConfigParser
  and LocalEval (which executes the pythonfile) in a subprocess: every
  section and option as offlineimap gets it, every key offlineimap
  evaluates evaluated (``access_token`` stubbed, ``folderfilter`` called).
- ``msmtp_view(path, account)``: ``msmtp --pretend`` for one account.
- ``emacs_view(specs)``: one ``emacs --batch -Q`` loading each Gnus file in
  turn, printing the variables it sets, strings as lists of code points.
- ``accounts_view(path)``: our accounts.conf loader.

Each runs with ``cwd`` set to a directory the caller then checks for a
``PWNED`` marker: every attack payload in these tests writes that file.
"""

import contextlib
import io
import json
import os
import subprocess
import sys

from offlineimap_oauth import accounts
from tests.e2e._require import require_binary

MARKER = "PWNED"
# Keys offlineimap 8.0.3 evaluates as Python besides any *eval key: in a
# repository (repository/Base.py, IMAP.py) and in [mbnames] (mbnames.py).
REPOSITORY_EVALUATED = ["nametrans", "folderfilter", "folderincludes", "foldersort",
                        "newmail_hook", "idlefolders"]
MBNAMES_EVALUATED = ["header", "sep", "footer", "sort_keyfunc", "folderfilter"]

_OFFLINEIMAP_JUDGE = r"""
import json, sys
from offlineimap.CustomConfig import CustomConfigParser
repository_evaluated, mbnames_evaluated = map(set, json.loads(sys.argv[1]))
views = []
for path in json.loads(sys.argv[2]):
    config = CustomConfigParser()
    config.read([path])
    local = config.getlocaleval()
    local.namespace["access_token"] = lambda name: ["TOKEN", name]
    view = {"PYTHONFILE": {k: local.namespace.get(k) for k in ("COMMAND", "CONFIG")}}
    for section in config.sections():
        values = {}
        for option in config.options(section):
            value = config.get(section, option)
            if (option.endswith("eval")
                    or (section.startswith("Repository ") and option in repository_evaluated)
                    or (section == "mbnames" and option in mbnames_evaluated)):
                result = local.eval(value)
                value = ["EVAL", [result("INBOX"), result("Calendar")] if callable(result)
                         else result]
            values[option] = value
        view[section] = values
    views.append(view)
print(json.dumps(views))
"""

_EMACS_JUDGE = r"""
(require 'gnus) (require 'gnus-msg) (require 'message) (require 'sendmail) (require 'json)
(defun judge--json (v)
  (cond ((stringp v) (concat "{\"s\":[" (mapconcat #'number-to-string (append v nil) ",") "]}"))
        ((integerp v) (number-to-string v))
        ((null v) "null")
        ((symbolp v) (concat "{\"y\":" (json-encode-string (symbol-name v)) "}"))
        ((consp v) (let (items)
                     (while (consp v) (push (judge--json (car v)) items) (setq v (cdr v)))
                     (when v (push (concat "{\"dot\":" (judge--json v) "}") items))
                     (concat "[" (mapconcat #'identity (nreverse items) ",") "]")))
        (t "\"?\"")))
(dolist (spec judge-files)
  (setq gnus-secondary-select-methods
        (append (mapcar (lambda (name) (list 'nnimap name)) (cdr spec)) '((nntp "news")))
        gnus-select-method '(nntp "primary")
        gnus-posting-styles nil
        gnus-permanently-visible-groups nil
        message-sendmail-extra-arguments nil)
  (load (car spec) nil t)
  (princ (concat (judge--json (list gnus-secondary-select-methods gnus-posting-styles
                                    gnus-permanently-visible-groups gnus-select-method
                                    message-sendmail-extra-arguments))
                 "\n")))
"""


def token_stub(tmp) -> str:
    """A stand-in for our CLI in msmtp's passwordeval: ``msmtp --pretend`` runs it."""
    stub = os.path.join(str(tmp), "token-stub")
    with open(stub, "w", encoding="utf-8") as handle:
        handle.write("#!/bin/sh\necho TOKEN\n")
    os.chmod(stub, 0o700)
    return stub


def convert(tmp, gnus_text: str, authinfo_text: str = ""):
    """(exit status, stderr text, {output name: path}) of ``convert --write --output-dir``.

    The token command written into msmtprc and the pythonfile is ``token_stub``.
    """
    from unittest import mock

    from offlineimap_oauth import cli

    tmp = str(tmp)
    stub = token_stub(tmp)
    gnus = os.path.join(tmp, "gnus.el")
    with open(gnus, "w", encoding="utf-8", newline="") as handle:
        handle.write(gnus_text)
    files = [gnus]
    if authinfo_text:
        files.append(os.path.join(tmp, "authinfo"))
        with open(files[-1], "w", encoding="utf-8", newline="") as handle:
            handle.write(authinfo_text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch("offlineimap_oauth.convert.plan.token_command", return_value=[stub]):
        status = cli.main(["convert", "--write", "--output-dir", os.path.join(tmp, "out")] + files)
    names = {"accounts.conf": "accounts.conf", "offlineimaprc": "offlineimaprc",
             "pythonfile": "offlineimap-hook.py", "msmtprc": "msmtprc",
             "gnus": "gnus-accounts.el"}
    return status, err.getvalue(), {k: os.path.join(tmp, "out", v) for k, v in names.items()}


def offlineimap_view(paths: list, cwd) -> list:
    result = subprocess.run([sys.executable, "-c", _OFFLINEIMAP_JUDGE, json.dumps([REPOSITORY_EVALUATED, MBNAMES_EVALUATED]),
                             json.dumps([str(p) for p in paths])], capture_output=True,
                            text=True, cwd=str(cwd), timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def msmtp_view(path, account: str, cwd) -> dict:
    """msmtp's settings for ``account`` ({} when msmtp refuses the file or account)."""
    msmtp = require_binary("msmtp")
    result = subprocess.run([msmtp, "--pretend", "-C", str(path), "-a", account],
                            capture_output=True, cwd=str(cwd), timeout=60)
    if result.returncode != 0:
        return {}
    view = {}
    for line in result.stdout.decode("utf-8", "surrogateescape").splitlines():
        key, sep, value = line.partition(" = ")
        if sep and key not in view:
            view[key] = value
    return view


def emacs_view(specs: list, cwd) -> list:
    """Per (gnus file, nnimap names to put in the select methods): what Emacs has after load."""
    emacs = require_binary("emacs")
    listing = "(setq judge-files '(%s))\n" % " ".join(
        "(%s %s)" % (json.dumps(str(path)), " ".join(json.dumps(name) for name in names))
        for path, names in specs)
    judge = os.path.join(str(cwd), "judge.el")
    with open(judge, "w", encoding="utf-8") as handle:
        handle.write(";; -*- coding: utf-8 -*-\n" + listing + _EMACS_JUDGE)
    result = subprocess.run([emacs, "--batch", "-Q", "-l", judge], capture_output=True,
                            cwd=str(cwd), timeout=300, env=dict(os.environ, LANG="C.UTF-8"))
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    return [_decode(json.loads(line)) for line in result.stdout.decode().splitlines()]


def _decode(value):
    """The judge's JSON with strings and symbols back as Python values."""
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict) and "s" in value:
        return "".join(map(chr, value["s"]))
    if isinstance(value, dict) and "y" in value:
        return ("symbol", value["y"])
    if isinstance(value, dict) and "dot" in value:
        return ("dot", _decode(value["dot"]))
    return value


def accounts_view(path) -> dict:
    from offlineimap_oauth.errors import ConfigError

    try:
        return accounts.load(str(path))
    except ConfigError as error:
        raise AssertionError("accounts.conf no longer loads: %s" % error) from None


def ran(cwd) -> bool:
    """True when an attack payload ran (its marker file exists)."""
    return os.path.exists(os.path.join(str(cwd), MARKER))
