"""Finder: sending through Microsoft's SMTP hosts.

smtpmail's variables (``smtpmail-smtp-server``, ``smtpmail-default-smtp-server``,
``smtpmail-smtp-user``, ``smtpmail-smtp-service``), and the
``"smtp HOST PORT USER"`` method strings that posting styles put in an
``X-Message-SMTP-Method`` header (message.el), wherever they are written.
"""

from __future__ import annotations

import re

from offlineimap_oauth.convert.find.sighting import (MICROSOFT_SMTP, Sighting, host_provider,
                                                     text, where)
from offlineimap_oauth.convert.find.settings import RunTime
from offlineimap_oauth.convert.read.elisp import List, Str, Vector

SERVER_VARS = ("smtpmail-smtp-server", "smtpmail-default-smtp-server")
METHOD_RE = re.compile(r"^\s*smtp\s+(\S+)\s+(\d+)(?:\s+(\S+))?\s*$")


def find(found, entries) -> list:
    out, user, service = [], None, None
    for assignment in found.assignments:
        value = assignment.value()
        if assignment.variable == "smtpmail-smtp-user":
            user = text(value)
        elif assignment.variable == "smtpmail-smtp-service":
            service = text(value)
    for assignment in found.assignments:
        if assignment.variable not in SERVER_VARS:
            continue
        value = assignment.value()
        host = None if isinstance(value, RunTime) else (text(value) or "").lower()
        if host_provider(host) is None:
            continue
        out.append(Sighting("smtpmail", assignment.where, provider=host_provider(host),
                            user=user, smtp_host=host,
                            smtp_port=int(service) if (service or "").isdigit() else None,
                            identity_host=MICROSOFT_SMTP.get(host)))
    for source, node in _strings(found):
        match = METHOD_RE.match(node.value)
        if match and host_provider(match.group(1)):
            host = match.group(1).lower()
            out.append(Sighting("X-Message-SMTP-Method", where(source, node),
                                provider=host_provider(host), user=match.group(3),
                                smtp_host=host, smtp_port=int(match.group(2)),
                                identity_host=MICROSOFT_SMTP.get(host)))
    return out


def _strings(found):
    """Every string literal in assigned values (posting styles and the like)."""
    for assignment in found.assignments:
        todo, seen = [assignment.expression], set()
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, Str) and "smtp" in node.value:
                yield assignment.source, node
            elif isinstance(node, (List, Vector)):
                todo.extend(node.items)
                if isinstance(node, List) and node.tail is not None:
                    todo.append(node.tail)
