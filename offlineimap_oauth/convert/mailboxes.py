"""Microsoft and Gmail mailboxes found in setup styles other than gnusimapoauth2-accounts.

``convert(found, entries, completion, conversion, names, problems)`` runs
every finder in ``convert/find/``, ties what they saw together by mail
address, and adds a MailAccount for each mailbox whose app registration
(client id and tenant) is known: written in the user's own files, or given
with ``convert --client-id``.  A Gmail mailbox (an nnimap server at
imap.gmail.com with an app password, say) is converted only with a Google
client id given that way.  Each other mailbox becomes a Skipped entry
that says what is there and what is missing.  A client id is never guessed,
and never taken from another mailbox's settings.
"""

from __future__ import annotations

from offlineimap_oauth import accounts as accounts_file
from offlineimap_oauth.accounts import PERSONAL_DOMAINS
from offlineimap_oauth.convert.find import (auth_source_xoauth2, authinfo_xoauth2, nnimap,
                                            oauth_plist, smtp)
from offlineimap_oauth.convert.find.sighting import default_hosts

FINDERS = (nnimap, smtp, authinfo_xoauth2, auth_source_xoauth2, oauth_plist)
COMPLETE_HINT = ("give its app registration: offlineimap-oauth convert --client-id ID "
                 "[--tenant T] [--client-secret-command CMD] (README: 'Moving over from Gnus')")
GMAIL_REASON = ("Gmail is not converted: no app registration for it was found (convert makes "
                "Google accounts from gnusimapoauth2-accounts entries); give a Google Desktop "
                "app client: offlineimap-oauth convert --client-id NNN-xxx.apps."
                "googleusercontent.com --client-secret-command CMD, or keep your current setup "
                "for it, or add an [account NAME] with provider = google to accounts.conf "
                "(README: 'accounts.conf')")
GMAIL_NO_USER = ("Gmail mailbox seen, but not the address it logs in with; add nnimap-user, or "
                 "an authinfo line with login, and run convert again")
APP_PASSWORD_NOTE = ("%s: %s now logs in with OAuth2 (offlineimap-oauth login %s); a Google app "
                     "password your files hold for it is no longer used: revoke it at "
                     "https://myaccount.google.com/apppasswords once mail flows")


def convert(found, entries, completion, conversion, names, problems) -> None:
    sightings = [s for finder in FINDERS for s in finder.find(found, entries)]
    sightings += found.sightings  # msmtprc files given as input (find/msmtp.py)
    done = {account.user.lower() for account in conversion.accounts}
    if completion is not None and completion.provider == "google":
        google, completion = completion, None  # for Gmail mailboxes only
    else:
        google = None
    _gmail(sightings, google, conversion, done, names, problems)
    microsoft = [s for s in sightings if s.provider == "microsoft"]
    # auth-source-xoauth2's creds serve every xoauth2 login of the user: a shared registration.
    shared = [s for s in microsoft if s.client_id and not s.user
              and s.style == auth_source_xoauth2.STYLE]
    for s in microsoft:
        if s.client_id and not s.user and s not in shared:
            conversion.notes.append("%s: %s names an app registration (client id %s) but no "
                                    "mail address; it is used only through --client-id"
                                    % (s.where, s.style, s.client_id))
    groups = {}
    for s in microsoft:
        if s.client_id and not s.user:
            continue
        key = s.user.lower() if s.user else s.where
        groups.setdefault(key, []).append(s)
    for key, group in groups.items():
        if key in done:
            continue
        account = _account(group, shared, completion, conversion)
        if account is not None:
            _add(account, conversion, names, problems)


def _gmail(sightings, completion, conversion, done, names, problems) -> None:
    """Gmail mailboxes: Google accounts with the --client-id completion, else skipped."""
    seen = {skipped.label.lower() for skipped in conversion.skipped}
    groups = {}
    for s in sightings:
        if s.provider != "google":
            continue
        label = s.user or s.describe()
        if label.lower() in done:
            continue
        if completion is not None and s.user:
            groups.setdefault(s.user.lower(), []).append(s)
        elif label.lower() not in seen:
            seen.add(label.lower())
            conversion.skipped.append(_skipped(
                label, GMAIL_REASON if completion is None else GMAIL_NO_USER, s.where))
    for group in groups.values():
        account = _google_account(group, completion, conversion)
        _add(account, conversion, names, problems)
        conversion.notes.append(APP_PASSWORD_NOTE % (account.where, account.user, account.name))


