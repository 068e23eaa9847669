"""Finder: ``auth-source-xoauth2-creds``, the credentials of the
auth-source-xoauth2 package: a plist (``:token-url :client-id
:client-secret :refresh-token``), or a function (a lambda, or the name of
a defun) whose body builds that plist for a host and user."""

from __future__ import annotations

from offlineimap_oauth.convert.find.sighting import plists_with, registration
from offlineimap_oauth.convert.read.elisp import List, Symbol

VARIABLE = "auth-source-xoauth2-creds"
STYLE = "auth-source-xoauth2-creds"


def find(found, entries) -> list:
    out = []
    for assignment in found.assignments:
        if assignment.variable != VARIABLE:
            continue
        for node, source in _bodies(assignment, found):
            for plist in plists_with(node, ":client-id") + plists_with(node, ":token-url"):
                sighting = registration(STYLE, plist, source)
                if not any(s.where == sighting.where for s in out):
                    out.append(sighting)
    return out


def _bodies(assignment, found):
    """The code to search: the value itself, or the defun a quoted symbol names."""
    expression = assignment.expression
    yield expression, assignment.source
    inner = expression.items[1] if isinstance(expression, List) and \
        expression.head() in ("quote", "function") and len(expression.items) == 2 else None
    if isinstance(inner, Symbol) and inner.name in found.functions:
        body, source = found.functions[inner.name]
        for form in body:
            yield form, source
