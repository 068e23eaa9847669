"""Finder: the ``gnusimapoauth2-accounts`` plists (the seed's own setup).

Each element is one complete account (mail address, app registration,
endpoints, SMTP server); ``model`` reads them with ``accounts(found)``
and checks every key.
"""

from __future__ import annotations

from offlineimap_oauth.convert.find.settings import ACCOUNTS_VAR

VARIABLE = ACCOUNTS_VAR


def accounts(found) -> list:
    """[(element node, source)] of the accounts list, in load order."""
    return found.accounts
