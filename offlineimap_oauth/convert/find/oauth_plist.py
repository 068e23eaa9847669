"""Finder: OAuth plists under any other variable name, recognised by their
keys (``:client-id`` with ``:auth-url`` or ``:token-url``, as oauth2.el and
hand-written setups use them)."""

from __future__ import annotations

from offlineimap_oauth.convert.find import auth_source_xoauth2
from offlineimap_oauth.convert.find.settings import WATCHED
from offlineimap_oauth.convert.find.sighting import plists_with, plist_values, registration

STYLE = "OAuth plist"


def find(found, entries) -> list:
    out = []
    for assignment in found.assignments:
        if assignment.variable in WATCHED or assignment.variable == auth_source_xoauth2.VARIABLE:
            continue
        for plist in plists_with(assignment.expression, ":client-id"):
            keys = plist_values(plist, assignment.source)
            if ":auth-url" not in keys and ":token-url" not in keys:
                continue
            sighting = registration("%s in %s" % (STYLE, assignment.variable), plist,
                                    assignment.source)
            if not any(s.where == sighting.where for s in out):
                out.append(sighting)
    return out
