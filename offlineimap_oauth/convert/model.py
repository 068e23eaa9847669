"""The neutral per-account model convert builds from what the finders saw.

``build(found, authinfo_entries, completion)`` returns a :class:`Conversion`: the
Microsoft and Google accounts to convert (:class:`MailAccount`), the accounts left alone
with the reason (:class:`Skipped`), notes for the user, and the adapted
``gnus-permanently-visible-groups``.  Every problem (a missing key, URLs
that disagree, a value computed at run time) is collected and raised at once
as one ConfigError naming the account and key, or file:line:col.  The
gnusimapoauth2 plists are read by ``find/gnusimapoauth2.py``; every other
setup style by ``mailboxes.py`` through the finders in ``find/``.
"""

from __future__ import annotations

import re

from offlineimap_oauth.accounts import PUBLIC_MAIL
from offlineimap_oauth.convert import mailboxes
from offlineimap_oauth.convert.find import gnusimapoauth2, nnimap, settings as gnus
from offlineimap_oauth.convert.read.elisp import Str
from offlineimap_oauth.errors import ConfigError

IMAPS_PORT, IMAP_PORT, SUBMISSION_PORT, SMTPS_PORT = 993, 143, 587, 465
NAME_CHARS = re.compile(r"[^A-Za-z0-9._@+-]")
EMACS_SPECIAL = re.compile(r"[\[*.\\?+^$]")  # what Emacs' regexp-quote quotes


class MailAccount:
    """One Microsoft or Google mailbox as the writers need it."""

    def __init__(self, *, name, user, client_id, imap_host, smtp_host, provider="microsoft",
                 client_secret=None, tenant=None, authority=None, scopes=(), redirect_uri=None,
                 imap_port=IMAPS_PORT, imap_ssl=True, smtp_port=SUBMISSION_PORT,
                 smtp_starttls=True, smtp_user=None, client_secret_command=None, nnimap=None,
                 where=""):
        self.provider = provider  # or "google": no tenant, Google's own endpoints
        self.name, self.user, self.client_id = name, user, client_id
        self.client_secret = client_secret
        self.tenant = tenant
        self.authority = authority  # only outside the public cloud
        self.scopes = tuple(scopes)
        self.redirect_uri = redirect_uri
        self.imap_host, self.imap_port, self.imap_ssl = imap_host, imap_port, imap_ssl
        self.smtp_host, self.smtp_port = smtp_host, smtp_port
        self.smtp_starttls = smtp_starttls
        self.smtp_user = smtp_user or user
        self.client_secret_command = client_secret_command
        self.nnimap = nnimap  # the nnimap server it replaces
        self.where = where


class Skipped:
    """An account convert leaves alone, and why."""

    def __init__(self, label: str, reason: str, where: str):
        self.label, self.reason, self.where = label, reason, where


class Conversion:
    def __init__(self):
        self.accounts, self.skipped, self.notes = [], [], []
        self.visible_groups = None  # the adapted regexp, or None


class Completion:
    """``convert --client-id ID [--tenant T] [--client-secret-command CMD]``: the app
    registration for mailboxes found without one: Microsoft ones, or with a Google
    client id (``provider = "google"``) Gmail ones."""

    def __init__(self, client_id, tenant=None, client_secret_command=None,
                 provider="microsoft"):
        self.client_id, self.tenant = client_id, tenant
        self.client_secret_command = client_secret_command
        self.provider = provider


def build(found: "gnus.Found", entries: list, completion: Completion | None = None) -> Conversion:
    """The conversion, or one ConfigError listing every problem."""
    conversion, problems = Conversion(), []
    conversion.notes.extend(found.notes)
    for variable, runtime in found.runtime:
        if variable == gnus.VISIBLE_VAR:
            conversion.notes.append("%s: %s is computed (%s); not adapted"
                                    % (runtime.where(), variable, runtime.reason))
        elif variable == gnus.ACCOUNTS_VAR:
            problems.append("%s: %s: %s; write the value out literally"
                            % (runtime.where(), variable, runtime.reason))
        else:
            conversion.notes.append(
                "%s: %s is computed (%s), so its servers are unknown; convert uses the "
                "default Microsoft hosts (%s:993, %s:587)"
                % (runtime.where(), variable, runtime.reason, PUBLIC_MAIL[0], PUBLIC_MAIL[1]))
    servers = nnimap.servers(found, entries, problems, conversion.notes)
    for method, source in found.select_methods:
        for part in gnus.runtime_parts(method):
            conversion.notes.append(
                "%s: part of a select method is computed (%s); convert uses the default "
                "Microsoft hosts where it needs them" % (part.where(), part.reason))
    names = set()
    for node, source in found.accounts:
        if isinstance(node, gnus.RunTime):
            problems.append("%s: an element of %s is computed (%s); write the value out "
                            "literally" % (node.where(), gnus.ACCOUNTS_VAR, node.reason))
            continue
        account = gnusimapoauth2.account(node, source, servers, conversion, problems)
        if account is None:
            continue
        if account.name in names:
            account.name = _sanitize(account.user)
        if account.name in names:
            problems.append("%s: two accounts would both be named %r" % (account.where, account.name))
        names.add(account.name)
        conversion.accounts.append(account)
    mailboxes.convert(found, entries, completion, conversion, names, problems)
    if not conversion.accounts and not problems:
        problems.append("no Microsoft mailbox can be converted: no %s setting was found%s"
                        % (gnus.ACCOUNTS_VAR, ", and nothing else that was seen has an app "
                           "registration" if conversion.skipped else ""))
        problems.extend("seen, not converted: %s (%s): %s" % (s.label, s.where, s.reason)
                        for s in conversion.skipped)
        problems.extend("note: %s" % note for note in conversion.notes)
    conversion.visible_groups = _visible(found, conversion)
    if problems:
        raise ConfigError("Cannot convert: %d problem(s)." % len(problems), problems=problems,
                          hint="Fix them in your Emacs files and run convert again; "
                               "nothing was written.")
    return conversion


def _visible(found, conversion):
    """The user's visible-groups regexp with nnimap+NAME: turned into nnmaildir+NAME:."""
    if found.visible_groups is None:
        return None
    node, _source = found.visible_groups
    if not isinstance(node, Str):
        return None
    regexp = node.value
    for account in conversion.accounts:
        if account.nnimap is None:
            continue
        old = re.compile(r"nnimap(\\\+|\+)" + _written(account.nnimap) + ":")
        new = "nnmaildir\\+" + EMACS_SPECIAL.sub(r"\\\g<0>", account.name) + ":"
        regexp = old.sub(lambda _match, new=new: new, regexp)
    return regexp


def _written(name) -> str:
    """A pattern for ``name`` as a regexp may hold it: its special characters quoted or not."""
    return "".join(("\\\\?" if EMACS_SPECIAL.fullmatch(char) else "") + re.escape(char)
                   for char in name)


def _sanitize(name) -> str:
    return NAME_CHARS.sub("_", name or "").lstrip("._@+-")
