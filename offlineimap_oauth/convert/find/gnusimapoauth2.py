"""Finder: the ``gnusimapoauth2-accounts`` plists (the seed's own setup).

Each element is one complete account (mail address, app registration,
endpoints, SMTP server): Microsoft's endpoints make a Microsoft account,
Google's (accounts.google.com, oauth2.googleapis.com, the older
www.googleapis.com/oauth2/v3|v4/token) a ``provider = google`` one; ``model`` reads them with ``accounts(found)``
and checks every key (``account(...)``).
"""

from __future__ import annotations

import re

from offlineimap_oauth import accounts as accounts_file
from offlineimap_oauth.accounts import CLOUD_MAIL, PUBLIC_MAIL
from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import nnimap, settings as gnus
from offlineimap_oauth.convert.find.settings import ACCOUNTS_VAR
from offlineimap_oauth.convert.read.elisp import Int, Str, Symbol

ENDPOINT_RE = re.compile(r"^https://([^/\s?#]+)/([^/\s?#]+)/oauth2/(?:v2\.0/)?(authorize|token)/?"
                         r"(?:\?.*)?$", re.I)
# Google's authorize and token endpoints, today's and older ones (all Google's own:
# accounts.conf gets Google's defaults, not these).
GOOGLE_ENDPOINT_RE = re.compile(
    r"^https://(accounts\.google\.com/o/oauth2/(v2/)?(auth|token)|oauth2\.googleapis\.com/token"
    r"|www\.googleapis\.com/oauth2/v[34]/token)/?(\?.*)?$", re.I)
KNOWN_KEYS = {":user", ":smtp-server", ":smtp-port", ":smtp-user", ":smtp-password",
              ":smtp-auth-supported", ":smtp-stream-type", ":oauth2-client-id",
              ":oauth2-client-secret", ":oauth2-scope", ":oauth2-auth-url", ":oauth2-token-url",
              ":oauth2-redirect-url"}
REPORTED = object()  # a computed plist value already reported
VARIABLE = ACCOUNTS_VAR


def accounts(found) -> list:
    """[(element node, source)] of the accounts list, in load order."""
    return found.accounts


def account(node, source, servers, conversion, problems):
    values, plist_problems = gnus.plist(node, source)
    problems.extend(plist_problems)
    if values is None:
        return None
    start = len(problems)
    where = "%s:%d:%d" % (source, node.line, node.col)
    user = _string(values, ":user", where, problems, required=True)
    label = "account %s (%s)" % (user or "?", where)
    for key in sorted(values):  # every computed value is reported, each with its place
        if key != ":user" and isinstance(values[key], gnus.RunTime):
            problems.append("%s: %s is %s (at %s); write the value out literally"
                            % (label, key, values[key].reason, values[key].where()))
            values[key] = REPORTED

    def get(key, required=False):
        return _string(values, key, label, problems, required)

    auth, token = get(":oauth2-auth-url"), get(":oauth2-token-url")
    if REPORTED in (values.get(":oauth2-auth-url"), values.get(":oauth2-token-url")):
        endpoint = None
    elif _google(auth, token):
        return _google_account(values, user, where, label, get, servers, conversion, problems,
                               start)
    else:
        endpoint = _endpoint(auth, token, label, problems)
    if endpoint == "skip":
        host = (ENDPOINT_RE.match(auth or token or "") or re.match(r"https?://([^/]+)", auth or token or ""))
        conversion.skipped.append(model.Skipped(
            user or where, "its OAuth2 endpoints (%s) are not Microsoft's; convert serves only "
            "Microsoft accounts, so keep your current setup for it"
            % (host.group(1) if host else auth or token), where))
        return None
    client_id = get(":oauth2-client-id", required=True)
    if client_id and not accounts_file.GUID_RE.match(client_id):
        problems.append("%s: :oauth2-client-id %r is not a GUID; copy 'Application (client) ID' "
                        "from the app's Overview page" % (label, client_id))
    if user and "@" not in user:
        problems.append("%s: :user %r is not a mail address; XOAUTH2 logs in with the full "
                        "address" % (label, user))
    for key in sorted(set(values) - KNOWN_KEYS):
        conversion.notes.append("%s: %s is not used by convert" % (label, key))
    smtp = _smtp(values, label, problems)
    if endpoint not in (None, "skip") and not smtp["smtp_host"]:
        smtp["smtp_host"] = CLOUD_MAIL.get(endpoint[0], PUBLIC_MAIL)[1]
        conversion.notes.append("%s: no :smtp-server; using %s" % (label, smtp["smtp_host"]))
    scopes = [s for s in (get(":oauth2-scope") or "").split()
              if s.lower() not in accounts_file.RESERVED_SCOPES]
    if len(problems) > start or endpoint is None:
        return None
    host, tenant = endpoint
    imap = _imap(user, host, servers, label, conversion)
    if not scopes:
        conversion.notes.append("%s: no :oauth2-scope; the default IMAP, POP and SMTP scopes "
                                "are used" % label)
    return model.MailAccount(
        name=imap.pop("name"), user=user, client_id=client_id,
        client_secret=get(":oauth2-client-secret") or None, tenant=tenant,
        authority=None if host == "login.microsoftonline.com" else "https://%s/%s" % (host, tenant),
        scopes=scopes, redirect_uri=get(":oauth2-redirect-url") or None,
        smtp_user=get(":smtp-user"), where=where, **imap, **smtp)


