"""Finder: authinfo lines with ``auth xoauth2`` (auth-source-xoauth2, and
Gnus's own ``nnimap-authenticator xoauth2``), at Microsoft or Google hosts."""

from __future__ import annotations

from offlineimap_oauth.convert.find.sighting import (MICROSOFT_IMAP, MICROSOFT_SMTP, Sighting,
                                                     host_provider)


def find(found, entries) -> list:
    out = []
    for entry in entries:
        auth = next((v for k, v in entry.extra.items() if k.lower() == "auth"), "")
        if auth.lower() != "xoauth2":
            continue
        host = (entry.machine or "").lower()
        provider = host_provider(host)
        if provider is None:
            continue
        smtp = host in MICROSOFT_SMTP or host.startswith("smtp")
        out.append(Sighting("authinfo auth xoauth2", entry.where(), provider=provider,
                            user=entry.login,
                            smtp_host=host if smtp else None,
                            imap_host=None if smtp else host,
                            identity_host=(MICROSOFT_SMTP if smtp else MICROSOFT_IMAP).get(host)))
    return out
