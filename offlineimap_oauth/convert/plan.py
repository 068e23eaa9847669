"""Read the inputs, build the conversion and render every output file.

``read_inputs(paths)`` -> (Emacs Lisp files as read forms, authinfo entries);
``targets(home, config, output_dir)`` -> where each output goes;
``render(conversion, targets, command)`` -> the list of write.Change, all
rendered and validated (accounts.conf re-parsed, offlineimaprc parsed as
INI) before anything is written; ``describe(changes, conversion)`` -> the
dry-run text: a unified diff per file with client secrets shown as ``***``.
"""

from __future__ import annotations

import configparser
import difflib
import json
import os
import re
import shutil
import sys

from offlineimap_oauth import accounts as accounts_file, paths
from offlineimap_oauth.convert import accounts_conf, gnus_el, merge, msmtprc, offlineimaprc
from offlineimap_oauth.convert.find import settings as gnus
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.convert.write import Change
from offlineimap_oauth.errors import ConfigError, UsageError

# Emacs loads the first init file that exists, and only that one (startup.el),
# then Gnus its own init file when Gnus starts; auth-source reads every authinfo.
INIT_FILES = (".emacs", ".emacs.el", ".emacs.d/init.el", ".config/emacs/init.el")
GNUS_FILES = (".gnus.el", ".gnus")
AUTHINFO_DEFAULTS = (".authinfo", ".authinfo.gpg", ".netrc")
ELISP_DEFAULTS = INIT_FILES + GNUS_FILES
MASK = "***"


def default_inputs(home: str) -> list:
    """The default input files that exist, in the order Emacs loads them: the first
    init file, the first Gnus init file, then every authinfo file."""
    def first(names):
        paths = [os.path.join(home, name) for name in names]
        return [path for path in paths if os.path.isfile(path)][:1]

    authinfo_files = [os.path.join(home, name) for name in AUTHINFO_DEFAULTS]
    return first(INIT_FILES) + first(GNUS_FILES) + \
        [path for path in authinfo_files if os.path.isfile(path)]


def is_authinfo(path: str) -> bool:
    base = os.path.basename(path).lower()
    return "authinfo" in base or base in (".netrc", "netrc") or base.endswith(".netrc")


def read_inputs(files: list) -> tuple:
    """([(source, forms)], [authinfo.Entry], [msmtp Sighting]) of the input files."""
    from offlineimap_oauth.convert.find import msmtp

    lisp, entries, sightings = [], [], []
    for path in files:
        if is_authinfo(path):
            entries.extend(authinfo.load(path))
            continue
        if msmtp.is_msmtprc(path):
            try:
                with open(path, "rb") as handle:
                    sightings.extend(msmtp.parse(elisp.decode(handle.read()), path))
            except OSError as error:
                raise ConfigError("Cannot read %s: %s" % (path, error),
                                  hint="Check the path, then run convert again.") from None
            continue
        try:
            # Bytes, decoded as Emacs does: no newline translation (only \n ends
            # a line), and no file is refused for its encoding.
            with open(path, "rb") as handle:
                text = elisp.decode(handle.read())
        except OSError as error:
            raise ConfigError("Cannot read %s: %s" % (path, error),
                              hint="Check the path, then run convert again.") from None
        lisp.append((path, elisp.read_all(text, path)))
    return lisp, entries, sightings


def _config_home(home: str) -> str:
    value = os.environ.get("XDG_CONFIG_HOME", "")
    return value if os.path.isabs(value) else os.path.join(home, ".config")


