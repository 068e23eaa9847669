"""``refresh [NAME...] [--older-than DAYS]``: no 90-day cliff.

Microsoft drops a refresh token unused for 90 days.  offlineimap's periodic
runs and msmtp's sends renew it as a side effect (every refresh returns a
new one), but an account used rarely, or only through a still-valid access
token, can reach the cliff.  :func:`renew` refreshes every account whose
last renewal is older than DAYS, under the usual lock, so a weekly timer
keeps every login alive.
"""

from __future__ import annotations

import time

from offlineimap_oauth.errors import EXIT_OK, Error

DEFAULT_OLDER_THAN_DAYS = 30  # a weekly timer then renews well before 90 days
DAY_S = 86400


def renew(accounts: list, store, older_than_days: float, report, now=time.time) -> int:
    """Refresh the accounts due; one line per account on ``report``; the worst exit code."""
    from offlineimap_oauth.hotpath import serve

    worst = EXIT_OK
    for account in accounts:
        renewed = (store.load(account.name) or {}).get("renewed_at")
        age_days = (now() - renewed) / DAY_S if renewed else None
        if age_days is not None and age_days < older_than_days:
            report("%s: renewed %d days ago; nothing to do" % (account.name, age_days))
            continue
        try:
            serve(account, store, force=True)
        except Error as error:
            report("%s: %s" % (account.name, str(error).replace("\n", "\n  ")))
            worst = max(worst, error.exit_code)
            continue
        what = ("login checked with Google (its refresh token does not rotate; it lasts until "
                "revoked, or 7 days for an app in 'Testing')"
                if getattr(account, "provider", None) == "google" else "refresh token renewed")
        report("%s: %s%s" % (
            account.name, what, "" if age_days is None else " (the last renewal was %d days ago)"
            % age_days))
    return worst
