"""The seed's two accounts on local simulated servers: its Gmail and its
Outlook entry (contrib/seed-gnus.el) converted, then pointed at 127.0.0.1.

Shared by contrib/demo.py and tests/e2e/test_gmail_beside_outlook.py:

- ``GMAIL`` / ``OUTLOOK``: the seed's placeholders (user, client id, secret);
- ``register_outlook(idp)``: the seed's Outlook app and user on the
  simulated Microsoft identity platform;
- ``start_google(ca)``: the simulated Google with the seed's Gmail client
  (a Desktop app client in "Testing", the user a test user);
- ``gmail_dovecot(ca, google, directory)``: a Dovecot checking XOAUTH2
  tokens against Google's tokeninfo; ``populate_gmail(dovecot)`` fills it
  like Gmail (labels as folders, ``[Gmail]/All Mail``, Starred and
  Important repeating them);
- ``smtp_validator(idp, google)``: one SMTP server for both accounts,
  accepting each provider's token for its own user; records who was let in
  with which token (``.accepted``);
- ``point_at_local_servers(home, ...)``: the only edits a real user would
  not make to the converted files (hosts, ports, CA, endpoints).
"""

import email.header
import os

from tests.fakes.dovecot import GOOGLE_OAUTH2_CONF, FakeDovecot
from tests.fakes.google import MAIL_SCOPE, FakeGoogle
from tests.support import ROOT

SEED_GNUS = os.path.join(ROOT, "contrib", "seed-gnus.el")
SEED_AUTHINFO = os.path.join(ROOT, "contrib", "seed-authinfo")
NATIVECLIENT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
# contrib/seed-gnus.el's placeholders
OUTLOOK = dict(name="outlook", user="you@outlook.jp",
               client_id="11111111-1111-4111-8111-111111111111",
               secret="YOUR-CLIENT-SECRET-VALUE")
GMAIL = dict(name="gmail", user="you@gmail.com",
             client_id="123456789012-yourclientid.apps.googleusercontent.com",
             secret="YOUR-GOOGLE-CLIENT-SECRET")

# A Gmail mailbox: labels are folders; All Mail, Starred and Important
# (here under its Japanese name) repeat messages kept elsewhere.
GMAIL_KEPT = {
    "INBOX": [("g-inbox-1", "Lunch on Friday?"), ("g-inbox-2", "Gmailの受信トレイから")],
    "[Gmail]/Sent Mail": [("g-sent-1", "Re: the Kyoto trip")],
    "Work": [("g-work-1", "Quarterly report (label Work)")],
}
GMAIL_REPEATS = {
    "[Gmail]/All Mail": ["g-inbox-1", "g-inbox-2", "g-sent-1", "g-work-1"],
    "[Gmail]/Starred": ["g-inbox-1"],
    "[Gmail]/重要": ["g-inbox-2"],
}


def message(to, ident, subject, sender="friend@example.org"):
    """A small text message; a non-ASCII subject RFC 2047 encoded."""
    encoded = subject if subject.isascii() else email.header.Header(subject, "utf-8").encode()
    return ("From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@example.org>\n"
            "Date: Mon, 01 Apr 2024 09:00:00 +0900\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\n\nbody of %s\n"
            % (sender, to, encoded, ident, ident)).encode("ascii")


def register_outlook(idp):
    """The seed's personal Outlook app (client secret, nativeclient redirect) and user."""
    idp.add_user(OUTLOOK["user"])
    idp.register_app(OUTLOOK["client_id"], audience="consumers", secret=OUTLOOK["secret"],
                     redirect_uris=(NATIVECLIENT,))


def start_google(ca):
    """The simulated Google, started, with the seed's Gmail client and user."""
    google = FakeGoogle(ca).start()
    google.add_user(GMAIL["user"])
    google.register_client(client_id=GMAIL["client_id"], secret=GMAIL["secret"],
                           test_users=(GMAIL["user"],))
    return google