def targets(home: str, config: str | None, output_dir: str | None) -> dict:
    """Output paths: standard locations, or all in ``output_dir``."""
    if output_dir:
        base = os.path.abspath(os.path.expanduser(output_dir))
        return {"accounts.conf": os.path.join(base, "accounts.conf"),
                "offlineimaprc": os.path.join(base, "offlineimaprc"),
                "pythonfile": os.path.join(base, "offlineimap-hook.py"),
                "msmtprc": os.path.join(base, "msmtprc"),
                "gnus": os.path.join(base, "gnus-accounts.el")}
    xdg = _config_home(home)
    ours = os.path.join(xdg, paths.APP_DIR)
    offlineimap = os.path.join(home, ".offlineimaprc")
    if not os.path.exists(offlineimap) and os.path.exists(os.path.join(xdg, "offlineimap", "config")):
        offlineimap = os.path.join(xdg, "offlineimap", "config")
    msmtp = os.path.join(xdg, "msmtp", "config")
    if not os.path.exists(msmtp):
        msmtp = os.path.join(home, ".msmtprc")
    return {"accounts.conf": paths.config_path(config),
            "offlineimaprc": offlineimap,
            "pythonfile": os.path.join(ours, "offlineimap-hook.py"),
            "msmtprc": msmtp,
            "gnus": os.path.join(ours, "gnus-accounts.el")}


def token_command() -> list:
    """Our console script by absolute path (the one next to this Python first)."""
    beside = os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("offlineimap-oauth")
    return [os.path.abspath(found)] if found else [sys.executable, "-m", "offlineimap_oauth"]


def render(conversion, where: dict, command: list, config_flag: str | None = None) -> list:
    """Every output as a Change, validated; raises ConfigError before any write."""
    from offlineimap_oauth.hookfile import render_pythonfile

    msmtp_command = command + (["--config", config_flag] if config_flag else [])
    previous = _previous_pythonfile(where["offlineimaprc"], where["pythonfile"])
    if previous:
        conversion.notes.append("your offlineimaprc loaded pythonfile %s; the new pythonfile "
                                "runs it first, so its functions keep working" % previous)
    changes = [
        Change("accounts.conf", where["accounts.conf"],
               _accounts_text(conversion, where["accounts.conf"]), secret=True),
        Change("offlineimaprc", where["offlineimaprc"],
               _offlineimap_text(conversion, where["offlineimaprc"], where["pythonfile"])),
        Change("pythonfile", where["pythonfile"],
               render_pythonfile(command[0] if len(command) == 1 else command, config_flag,
                                 previous)),
        Change("msmtprc", where["msmtprc"], _msmtp_text(conversion, where["msmtprc"],
                                                        msmtp_command), secret=True),
        Change("gnus", where["gnus"], gnus_el.render(conversion, where["gnus"])),
    ]
    _validate(changes, conversion)
    return changes


def _previous_pythonfile(offlineimaprc: str, ours: str) -> str | None:
    """The user's own pythonfile: named in offlineimaprc, or kept in ours."""
    from offlineimap_oauth.hookfile import previous_pythonfile

    general = next((s for s in merge.split(_existing(offlineimaprc) or "", merge.INI_HEADER)[1]
                    if s.name == "general"), None)
    named = merge.get_key("".join(general.body), "pythonfile") if general else None
    if named and os.path.abspath(os.path.expanduser(named)) != os.path.abspath(ours):
        return named
    existing = _existing(ours)
    return previous_pythonfile(existing) if existing else None


def _existing(path: str) -> str | None:
    from offlineimap_oauth.convert.write import read_text

    return read_text(path)


def _accounts_text(conversion, path) -> str:
    base = _existing(path)
    if base is None:
        base = "; offlineimap-oauth accounts (README: 'accounts.conf')\n\n"
    return merge.merge(base, accounts_conf.sections(conversion), merge.INI_HEADER)


def _offlineimap_text(conversion, path, pythonfile) -> str:
    base = _existing(path)
    preamble, sections = merge.split(base or "", merge.INI_HEADER)
    general = next((s for s in sections if s.name == "general"), None)
    if general is None:
        values = offlineimaprc.general_values(None, conversion, pythonfile)
        text = ("[general]\naccounts = %(accounts)s\npythonfile = %(pythonfile)s\n"
                "# Never wait for a typed password: a login problem ends the run with a message.\n"
                "ui = basic\n\n" % values)
        base = offlineimaprc.GENERAL_HEADER + text if base is None else text + base
    else:
        body = "".join(general.body)
        values = offlineimaprc.general_values(merge.get_key(body, "accounts"), conversion,
                                              pythonfile)
        general.body = merge.set_keys(body, values).splitlines(keepends=True)
        base = "".join(preamble) + "".join(section.text() for section in sections)
    return merge.merge(base, offlineimaprc.sections(conversion), merge.INI_HEADER)


