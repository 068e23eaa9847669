"""Finder: nnimap select methods, in any select-method variable.

``servers(found, entries)`` parses every nnimap method (the login comes from
``nnimap-user`` or the authinfo line of its name or address);
``find(found, entries)`` turns those at a Microsoft or Google host into
Sightings.  A Microsoft server that logs in with a password is exactly what
Microsoft no longer accepts, so it is a mailbox to convert.
"""

from __future__ import annotations

from offlineimap_oauth.convert.find.sighting import (MICROSOFT_IMAP, Sighting, host_provider,
                                                     text)
from offlineimap_oauth.convert.read.elisp import Int, List, Str, Symbol

IMAPS_PORT, IMAP_PORT = 993, 143
SERVICE_PORTS = {"imaps": 993, "imap": 143, "imap2": 143, "submission": 587, "smtp": 25,
                 "smtps": 465, "ssmtp": 465, "urd": 465}


class Server:
    def __init__(self, name, host, port, ssl, login, where):
        self.name, self.host, self.port, self.ssl, self.login, self.where = \
            name, host, port, ssl, login, where


def port(node, default):
    if node is None:
        return default
    if isinstance(node, Int):
        return node.value
    value = text(node)
    if value and value.isdigit():
        return int(value)
    return SERVICE_PORTS.get((value or "").lower())


def servers(found, entries, problems, notes=None) -> list:
    """nnimap select methods with the login authinfo (or nnimap-user) gives them."""
    out = []
    for method, source in found.select_methods:
        if not (isinstance(method, List) and method.head() == "nnimap" and len(method.items) >= 2):
            continue
        where = "%s:%d:%d" % (source, method.line, method.col)
        name_node = method.items[1]
        name = name_node.value if isinstance(name_node, (Str, Symbol)) else None
        options = {}
        for option in method.items[2:]:
            if isinstance(option, List) and option.head() and len(option.items) >= 2:
                options[option.head()] = option.items[1]
        host = text(options.get("nnimap-address")) or name
        stream = text(options.get("nnimap-stream")) or "undecided"
        ssl = stream in ("ssl", "tls")
        number = port(options.get("nnimap-server-port"), IMAPS_PORT if ssl else IMAP_PORT)
        if number is None:
            message = ("%s: nnimap %r: nnimap-server-port %s is not a port number or service "
                       "name" % (where, name, text(options.get("nnimap-server-port"))))
            (problems if host_provider(host) == "microsoft" or notes is None else notes
             ).append(message)
            continue
        if stream == "undecided" and number == IMAPS_PORT:
            ssl = True
        login = text(options.get("nnimap-user")) or authinfo_login(entries, name, host, number)
        out.append(Server(name, host, number, ssl, login, where))
    return out


def authinfo_login(entries, name, host, number):
    ports = {None, str(number), "imap", "imaps", "993", "143"}
    for entry in entries:
        if entry.machine in (name, host) and entry.port in ports:
            return entry.login
    for entry in entries:
        if entry.machine is None and entry.login:  # a `default` line
            return entry.login
    return None


def find(found, entries) -> list:
    """Sightings for nnimap servers at Microsoft (or Google) hosts."""
    out = []
    for server in servers(found, entries, [], []):
        provider = host_provider(server.host)
        if provider is None:
            continue
        out.append(Sighting("nnimap server", server.where, provider=provider,
                            user=server.login, imap_host=server.host.lower(),
                            imap_port=server.port, imap_ssl=server.ssl, nnimap=server.name,
                            identity_host=MICROSOFT_IMAP.get(server.host.lower())))
    return out
