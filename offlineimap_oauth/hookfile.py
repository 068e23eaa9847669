"""The pythonfile offlineimap loads: ``render_pythonfile(command) -> str``.

offlineimaprc names it in ``[general] pythonfile = ...``; its functions are
then usable in ``*_eval`` settings and in ``folderfilter``:

- ``access_token(name)`` for ``oauth2_access_token_eval``: imports
  :func:`offlineimap_oauth.offlineimap.access_token` when offlineimap's
  Python can (same virtualenv: memoised in-process), otherwise runs our CLI
  ``COMMAND token NAME`` by absolute path (offlineimap in its own virtualenv
  or from a distribution package).  A failure raises offlineimap's
  ``OfflineImapError`` at REPO severity carrying our message, so that
  account stops with "Run: offlineimap-oauth login NAME" and the others go on.
- ``mail_folder(name)`` for ``folderfilter``: False for the folders Exchange
  shows over IMAP that hold no mail (calendar, contacts, tasks, notes,
  journal, conversation history, sync issues, outbox), in English and
  Japanese, subfolders included.

The rendered file is stdlib-only and runs on Python 3.7+: it executes inside
whatever interpreter runs offlineimap, not ours.  ``contrib/offlineimap-hook.py``
is ``render_pythonfile(DEFAULT_COMMAND)``; a unit test keeps them equal.
"""

from __future__ import annotations

DEFAULT_COMMAND = "offlineimap-oauth"  # resolved through PATH when the hook runs
# Longer than the CLI's own 28 s refresh deadline, so its message wins.
TOKEN_TIMEOUT_S = 40

