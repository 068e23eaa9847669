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


class MailAccount:
    """One Microsoft or Google mailbox as the writers need it."""

    def __init__(self, **fields):
        self.provider = fields.pop("provider", "microsoft")  # or "google": no tenant
        self.name = fields.pop("name")
        self.user = fields.pop("user")
        self.client_id = fields.pop("client_id")
        self.client_secret = fields.pop("client_secret", None)
        self.tenant = fields.pop("tenant", None)
        # Google's endpoints, only when they are not Google's own (a proxy, a test stand-in).
        self.auth_uri = fields.pop("auth_uri", None)
        self.token_uri = fields.pop("token_uri", None)
        self.authority = fields.pop("authority", None)  # only outside the public cloud
        self.scopes = tuple(fields.pop("scopes", ()))
        self.redirect_uri = fields.pop("redirect_uri", None)
        self.imap_host = fields.pop("imap_host")
        self.imap_port = fields.pop("imap_port", IMAPS_PORT)
        self.imap_ssl = fields.pop("imap_ssl", True)
        self.smtp_host = fields.pop("smtp_host")
        self.smtp_port = fields.pop("smtp_port", SUBMISSION_PORT)
        self.smtp_starttls = fields.pop("smtp_starttls", True)
        self.smtp_user = fields.pop("smtp_user", None) or self.user
        self.client_secret_command = fields.pop("client_secret_command", None)
        self.nnimap = fields.pop("nnimap", None)  # the nnimap server it replaces
        self.where = fields.pop("where", "")
        if fields:
            raise TypeError("unknown fields %s" % sorted(fields))

    def __repr__(self):
        return "MailAccount(%r, user=%r, tenant=%r)" % (self.name, self.user, self.tenant)


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
        old = re.compile(r"nnimap(\\\+|\+)" + re.escape(account.nnimap) + ":")
        regexp = old.sub(lambda _match: "nnmaildir\\+" + account.name.replace("\\", "\\\\") + ":",
                         regexp)
    return regexp


def _sanitize(name) -> str:
    return NAME_CHARS.sub("_", name or "").lstrip("._@+-")
