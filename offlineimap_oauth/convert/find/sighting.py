"""What a finder saw: one mailbox or app registration, with its location.

Every finder module in this package returns :class:`Sighting` records;
``model.build`` ties them together by mail address.  Helpers here read the
values the finders share: Microsoft and Google hosts, OAuth plists.
"""

from __future__ import annotations

import re

from offlineimap_oauth.accounts import CLOUD_MAIL, MICROSOFT_HOSTS, PUBLIC_MAIL
from offlineimap_oauth.convert.find.settings import RunTime, constant
from offlineimap_oauth.convert.read.elisp import Int, List, Str, Symbol

# Microsoft's IMAP and SMTP hosts, per cloud: mail host -> identity host.
MICROSOFT_IMAP = {"outlook.office365.com": "login.microsoftonline.com",
                  "outlook.office.com": "login.microsoftonline.com",
                  "imap-mail.outlook.com": "login.microsoftonline.com",
                  "imap.outlook.com": "login.microsoftonline.com"}
MICROSOFT_SMTP = {"smtp.office365.com": "login.microsoftonline.com",
                  "smtp-mail.outlook.com": "login.microsoftonline.com",
                  "smtp.outlook.com": "login.microsoftonline.com"}
for _identity, (_imap, _smtp) in CLOUD_MAIL.items():
    MICROSOFT_IMAP.setdefault(_imap, _identity)
    MICROSOFT_SMTP.setdefault(_smtp, _identity)
GOOGLE_HOSTS = ("imap.gmail.com", "smtp.gmail.com", "accounts.google.com",
                "oauth2.googleapis.com", "www.googleapis.com")
ENDPOINT_RE = re.compile(r"^https://([^/\s?#]+)/([^/\s?#]+)/oauth2/(?:v2\.0/)?(authorize|token)",
                         re.I)
USER_KEYS = (":user", ":login", ":email", ":username", ":mail")


class Sighting:
    """A mailbox (``user``, hosts) and/or an app registration (``client_id``, tenant)."""

    def __init__(self, style, where, **fields):
        self.style, self.where = style, where
        self.provider = fields.pop("provider", None)  # "microsoft", "google" or None
        self.user = fields.pop("user", None)
        self.imap_host = fields.pop("imap_host", None)
        self.imap_port = fields.pop("imap_port", None)
        self.imap_ssl = fields.pop("imap_ssl", True)
        self.smtp_host = fields.pop("smtp_host", None)
        self.smtp_port = fields.pop("smtp_port", None)
        self.nnimap = fields.pop("nnimap", None)
        self.client_id = fields.pop("client_id", None)
        self.client_secret = fields.pop("client_secret", None)
        self.identity_host = fields.pop("identity_host", None)
        self.tenant = fields.pop("tenant", None)
        self.scopes = fields.pop("scopes", ())
        self.detail = fields.pop("detail", "")
        if fields:
            raise TypeError("unknown fields %s" % sorted(fields))

    def describe(self) -> str:
        parts = [self.style]
        if self.nnimap:
            parts.append("nnimap %r" % self.nnimap)
        if self.user:
            parts.append(self.user)
        host = self.imap_host or self.smtp_host
        if host:
            parts.append("at %s" % host)
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)

    def __repr__(self):
        return "Sighting(%s, %s)" % (self.describe(), self.where)


def host_provider(host) -> str | None:
    host = (host or "").lower()
    if host in MICROSOFT_IMAP or host in MICROSOFT_SMTP or host in MICROSOFT_HOSTS:
        return "microsoft"
    if host in GOOGLE_HOSTS or host.endswith(".google.com") or host.endswith(".googleapis.com"):
        return "google"
    return None


def text(node):
    """A string, symbol name or integer as text; None for anything else."""
    if isinstance(node, (Str, Symbol)):
        return node.value
    if isinstance(node, Int):
        return str(node.value)
    return None


def where(source, node) -> str:
    return "%s:%d:%d" % (source, node.line, node.col)


def plists_with(root, key: str, limit: int = 50) -> list:
    """Lists under ``root`` (a constant) that hold ``key`` at an even position."""
    out, todo, seen = [], [root], set()
    while todo and len(out) < limit:
        node = todo.pop()
        if id(node) in seen or not isinstance(node, List):
            continue
        seen.add(id(node))
        items = node.items
        start = 1 if node.head() in ("list", "quote", "`") else 0
        keys = [item.name for item in items[start::2] if isinstance(item, Symbol)]
        if key in keys:
            out.append(node)
        todo.extend(reversed([item for item in items if isinstance(item, List)]))
        if isinstance(node.tail, List):
            todo.append(node.tail)
    return out


def plist_values(node, source) -> dict:
    """key -> constant value node of a plist (``(list :k v ...)`` or quoted data)."""
    items = node.items[1:] if node.head() == "list" else node.items
    values = {}
    for index in range(0, len(items) - 1, 2):
        key = items[index]
        if isinstance(key, Symbol) and key.keyword:
            value = items[index + 1]
            values.setdefault(key.name, constant(value, source) if node.head() == "list"
                              else value)
    return values


def registration(style, node, source) -> Sighting:
    """A Sighting from an OAuth plist (``:client-id :client-secret :auth-url :token-url
    :scope``, and a mail address if there is one)."""
    values = plist_values(node, source)
    computed = sorted(key for key, value in values.items() if isinstance(value, RunTime))

    def get(key):
        value = values.get(key)
        return None if isinstance(value, RunTime) else text(value)

    identity = tenant = None
    provider = None
    for key in (":token-url", ":auth-url", ":token_url", ":auth_url"):
        url = get(key) or ""
        match = ENDPOINT_RE.match(url)
        if match and match.group(1).lower() in MICROSOFT_HOSTS:
            identity, tenant, provider = match.group(1).lower(), match.group(2), "microsoft"
            break
        host = re.match(r"https?://([^/]+)", url)
        if host and host_provider(host.group(1)) == "google":
            provider = "google"
    user = next((get(key) for key in USER_KEYS if get(key)), None)
    detail = "(computed: %s)" % ", ".join(computed) if computed else ""
    return Sighting(style, where(source, node), provider=provider, user=user,
                    client_id=get(":client-id") or get(":client_id"),
                    client_secret=get(":client-secret") or get(":client_secret"),
                    identity_host=identity, tenant=tenant,
                    scopes=tuple((get(":scope") or "").split()), detail=detail)


def default_hosts(identity_host) -> tuple:
    return CLOUD_MAIL.get(identity_host or "", PUBLIC_MAIL)
