"""Render offlineimaprc sections for converted accounts (after contrib/offlineimaprc).

Per account: ``[Account NAME]`` (utf8foldernames belongs here), a Maildir
``[Repository NAME-local]`` under ~/Mail/NAME with ``sep = .`` for nnmaildir,
and the IMAP ``[Repository NAME-remote]`` authenticating with XOAUTH2
through the pythonfile's ``access_token("NAME")``.  ``general_values`` gives
the ``[general]`` keys to set.  No secrets are written here.
"""

from __future__ import annotations

MAILDIR_ROOT = "~/Mail"
AUTOREFRESH_MIN = 5  # with offlineimap left running, sync every 5 minutes
QUICK_SYNCS = 5  # quick syncs (new mail, flags) between full ones

GENERAL_HEADER = """\
# offlineimap configuration; accounts written by offlineimap-oauth convert.
# Needs offlineimap 8.0.3 or newer (older ones ask for the token once and
# fail about an hour later).

"""


def render_account(account) -> list:
    """[(section name, text)] of one account's three sections."""
    name = account.name
    if account.imap_ssl:
        transport = "ssl = yes\nsslcacertfile = OS-DEFAULT\n"
    else:
        transport = "ssl = no\nstarttls = yes\nsslcacertfile = OS-DEFAULT\n"
    return [
        ("Account %s" % name,
         "[Account %s]\n"
         "localrepository = %s-local\n"
         "remoterepository = %s-remote\n"
         "# Japanese folder names arrive decoded (an [Account] setting).\n"
         "utf8foldernames = yes\n"
         "autorefresh = %d\n"
         "quick = %d\n" % (name, name, name, AUTOREFRESH_MIN, QUICK_SYNCS)),
        ("Repository %s-local" % name,
         "[Repository %s-local]\n"
         "type = Maildir\n"
         "localfolders = %s/%s\n"
         "# nnmaildir sees only top-level directories: Parent.Child, not Parent/Child.\n"
         "sep = .\n" % (name, MAILDIR_ROOT, name)),
        ("Repository %s-remote" % name,
         "[Repository %s-remote]\n"
         "type = IMAP\n"
         "remotehost = %s\n"
         "remoteport = %d\n"
         "%s"
         "remoteuser = %s\n"
         "# XOAUTH2 only: with other mechanisms a bad token falls back to a password prompt.\n"
         "auth_mechanisms = XOAUTH2\n"
         "oauth2_access_token_eval = access_token(\"%s\")\n"
         "# Drops Calendar, Contacts, Tasks, Notes... (English and Japanese names).\n"
         "folderfilter = lambda folder: mail_folder(folder)\n"
         "createfolders = False\n"
         % (name, account.imap_host, account.imap_port, transport, account.user, name)),
    ]


def sections(conversion) -> list:
    out = []
    for account in conversion.accounts:
        out.extend(render_account(account))
    return out


def general_values(existing_accounts: str | None, conversion, pythonfile: str) -> dict:
    """``[general]`` keys: accounts (existing ones kept, ours added) and pythonfile."""
    names = [name.strip() for name in (existing_accounts or "").split(",") if name.strip()]
    for account in conversion.accounts:
        if account.name not in names:
            names.append(account.name)
    return {"accounts": ", ".join(names), "pythonfile": pythonfile}