_TEMPLATE = '''\
"""offlineimap pythonfile written by offlineimap-oauth (render_pythonfile).

offlineimaprc:
    [general]
    pythonfile = <this file>
    [Repository NAME-remote]
    auth_mechanisms = XOAUTH2
    oauth2_access_token_eval = access_token("NAME")
    folderfilter = lambda folder: mail_folder(folder)

Runs inside offlineimap's own Python (3.7+), so it uses the standard library
only.  offlineimap 8.0.3 evaluates access_token() on every IMAP login.
"""

import os
import shutil
import subprocess

# Our CLI, used when offlineimap's Python cannot import offlineimap_oauth
# (offlineimap installed in another virtualenv or by the distribution).
# A string is one program (absolute, or looked up on PATH when needed);
# a list is a whole command line such as [python, "-m", "offlineimap_oauth"].
COMMAND = {command!r}
# The accounts file, when it is not at its default place (None: the default,
# or $OFFLINEIMAP_OAUTH_CONFIG).
CONFIG = {config!r}
# The pythonfile offlineimaprc named before `offlineimap-oauth convert`.
# offlineimap loads only one, so this one runs it first: its functions (a
# get_pass for another account, say) stay available; ours win a name clash.
PREVIOUS_PYTHONFILE = {previous!r}
if PREVIOUS_PYTHONFILE:
    with open(os.path.expanduser(PREVIOUS_PYTHONFILE), encoding="utf-8") as _previous:
        exec(compile(_previous.read(), os.path.expanduser(PREVIOUS_PYTHONFILE), "exec"))
# The CLI gives up on the identity platform after 28 s; wait a little longer.
TOKEN_TIMEOUT_S = {timeout!r}

# Top-level folders that hold no mail, as Exchange / Outlook.com name them in
# English and Japanese mailboxes; their subfolders are dropped too
# (予定表/日本の休日, Sync Issues/Conflicts).  Outbox only holds mail Outlook
# has not sent yet.  Compared case-insensitively; add your own names here.
NON_MAIL_FOLDERS = (
    "Calendar", "予定表",
    "Contacts", "連絡先",
    "Tasks", "タスク",
    "Notes", "メモ",
    "Journal", "ジャーナル",
    "Conversation History", "会話の履歴",
    "Sync Issues", "同期の問題",
    "Outbox", "送信トレイ",
)
_NON_MAIL = frozenset(name.casefold() for name in NON_MAIL_FOLDERS)
_reported = set()  # accounts whose failure offlineimap's UI has logged


def access_token(name):
    """A valid OAuth2 access token for account NAME of accounts.conf."""
    try:
        from offlineimap_oauth.offlineimap import access_token as in_process
    except ImportError:
        return _token_from_command(name)
    return in_process(name, CONFIG)


def mail_folder(name, sep="/"):
    """False for non-mail folders (and their subfolders), True otherwise.

    NAME is the remote folder name as offlineimap passes it to folderfilter:
    UTF-8 with utf8foldernames = yes, IMAP modified UTF-7 otherwise.
    """
    top = _decode_mutf7(name).split(sep, 1)[0]
    return top.casefold() not in _NON_MAIL


def _token_from_command(name):
    argv = _command_argv() + (["--config", CONFIG] if CONFIG else []) + ["token", name]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=TOKEN_TIMEOUT_S)
    except FileNotFoundError:
        raise _error(name, "offlineimap-oauth: cannot run %r (not found). Install "
                     "offlineimap-oauth, or set COMMAND in %s to its absolute path."
                     % (argv[0], __file__))
    except subprocess.TimeoutExpired:
        raise _error(name, "offlineimap-oauth: `%s` gave no token within %d s. Try again later; "
                     "if it persists, run `offlineimap-oauth check %s`."
                     % (" ".join(argv), TOKEN_TIMEOUT_S, name))
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    token = lines[0].strip() if lines else ""
    if done.returncode == 0 and token:
        return token
    message = done.stderr.decode("utf-8", "replace").strip()
    raise _error(name, message or "offlineimap-oauth: `%s` failed with exit status %d and no message."
                 % (" ".join(argv), done.returncode))


def _command_argv():
    if isinstance(COMMAND, (list, tuple)):
        return list(COMMAND)
    if os.path.isabs(os.path.expanduser(COMMAND)):
        return [os.path.expanduser(COMMAND)]
    # offlineimap started by cron or systemd may have a short PATH: also try
    # where `pip install --user` and pipx put scripts.
    found = shutil.which(COMMAND) or shutil.which(
        COMMAND, path=os.path.expanduser("~/.local/bin"))
    return [found or COMMAND]


def _error(name, message):
    """offlineimap's OfflineImapError at REPO severity: only this account stops."""
    try:
        from offlineimap.error import OfflineImapError
    except ImportError:  # loaded outside offlineimap (tests, other tools)
        return RuntimeError(message)
    error = OfflineImapError(message, OfflineImapError.ERROR.REPO)
    _report_for_exit_status(error, name)
    return error


def _report_for_exit_status(error, name):
    """Log ERROR through offlineimap's UI, once per account: offlineimap then
    exits 1 when the run ends (a REPO error alone leaves it at 0), and its
    other accounts still sync."""
    if name in _reported:
        return
    try:
        from offlineimap.ui import getglobalui

        ui = getglobalui()
        if ui is None:
            return
        ui.error(error)
    except Exception:  # an offlineimap without this UI API: the message still shows
        return
    _reported.add(name)


def _decode_mutf7(name):
    """IMAP modified UTF-7 (RFC 3501 5.1.3) to str; other text unchanged."""
    if "&" not in name or not name.isascii():
        return name
    import base64

    out, rest = [], name
    while "&" in rest:
        head, _, rest = rest.partition("&")
        chunk, dash, tail = rest.partition("-")
        if not dash:  # not modified UTF-7 after all
            return name
        out.append(head)
        if chunk:
            data = chunk.replace(",", "/")
            try:
                out.append(base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                return name
        else:
            out.append("&")
        rest = tail
    return "".join(out) + rest
'''


def render_pythonfile(command: "str | list | tuple" = DEFAULT_COMMAND,
                      config: "str | None" = None, previous: "str | None" = None) -> str:
    """The text of the pythonfile, calling ``command token NAME`` as fallback.

    ``command`` is one program (a string: absolute path, or a name looked up
    on PATH when the hook runs) or a whole command line (a list, e.g.
    ``[sys.executable, "-m", "offlineimap_oauth"]``).  ``config`` is the
    accounts file when it is not at its default place; ``previous`` the
    user's own pythonfile, run first.
    """
    if isinstance(command, (list, tuple)):
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ValueError("command must be a non-empty list of non-empty strings")
        command = list(command)
    elif not isinstance(command, str) or not command:
        raise ValueError("command must be a non-empty string or list")
    return _TEMPLATE.format(command=command, config=config, previous=previous,
                            timeout=TOKEN_TIMEOUT_S)


def previous_pythonfile(text: str) -> "str | None":
    """The PREVIOUS_PYTHONFILE a rendered pythonfile carries (None if none)."""
    import ast

    for line in text.splitlines():
        if line.startswith("PREVIOUS_PYTHONFILE = "):
            value = ast.literal_eval(line.split("=", 1)[1].strip())
            return value if isinstance(value, str) else None
    return None


__all__ = ["DEFAULT_COMMAND", "TOKEN_TIMEOUT_S", "previous_pythonfile", "render_pythonfile"]
