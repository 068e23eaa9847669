"""Read the inputs, build the conversion and render every output file.

``read_inputs(paths)`` -> (Emacs Lisp files as read forms, authinfo entries);
``targets(home, config, output_dir)`` -> where each output goes;
``render(conversion, targets, command)`` -> the list of write.Change, all
rendered and validated (accounts.conf re-parsed, offlineimaprc parsed as
INI, values checked for shape by render.syntax) before anything is written;
``describe(changes, conversion)`` -> the dry-run text (convert.dryrun: a
unified diff per file, every secret shown as ``***``).
"""

from __future__ import annotations

import configparser
import os
import shutil
import sys

from offlineimap_oauth import accounts as accounts_file, paths
from offlineimap_oauth.convert import merge
from offlineimap_oauth.convert.find import settings as gnus
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.convert.render import accounts_conf, gnus_el, msmtprc, offlineimaprc, syntax
from offlineimap_oauth.convert.write import Change
from offlineimap_oauth.errors import ConfigError, UsageError

# Emacs loads the first init file that exists, and only that one (startup.el),
# then Gnus its own init file when Gnus starts; auth-source reads every authinfo.
INIT_FILES = (".emacs", ".emacs.el", ".emacs.d/init.el", ".config/emacs/init.el")
GNUS_FILES = (".gnus.el", ".gnus")
AUTHINFO_DEFAULTS = (".authinfo", ".authinfo.gpg", ".netrc")
ELISP_DEFAULTS = INIT_FILES + GNUS_FILES


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

    syntax.check_conversion(conversion)  # every value's shape, all problems at once
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
    """Read every INI output back as its reader will, before anything is written."""
    by_label = {change.label: change for change in changes}
    _validate_accounts(by_label["accounts.conf"], conversion)
    rc = by_label["offlineimaprc"]
    try:
        parser = configparser.ConfigParser()  # offlineimap's: BasicInterpolation
        parser.read_string(_as_read(rc.new), rc.path)
    except configparser.Error as error:
        raise ConfigError("%s would not be valid INI: %s" % (rc.path, error),
                          hint="Fix or move the existing file, then run convert again.") from None
    for account in conversion.accounts:
        for header, items in offlineimaprc.entries(account):
            got = {key: parser.get(header, key) for key, _ in items if key != "#"} \
                if parser.has_section(header) else None
            if got != {key: value for key, value in items if key != "#"}:
                raise ConfigError("Internal check failed: [%s] would not read back as "
                                  "converted." % header, hint="Please report this.")


def _as_read(text: str) -> str:
    """``text`` with line ends as open() gives them (a lone CR ends a line too)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _validate_accounts(conf, conversion) -> None:
    """Our sections read back as converted; every other account reads back unchanged."""
    parsed = accounts_file.parse(_as_read(conf.new), conf.path)
    before = {}
    if conf.old is not None:
        try:
            before = accounts_file.parse(_as_read(conf.old), conf.path)
        except ConfigError:
            before = {}  # the user's file had problems already: nothing to compare
    ours = {account.name for account in conversion.accounts}
    for account in conversion.accounts:
        got = parsed.get(account.name)
        if got is None or (got.client_secret, got.user, got.client_id, got.provider) != \
                (account.client_secret, account.user, account.client_id, account.provider):
            raise ConfigError("Internal check failed: [account %s] would not read back as "
                              "converted." % account.name, hint="Please report this.")
    others = {name: _fields(account) for name, account in parsed.items() if name not in ours}
    if before and others != {name: _fields(account) for name, account in before.items()
                             if name not in ours}:
        raise ConfigError("Internal check failed: writing accounts.conf would change accounts "
                          "convert was not asked to write.", hint="Please report this.")


def _fields(account) -> tuple:
    return tuple(getattr(account, slot) for slot in account.__slots__ if slot != "source")


def describe(changes, conversion) -> str:
    """The dry-run report: what converts, notes, then a masked diff per file."""
    from offlineimap_oauth.convert import dryrun

    return dryrun.describe(changes, conversion, summary(conversion))


def summary(conversion) -> str:
    lines = []
    for account in conversion.accounts:
        lines.append("convert: %s (%s, %s) from %s"
                     % (account.name, account.user, "Google" if account.provider == "google"
                        else account.authority or account.tenant,
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