def _google_account(group, completion, conversion):
    from offlineimap_oauth.convert.model import MailAccount
    from offlineimap_oauth.providers.google import settings as google

    user = group[0].user
    where = ", ".join(s.where for s in group)
    imap = next((s for s in group if s.imap_host), None)
    sender = next((s for s in group if s.smtp_host), None)
    if imap is None or sender is None:
        conversion.notes.append("%s: %s: no %s seen; using %s" % (
            where, user, "IMAP server" if imap is None else "SMTP server",
            google.IMAP_HOST if imap is None else google.SMTP_HOST))
    return MailAccount(
        provider="google", name=_name(user, imap.nnimap if imap else None), user=user,
        client_id=completion.client_id, client_secret_command=completion.client_secret_command,
        imap_host=imap.imap_host if imap else google.IMAP_HOST,
        imap_port=imap.imap_port or google.IMAP_PORT if imap else google.IMAP_PORT,
        imap_ssl=imap.imap_ssl if imap else True,
        smtp_host=sender.smtp_host if sender else google.SMTP_HOST,
        smtp_port=sender.smtp_port or google.SMTP_PORT if sender else google.SMTP_PORT,
        smtp_starttls=(sender.smtp_port or google.SMTP_PORT) != 465 if sender else True,
        nnimap=imap.nnimap if imap else None, where=group[0].where)


def _add(account, conversion, names, problems) -> None:
    """Add ``account`` under a name no other account has."""
    if account.name in names:
        account.name = _name(account.user, None)
    if account.name in names:
        problems.append("%s: two accounts would both be named %r" % (account.where,
                                                                      account.name))
    names.add(account.name)
    conversion.accounts.append(account)


def _skipped(label, reason, where):
    from offlineimap_oauth.convert.model import Skipped

    return Skipped(label, reason, where)


def _account(group, shared, completion, conversion):
    from offlineimap_oauth.convert.model import MailAccount

    user = next((s.user for s in group if s.user), None)
    own = next((s for s in group if s.client_id), None)
    registration, secret_command = own, None
    where = ", ".join(s.where for s in group)
    what = "; ".join("%s (%s)" % (s.describe(), s.where) for s in group)
    if registration is None and len(shared) == 1:
        registration = shared[0]
        conversion.notes.append("%s: %s uses the app registration of %s at %s"
                                % (group[0].where, user or "this mailbox", shared[0].style,
                                   shared[0].where))
    client_id = registration.client_id if registration else None
    tenant = registration.tenant if registration else None
    if registration is None and completion is not None:
        client_id, tenant = completion.client_id, completion.tenant
        secret_command = completion.client_secret_command
    elif completion is not None and tenant is None:
        tenant = completion.tenant
    missing = []
    if not user:
        missing.append("the mail address it logs in with (add nnimap-user, or an authinfo line "
                       "with login)")
    if not client_id:
        missing.append("an app registration (client id)")
    elif not accounts_file.GUID_RE.match(client_id):
        missing.append("a client id that is a GUID (found %r)" % client_id)
    if missing:
        conversion.skipped.append(_skipped(
            user or group[0].describe(),
            "Microsoft mailbox seen: %s; missing: %s; %s" % (what, " and ".join(missing),
                                                              COMPLETE_HINT
                                                              if not client_id else
                                                              "fix it in your files"), where))
        return None
    if not tenant:
        tenant = "consumers" if PERSONAL_DOMAINS.search(user) else "organizations"
        conversion.notes.append("%s: no tenant is written for %s; using %s (give --tenant to "
                                "choose)" % (where, user, tenant))
    identity = next((s.identity_host for s in [registration] + group if s and s.identity_host),
                    "login.microsoftonline.com")
    imap = next((s for s in group if s.imap_host), None)
    sender = next((s for s in group if s.smtp_host), None)
    imap_host, smtp_host = default_hosts(identity)
    if imap is None or sender is None:
        conversion.notes.append("%s: %s: no %s seen; using %s" % (
            where, user, "IMAP server" if imap is None else "SMTP server",
            imap_host if imap is None else smtp_host))
    nnimap_name = imap.nnimap if imap else None
    return MailAccount(
        name=_name(user, nnimap_name), user=user, client_id=client_id,
        client_secret=registration.client_secret if registration else None,
        client_secret_command=secret_command, tenant=tenant,
        authority=None if identity == "login.microsoftonline.com"
        else "https://%s/%s" % (identity, tenant),
        scopes=[s for s in (registration.scopes if registration else ())
                if s.lower() not in accounts_file.RESERVED_SCOPES],
        imap_host=imap.imap_host if imap else imap_host,
        imap_port=imap.imap_port or 993 if imap else 993,
        imap_ssl=imap.imap_ssl if imap else True,
        smtp_host=sender.smtp_host if sender else smtp_host,
        smtp_port=sender.smtp_port or 587 if sender else 587,
        smtp_starttls=(sender.smtp_port or 587) != 465 if sender else True,
        nnimap=nnimap_name, where=group[0].where)


def _name(user, nnimap_name) -> str:
    from offlineimap_oauth.convert.model import _sanitize

    return _sanitize(nnimap_name) or _sanitize(user.split("@")[0])