def _google(auth, token) -> bool:
    """True when every given URL is one of Google's OAuth endpoints."""
    given = [url for url in (auth, token) if url]
    return bool(given) and all(GOOGLE_ENDPOINT_RE.match(url) for url in given)


def _google_account(values, user, where, label, get, servers, conversion, problems, start):
    """A Gmail / Google Workspace entry: a ``provider = google`` account."""
    from offlineimap_oauth.providers.google import settings as google

    client_id = get(":oauth2-client-id", required=True)
    if client_id and not google.CLIENT_ID_RE.match(client_id.lower()):
        problems.append("%s: :oauth2-client-id %r is not a Google client ID "
                        "(NNN-xxx.apps.googleusercontent.com)" % (label, client_id))
    secret = get(":oauth2-client-secret")
    if not secret and not problems[start:]:
        problems.append("%s: :oauth2-client-secret is missing; a Google Desktop app client has "
                        "one: copy it from %s" % (label, google.CREDENTIALS_PAGE))
    if user and "@" not in user:
        problems.append("%s: :user %r is not a mail address; XOAUTH2 logs in with the full "
                        "address" % (label, user))
    for key in sorted(set(values) - KNOWN_KEYS):
        conversion.notes.append("%s: %s is not used by convert" % (label, key))
    scopes = [s for s in (get(":oauth2-scope") or "").split() if s]
    if scopes and google.MAIL_SCOPE not in scopes:
        problems.append("%s: :oauth2-scope %r lacks %s, the only scope Gmail's IMAP and SMTP "
                        "accept" % (label, " ".join(scopes), google.MAIL_SCOPE))
    redirect = get(":oauth2-redirect-url")
    if redirect:
        conversion.notes.append(
            "%s: :oauth2-redirect-url %s is dropped: %s" % (label, redirect, (
                "Google blocked the out-of-band redirect in 2022; login now uses a loopback "
                "address on 127.0.0.1 (or --flow paste over SSH)"
                if redirect.strip() == google.OOB_REDIRECT else
                "login picks a loopback address on 127.0.0.1 itself")))
    smtp = _smtp(values, label, problems)
    if len(problems) > start:
        return None
    if not smtp["smtp_host"]:
        smtp.update(smtp_host=google.SMTP_HOST, smtp_port=google.SMTP_PORT, smtp_starttls=True)
        conversion.notes.append("%s: no :smtp-server; using %s" % (label, google.SMTP_HOST))
    imap = _imap(user, None, servers, label, conversion, google.IMAP_HOST)
    return model.MailAccount(
        provider="google", name=imap.pop("name"), user=user, client_id=client_id,
        client_secret=secret, scopes=[] if scopes == [google.MAIL_SCOPE] else scopes,
        smtp_user=get(":smtp-user"), where=where, **imap, **smtp)


