"""Render offlineimaprc sections for converted accounts (after contrib/offlineimaprc).

Per account: ``[Account NAME]`` (utf8foldernames belongs here), a Maildir
``[Repository NAME-local]`` under ~/Mail/NAME with ``sep = .`` for nnmaildir,
and the IMAP ``[Repository NAME-remote]`` authenticating with XOAUTH2
through the pythonfile's ``access_token("NAME")`` (``type = Gmail`` for a
Google account, with a folder filter that keeps one copy of each message).  ``general_values`` gives
the ``[general]`` keys to set.  No secrets are written here.

Each section is data first (``entries``: the values offlineimap must read
back), then text through :func:`syntax.ini_value`: offlineimap's
ConfigParser interpolates ``%``, so it is doubled; nothing with a control
character is written.  Of the keys offlineimap evaluates as Python, only
``oauth2_access_token_eval`` (the account name as a Python literal) and
``folderfilter`` (fixed text) are written.
"""

from __future__ import annotations

from offlineimap_oauth.accounts import NAME_RE
from offlineimap_oauth.convert.render.syntax import ini_value, python_literal
from offlineimap_oauth.errors import ConfigError

MAILDIR_ROOT = "~/Mail"
AUTOREFRESH_MIN = 5  # with offlineimap left running, sync every 5 minutes
QUICK_SYNCS = 5  # quick syncs (new mail, flags) between full ones
# Keys offlineimap 8.0.3 hands to eval() (repository/Base.py, IMAP.py, mbnames.py).
EVALUATED_KEYS = frozenset({
    "nametrans", "folderfilter", "folderincludes", "foldersort", "newmail_hook",
    "copy_ignore_eval", "remotehosteval", "remoteusereval", "remoteporteval",
    "remotepasseval", "oauth2_access_token_eval", "oauth2_refresh_token_eval",
    "oauth2_client_id_eval", "oauth2_client_secret_eval", "idlefolders", "sort_keyfunc",
    "header", "sep", "footer",
})
FOLDERFILTER = "lambda folder: mail_folder(folder)"
# Gmail shows each message once per label: these folders only repeat messages
# kept under INBOX, [Gmail]/Sent Mail or a label, so syncing them would store
# every message two or three times.  English and Japanese names; "[Google Mail]"
# is the prefix in the UK and Germany.  ASCII in the file (\u escapes).
GMAIL_REPEATS = ("All Mail", "Important", "Starred",
                 "\u3059\u3079\u3066\u306e\u30e1\u30fc\u30eb",  # すべてのメール
                 "\u91cd\u8981",  # 重要
                 "\u30b9\u30bf\u30fc\u4ed8\u304d")  # スター付き
GMAIL_FOLDERFILTER = "lambda folder: folder not in (%s)" % ", ".join(
    '"%s/%s"' % (prefix, name.encode("ascii", "backslashreplace").decode("ascii"))
    for prefix in ("[Gmail]", "[Google Mail]") for name in GMAIL_REPEATS)

# The pythonfile's path comes from --output-dir (or HOME, XDG_CONFIG_HOME), not Emacs.
PATH_HINT = "Use --output-dir with a path without control characters; nothing was written."

GENERAL_HEADER = """\
# offlineimap configuration; accounts written by offlineimap-oauth convert.
# Needs offlineimap 8.0.3 or newer (older ones ask for the token once and
# fail about an hour later).

"""


def entries(account) -> list:
    """[(section name, [(key, value) or ("#", comment)])]: what offlineimap must read back."""
    name = account.name
    if not NAME_RE.fullmatch(name):
        raise ConfigError("Refusing to write [Account %s]: not an account name." % name,
                          hint="Account names use letters, digits and . _ @ + -.")
    if account.imap_ssl:
        transport = [("ssl", "yes"), ("sslcacertfile", "OS-DEFAULT")]
    else:
        transport = [("ssl", "no"), ("starttls", "yes"), ("sslcacertfile", "OS-DEFAULT")]
    google = getattr(account, "provider", "microsoft") == "google"
    remote = [("type", "Gmail" if google else "IMAP"),
              ("remotehost", account.imap_host),
              ("remoteport", str(account.imap_port))] + transport + [
        ("remoteuser", account.user),
        ("#", "XOAUTH2 only: with other mechanisms a bad token falls back to a password "
              "prompt."),
        ("auth_mechanisms", "XOAUTH2"),
        ("oauth2_access_token_eval", "access_token(%s)" % python_literal(name))]
    if google:
        remote += [("#", "Skips All Mail, Important, Starred (and their Japanese names): they "
                         "repeat messages kept under INBOX, Sent Mail and labels."),
                   ("folderfilter", GMAIL_FOLDERFILTER)]
    else:
        remote += [("#", "Drops Calendar, Contacts, Tasks, Notes... (English and Japanese "
                         "names)."),
                   ("folderfilter", FOLDERFILTER)]
    remote.append(("createfolders", "False"))
    return [
        ("Account %s" % name, [
            ("localrepository", "%s-local" % name),
            ("remoterepository", "%s-remote" % name),
            ("#", "Japanese folder names arrive decoded (an [Account] setting)."),
            ("utf8foldernames", "yes"),
            ("autorefresh", str(AUTOREFRESH_MIN)),
            ("quick", str(QUICK_SYNCS))]),
        ("Repository %s-local" % name, [
            ("type", "Maildir"),
            ("localfolders", "%s/%s" % (MAILDIR_ROOT, name)),
            ("#", "nnmaildir sees only top-level directories: Parent.Child, not Parent/Child."),
            ("sep", ".")]),
        ("Repository %s-remote" % name, remote),
    ]


def section_text(header: str, items: list) -> str:
    lines = ["[%s]" % header]
    for key, value in items:
        if key == "#":
            lines.append("# %s" % value)
        else:
            lines.append("%s = %s" % (key, ini_value(value, "%s in [%s]" % (key, header))))
    return "\n".join(lines) + "\n"


def render_account(account) -> list:
    """[(section name, text)] of one account's three sections."""
    return [(header, section_text(header, items)) for header, items in entries(account)]


def sections(conversion) -> list:
    out = []
    for account in conversion.accounts:
        out.extend(render_account(account))
    return out


def general_values(existing_accounts: str | None, conversion, pythonfile: str) -> dict:
    """``[general]`` keys as written: accounts (existing ones kept, ours added), pythonfile.

    ``existing_accounts`` is the raw text from the file (kept as it is);
    offlineimap expands ``~`` and ``$VARS`` in the pythonfile path, so a
    path with ``$`` is refused.
    """
    names = [name.strip() for name in (existing_accounts or "").split(",") if name.strip()]
    for account in conversion.accounts:
        if account.name not in names:
            names.append(ini_value(account.name, "accounts in [general]"))
    if "$" in pythonfile:
        raise ConfigError("Refusing to name the pythonfile %s in offlineimaprc: offlineimap "
                          "would expand the $ in it." % pythonfile,
                          hint="Use --output-dir with a path without $.")
    return {"accounts": ", ".join(names),
            "pythonfile": ini_value(pythonfile, "pythonfile in [general]", hint=PATH_HINT)}