def _msmtp_text(conversion, path, command) -> str:
    base = _existing(path)
    if base is None:
        base = msmtprc.HEADER + "\n"
    text = merge.merge(base, msmtprc.sections(conversion, command), merge.MSMTP_HEADER,
                       before="default")
    if not any(s.name == "default" for s in merge.split(text, merge.MSMTP_HEADER)[1]):
        text = merge.merge(text, [msmtprc.default_line(conversion)], merge.MSMTP_HEADER)
    return text


def _validate(changes, conversion) -> None:
    by_label = {change.label: change for change in changes}
    conf = by_label["accounts.conf"]
    parsed = accounts_file.parse(conf.new, conf.path)
    for account in conversion.accounts:
        got = parsed[account.name]
        if got.client_secret != account.client_secret or got.user != account.user:
            raise ConfigError("Internal check failed: [account %s] would not read back as "
                              "converted." % account.name, hint="Please report this.")
    rc = by_label["offlineimaprc"]
    try:
        configparser.ConfigParser(interpolation=None).read_string(rc.new, rc.path)
    except configparser.Error as error:
        raise ConfigError("%s would not be valid INI: %s" % (rc.path, error),
                          hint="Fix or move the existing file, then run convert again.") from None


def secrets(conversion) -> list:
    values = [a.client_secret for a in conversion.accounts if a.client_secret]
    return values + [accounts_conf.quote(v) for v in values] + \
        [json.dumps(v, ensure_ascii=False)[1:-1] for v in values]


def mask(text: str, hidden: list) -> str:
    """``text`` with every client secret (and any client_secret line) shown as ***."""
    text = re.sub(r"(?m)^([-+ ]?\s*client_secret\s*[=:]).*$", r"\1 " + MASK, text)
    for value in sorted(hidden, key=len, reverse=True):
        if value:
            text = text.replace(value, MASK)
    return text


def describe(changes, conversion) -> str:
    """The dry-run report: what converts, notes, then a diff per file."""
    out = [summary(conversion)]
    hidden = secrets(conversion)
    for change in changes:
        if not change.changed:
            out.append("%s: %s is up to date.\n" % (change.label, change.path))
            continue
        if change.label == "pythonfile" and change.old is None:
            out.append("+++ %s (new): the offlineimap hook, %d lines (hookfile.render_pythonfile)\n"
                       % (change.path, change.new.count("\n")))
            continue
        old = (change.old or "").splitlines(keepends=True)
        new = change.new.splitlines(keepends=True)
        label_old = change.path if change.old is not None else "/dev/null"
        diff = "".join(difflib.unified_diff(old, new, label_old, change.path + " (new)"))
        out.append(mask(diff, hidden))
    return "\n".join(out)


def summary(conversion) -> str:
    lines = []
    for account in conversion.accounts:
        lines.append("convert: %s (%s, %s) from %s"
                     % (account.name, account.user, account.authority or account.tenant,
                        account.where))
    for skipped in conversion.skipped:
        lines.append("not converted: %s (%s): %s" % (skipped.label, skipped.where, skipped.reason))
    lines.extend("note: %s" % note for note in conversion.notes)
    return "\n".join(lines) + "\n"


def build(files: list, completion=None):
    """Read the files and build the Conversion (ConfigError on any problem);
    ``completion`` is the --client-id registration for mailboxes without one."""
    from offlineimap_oauth.convert import model

    if not files:
        raise UsageError("No input files: none of ~/%s exists."
                         % ", ~/".join(ELISP_DEFAULTS + AUTHINFO_DEFAULTS),
                         hint="Name your Gnus init file: offlineimap-oauth convert FILE...")
    lisp, entries, sightings = read_inputs(files)
    found = gnus.find(lisp)
    found.sightings.extend(sightings)
    return model.build(found, entries, completion)
