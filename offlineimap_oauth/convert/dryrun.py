"""The dry-run report: a unified diff per output file, every secret shown as ``***``.

``describe(changes, conversion)`` is what ``convert`` prints without
``--write``.  Secrets are found by each file's own syntax, line by line, in
the old text and the new text alike, so added, removed and context lines
(another account's password three lines above ours) are all masked:

- accounts.conf: ``client_secret`` and ``client_secret_command``, keys
  compared case-insensitively as configparser does, continuation lines too;
- offlineimaprc: ``remotepass``, ``remotepasseval`` and every key naming a
  password, secret or token (our ``access_token("NAME")`` stays readable);
- msmtprc: ``password``, ``passwordeval`` and ``eval`` arguments;
- and every converted client secret, raw and as written, wherever it appears.

The diff is computed on the real lines and masked afterwards, so a secret
that changes shows as ``-client_secret = ***`` / ``+client_secret = *** (changed)``.
A changed file is labelled ``(changed)``, a new one ``(new)``.
"""

from __future__ import annotations

import difflib
import json
import re

MASK = "***"
CONTEXT = 3  # lines of context around each change, as diff -u
ACCOUNTS_SECRET_KEYS = frozenset({"client_secret", "client_secret_command"})
OFFLINEIMAP_SECRET_KEY = re.compile(r"pass|secret|token", re.I)
OUR_TOKEN_EVAL = re.compile(r"""^access_token\((["'])[A-Za-z0-9._@+-]+\1\)$""")
MSMTP_SECRET_COMMANDS = frozenset({"password", "passwordeval", "eval"})
INI_KEY = re.compile(r"^(\s*)([^\s=:;#\[][^=:]*?)(\s*[=:])(.*)$")
MSMTP_LINE = re.compile(r"^(\s*)(\S+)([ \t]*)(.*)$")


def secrets(conversion) -> list:
    """Every converted client secret, raw and in the spellings the outputs use."""
    from offlineimap_oauth.convert.render import accounts_conf

    values = [a.client_secret for a in conversion.accounts if getattr(a, "client_secret", None)]
    return values + [accounts_conf.quote(v) for v in values] + \
        [json.dumps(v, ensure_ascii=False)[1:-1] for v in values]


def _ini_masker(is_secret):
    """mask(lines) for an INI file: a secret key's line and its continuation lines."""
    def mask(lines):
        out, inside = [], False
        for line in lines:
            body = line.rstrip("\r\n")
            stripped = body.strip()
            if inside and body[:1] in (" ", "\t") and stripped and stripped[0] not in "#;":
                out.append(line[:len(line) - len(line.lstrip())] + MASK)
                continue
            if inside and not stripped:
                out.append(body)
                continue
            inside = False
            match = INI_KEY.match(body)
            if match and is_secret(match.group(2).strip(), match.group(4).strip()):
                inside = True
                body = match.group(1) + match.group(2) + match.group(3) + " " + MASK
            out.append(body)
        return out
    return mask


def _accounts_secret(key, _value):
    return key.lower() in ACCOUNTS_SECRET_KEYS


def _offlineimap_secret(key, value):
    return bool(OFFLINEIMAP_SECRET_KEY.search(key)) and not OUR_TOKEN_EVAL.match(value)


def _msmtp_mask(lines):
    out = []
    for line in lines:
        body = line.rstrip("\r\n")
        match = MSMTP_LINE.match(body)
        if match and match.group(2) in MSMTP_SECRET_COMMANDS and match.group(4):
            body = match.group(1) + match.group(2) + " " + MASK
        out.append(body)
    return out


MASKERS = {
    "accounts.conf": _ini_masker(_accounts_secret),
    "offlineimaprc": _ini_masker(_offlineimap_secret),
    "msmtprc": _msmtp_mask,
}


def mask_lines(label: str, lines: list, hidden: list) -> list:
    """``lines`` (no line ends) with every secret of that file type shown as ***."""
    masked = MASKERS.get(label, lambda ls: [line.rstrip("\r\n") for line in ls])(lines)
    out = []
    for line in masked:
        for value in sorted(hidden, key=len, reverse=True):
            if value:
                line = line.replace(value, MASK)
        out.append(line)
    return out


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return "%d,%d" % (start + 1 if length else start, length)


def diff(change, hidden: list) -> str:
    """The masked unified diff of one Change."""
    old = (change.old or "").splitlines(keepends=True)
    new = change.new.splitlines(keepends=True)
    old_shown = mask_lines(change.label, old, hidden)
    new_shown = mask_lines(change.label, new, hidden)
    if change.old is None:
        out = ["--- /dev/null", "+++ %s (new)" % change.path]
    else:
        out = ["--- %s" % change.path, "+++ %s (changed)" % change.path]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        out.append("@@ -%s +%s @@" % (_range(group[0][1], group[-1][2]),
                                      _range(group[0][3], group[-1][4])))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in old_shown[i1:i2])
                continue
            removed, real_removed = old_shown[i1:i2], old[i1:i2]
            out.extend("-" + line for line in removed)
            for line, real in zip(new_shown[j1:j2], new[j1:j2]):
                # Same text once masked, yet the real line differs: a changed secret.
                changed = MASK in line and line in removed and real not in real_removed
                out.append("+" + line + (" (changed)" if changed else ""))
    return "\n".join(out) + "\n"


def describe(changes, conversion, summary: str) -> str:
    """The dry-run report: ``summary``, then a masked diff per file that changes."""
    out = [summary]
    hidden = secrets(conversion)
    for change in changes:
        if not change.changed:
            out.append("%s: %s is up to date.\n" % (change.label, change.path))
            continue
        if change.label == "pythonfile" and change.old is None:
            out.append("+++ %s (new): the offlineimap hook, %d lines (hookfile.render_pythonfile)\n"
                       % (change.path, change.new.count("\n")))
            continue
        out.append(diff(change, hidden))
    return "\n".join(out)