def _endpoint(auth, token, label, problems):
    """(host, tenant) from the URLs; "skip" for non-Microsoft; None after a problem."""
    if not auth and not token:
        problems.append("%s: :oauth2-auth-url and :oauth2-token-url are missing; they name "
                        "the tenant (https://login.microsoftonline.com/TENANT/oauth2/v2.0/"
                        "authorize)" % label)
        return None
    parsed = {}
    for key, url in ((":oauth2-auth-url", auth), (":oauth2-token-url", token)):
        match = ENDPOINT_RE.match(url or "")
        microsoft = bool(match) and match.group(1).lower() in accounts_file.MICROSOFT_HOSTS
        parsed[key] = (match.group(1).lower(), match.group(2)) if microsoft else None
    if url_hosts_foreign(auth, token, parsed):
        return "skip"
    auth_end, token_end = parsed[":oauth2-auth-url"], parsed[":oauth2-token-url"]
    if auth and token and (auth_end is None or token_end is None
                           or auth_end[0] != token_end[0]
                           or auth_end[1].lower() != token_end[1].lower()):
        problems.append("%s: :oauth2-auth-url %s and :oauth2-token-url %s disagree (host or "
                        "tenant); both must be https://HOST/TENANT/oauth2/v2.0/... with the "
                        "same HOST and TENANT" % (label, auth, token))
        return None
    host, tenant = auth_end or token_end
    if not accounts_file._valid_tenant(tenant):
        problems.append("%s: %r in the OAuth2 URLs is not a tenant (consumers, organizations, "
                        "common, a GUID or a domain)" % (label, tenant))
        return None
    return host, tenant


def url_hosts_foreign(auth, token, parsed) -> bool:
    """True when no given URL is a Microsoft endpoint (Gmail and the like)."""
    given = [key for key, url in ((":oauth2-auth-url", auth), (":oauth2-token-url", token)) if url]
    return all(parsed[key] is None and "microsoft" not in (url or "").lower()
               for key, url in ((":oauth2-auth-url", auth), (":oauth2-token-url", token))
               if key in given)


def _smtp(values, label, problems) -> dict:
    values = {key: (None if value is REPORTED else value) for key, value in values.items()}
    for key in (":smtp-stream-type", ":smtp-port", ":smtp-server"):
        if isinstance(values.get(key), gnus.RunTime):
            problems.append("%s: %s is %s (at %s); write the value out literally"
                            % (label, key, values[key].reason, values[key].where()))
            values = dict(values, **{key: None})
    stream = _text(values.get(":smtp-stream-type")) or "starttls"
    starttls = stream not in ("ssl", "tls")
    if stream in ("plain", "network"):
        problems.append("%s: :smtp-stream-type %s would send the token unencrypted; use starttls"
                        % (label, stream))
    port = nnimap.port(values.get(":smtp-port"), model.SUBMISSION_PORT if starttls else model.SMTPS_PORT)
    if port is None:
        problems.append("%s: :smtp-port %s is not a port" % (label, _text(values.get(":smtp-port"))))
    return dict(smtp_host=_text(values.get(":smtp-server")), smtp_port=port, smtp_starttls=starttls)


def _imap(user, host, servers, label, conversion, default_imap=None) -> dict:
    default_imap = default_imap or CLOUD_MAIL.get(host, PUBLIC_MAIL)[0]
    tied = [server for server in servers if server.login and user
            and server.login.lower() == user.lower()]
    if tied:
        server = tied[0]
        name = model._sanitize(server.name) or model._sanitize(user.split("@")[0])
        return dict(name=name, imap_host=server.host, imap_port=server.port, imap_ssl=server.ssl,
                    nnimap=server.name)
    conversion.notes.append("%s: no nnimap server whose authinfo login is %s; using %s:%d"
                            % (label, user, default_imap, model.IMAPS_PORT))
    return dict(name=model._sanitize(user.split("@")[0]), imap_host=default_imap)


def _string(values, key, label, problems, required=False):
    node = values.get(key)
    if node is REPORTED:
        return None
    if node is None:
        if required:
            problems.append("%s: %s is missing" % (label, key))
        return None
    if isinstance(node, gnus.RunTime):
        problems.append("%s: %s is %s (at %s); write the value out literally"
                        % (label, key, node.reason, node.where()))
        return None
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Symbol) and node.name == "nil":
        if required:
            problems.append("%s: %s is nil" % (label, key))
        return None
    problems.append("%s: %s should be a string, found %s at line %d, column %d"
                    % (label, key, type(node).__name__.lower(), node.line, node.col))
    return None


def _text(node):
    if isinstance(node, (Str, Symbol)):
        return node.value
    if isinstance(node, Int):
        return str(node.value)
    return None
