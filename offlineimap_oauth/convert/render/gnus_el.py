"""Render the Gnus snippet: nnmaildir servers on the Maildirs, sending via msmtp.

The whole file belongs to convert (it is rewritten, not merged).  It adds one
``(nnmaildir "NAME" (directory "~/Mail/NAME/"))`` server per account to
``gnus-secondary-select-methods``, removes the nnimap servers they replace,
sends through msmtp choosing the account by the From header, turns Gcc off
(Exchange files sent mail in Sent Items itself), and sets
``gnus-permanently-visible-groups`` adapted from the user's nnimap regexp.

Every string is written by :func:`syntax.elisp_string` as pure ASCII
(``\\uXXXX`` for anything else), and line 1 pins ``coding: utf-8``: Emacs
takes the first line's cookie over a ``Local Variables: coding:`` near the
end, so no text in a value can change how the file is decoded.
"""

from __future__ import annotations

from offlineimap_oauth.convert.render.syntax import elisp_string

MAILDIR_ROOT = "~/Mail"


def render(conversion, path: str) -> str:
    names = [account.name for account in conversion.accounts]
    methods = "\n".join("    (nnmaildir %s (directory %s))"
                        % (elisp_string(name), elisp_string("%s/%s/" % (MAILDIR_ROOT, name)))
                        for name in names)
    replaced = [account.nnimap for account in conversion.accounts
                if account.nnimap is not None]
    styles = "\n".join('    (%s (address %s) ("Gcc" nil))'
                       % (elisp_string("^nnmaildir\\+%s:" % account.name),
                          elisp_string(account.user))
                       for account in conversion.accounts)
    parts = [HEADER % {"path": elisp_string(path)},
             "(require 'gnus)\n(require 'gnus-msg)\n(require 'message)\n(require 'sendmail)\n(require 'seq)\n\n",
             ";; Mail synced by offlineimap into ~/Mail/NAME, read with nnmaildir.\n"
             "(dolist (method '(\n%s))\n"
             "  (add-to-list 'gnus-secondary-select-methods method t))\n\n" % methods]
    if replaced:
        parts.append(
            ";; The nnimap servers these replace (offlineimap fetches their mail now).\n"
            "(setq gnus-secondary-select-methods\n"
            "      (seq-remove (lambda (method)\n"
            "                    (and (eq (car-safe method) 'nnimap)\n"
            "                         (member (cadr method) '(%s))))\n"
            "                  gnus-secondary-select-methods))\n"
            ";; If one was the primary select method, Gnus still needs one: a harmless one.\n"
            "(when (and (eq (car-safe gnus-select-method) 'nnimap)\n"
            "           (member (cadr gnus-select-method) '(%s)))\n"
            "  (setq gnus-select-method '(nnnil \"\")))\n\n"
            % ((" ".join(elisp_string(name) for name in replaced),) * 2))
    parts.append(SENDING)
    if any(getattr(account, "provider", None) == "google" for account in conversion.accounts):
        parts.append(";; Gmail does the same: what its SMTP sends lands in [Gmail]/Sent Mail.\n\n")
    parts.append(";; From address per account, so msmtp picks that account's token.\n"
                 "(dolist (style '(\n%s))\n"
                 "  (add-to-list 'gnus-posting-styles style t))\n\n" % styles)
    if conversion.visible_groups is not None:
        parts.append(";; Adapted from your nnimap setting.\n"
                     "(setq gnus-permanently-visible-groups %s)\n\n"
                     % elisp_string(conversion.visible_groups))
    parts.append(";;; gnus-accounts.el ends here\n")
    return "".join(parts)


HEADER = """\
;;; gnus-accounts.el --- Gnus accounts written by offlineimap-oauth convert  -*- coding: utf-8; lexical-binding: t; -*-

;; Load it at the END of ~/.gnus.el (after your own settings):
;;   (load %(path)s)
;; then remove the old gnusimapoauth2 setup.  convert rewrites this file.

"""

SENDING = """\
;; Send through msmtp; it picks the account whose `from' matches From.
(setq message-send-mail-function #'message-send-mail-with-sendmail
      send-mail-function #'sendmail-send-it
      sendmail-program (or (executable-find "msmtp") "msmtp")
      message-sendmail-extra-arguments '("--read-envelope-from")
      message-sendmail-f-is-evil t
      message-sendmail-envelope-from 'header
      mail-specify-envelope-from t
      mail-envelope-from 'header)

;; No Gcc copy: Exchange (Outlook.com, Microsoft 365) files every message sent
;; through its SMTP in Sent Items itself, and offlineimap brings it down.
(setq gnus-message-archive-group nil)

"""