def gmail_dovecot(ca, google, directory):
    """A started Dovecot checking every XOAUTH2 token at Google's tokeninfo."""
    url = google.tokeninfo_uri + "?dovecot=1&access_token="
    return FakeDovecot(ca, url, directory, oauth2_conf=GOOGLE_OAUTH2_CONF).start()


def populate_gmail(dovecot, user=GMAIL["user"]):
    """Fill ``user``'s mailbox like Gmail; returns {ident: subject}."""
    subjects = {ident: subject for kept in GMAIL_KEPT.values() for ident, subject in kept}
    folders = dict({name: [ident for ident, _ in kept] for name, kept in GMAIL_KEPT.items()},
                   **GMAIL_REPEATS)
    dovecot.doveadm("mailbox", "create", "-s", "-u", user,
                    *[name for name in folders if name != "INBOX"])
    for folder, idents in folders.items():
        for ident in idents:
            dovecot.doveadm("save", "-u", user, "-m", folder,
                            stdin=message(user, ident, subjects[ident]))
    return subjects


class smtp_validator:  # noqa: N801 - used like a function
    """Token check for one SMTP server serving both accounts: a Microsoft
    token by introspection, a Google token by tokeninfo (with the Gmail
    scope, which is what lets it send)."""

    def __init__(self, idp, google):
        self.idp, self.google = idp, google
        self.accepted = []  # (provider, user, token) in the order of AUTH

    def __call__(self, token):
        info = self.idp.introspect(token)
        if info.get("active") is True:
            self.accepted.append(("microsoft", info["username"], token))
            return info
        google = self.google.tokeninfo(token, dovecot=True)
        if google and MAIL_SCOPE in google["scope"].split():
            self.accepted.append(("google", google["email"], token))
            return {"active": True, "scope": "SMTP.Send", "username": google["email"]}
        return {"active": False}


def point_at_local_servers(home, *, idp, google, outlook_imap, gmail_imap, smtp, cacert):
    """Edit the converted files in ``home`` to use the local servers;
    returns [(file, new line)] for every change."""
    changes = []

    def edit(relative, section, replacements):
        path = os.path.join(home, relative)
        changes.extend((path, new) for new in
                       _edit_section(path, section, replacements))

    config = os.path.join(".config", "offlineimap-oauth", "accounts.conf")
    edit(config, "[account outlook]",
         {"tenant = consumers": "authority = %s" % idp.authority("consumers")})
    edit(config, "[account gmail]",
         {"provider = google": "provider = google\nauth_uri = %s\ntoken_uri = %s"
          % (google.auth_uri, google.token_uri)})
    for name, server, host in (("outlook", outlook_imap, "outlook.office365.com"),
                               ("gmail", gmail_imap, "imap.gmail.com")):
        edit(".offlineimaprc", "[Repository %s-remote]" % name, {
            "remotehost = %s" % host: "remotehost = 127.0.0.1",
            "remoteport = 993": "remoteport = %d" % server.port,
            "sslcacertfile = OS-DEFAULT": "sslcacertfile = %s" % cacert})
    for name, host in (("outlook", "smtp.office365.com"), ("gmail", "smtp.gmail.com")):
        edit(".msmtprc", "account %s" % name, {
            "host %s" % host: "host 127.0.0.1",
            "port 587": "port %d" % smtp.port,
            "tls_trust_file system": "tls_trust_file %s" % cacert})
    return changes


def _edit_section(path, header, replacements):
    """Replace whole lines inside the section starting at line ``header``
    (up to the next blank line or ``[`` line); every line must be there."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    start = lines.index(header)
    end = start + 1
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("["):
        end += 1
    done = []
    for old, new in replacements.items():
        where = [i for i in range(start + 1, end) if lines[i] == old]
        if len(where) != 1:
            raise RuntimeError("%s: %s has no line %r" % (path, header, old))
        lines[where[0]] = new
        done.append(new.replace("\n", " / "))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    return done
