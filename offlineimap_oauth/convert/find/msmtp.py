"""Finder: msmtp accounts sending through Microsoft's SMTP hosts, in an
msmtprc given as input (``convert ~/.gnus.el ~/.msmtprc``).

``parse(text, source)`` returns a Sighting for each ``account`` (with the
``defaults`` and ``account NAME : PARENT`` inheritance msmtp applies) whose
``host`` is a Microsoft or Google host; the mail address is ``user``, else
``from``.
"""

from __future__ import annotations

from offlineimap_oauth.convert.find.sighting import MICROSOFT_SMTP, Sighting, host_provider


def is_msmtprc(path: str) -> bool:
    import os

    base = os.path.basename(path).lower()
    parent = os.path.basename(os.path.dirname(path)).lower()
    return base in ("msmtprc", ".msmtprc") or (base == "config" and parent == "msmtp")


def parse(text: str, source: str) -> list:
    defaults, accounts, current = {}, {}, None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        if key == "defaults":
            current = defaults
        elif key == "account":
            name, _, parent = value.partition(":")
            settings = dict(defaults)
            settings.update(accounts.get(parent.strip(), {}))
            settings["@where"] = "%s:%d:%d" % (source, number, raw.index("account") + 1)
            accounts[name.strip()] = current = settings
        elif current is not None:
            current[key] = value
    out = []
    for name, settings in accounts.items():
        host = settings.get("host", "").lower()
        provider = host_provider(host)
        if provider is None:
            continue
        port = settings.get("port", "")
        out.append(Sighting("msmtp account %r" % name, settings["@where"], provider=provider,
                            user=settings.get("user") or settings.get("from"), smtp_host=host,
                            smtp_port=int(port) if port.isdigit() else None,
                            identity_host=MICROSOFT_SMTP.get(host)))
    return out
