;;; gnus-send.el --- Send mail from Gnus through msmtp with offlineimap-oauth tokens  -*- lexical-binding: t; -*-

;;; Commentary:

;; Message mode (Gnus' mail composer) hands each finished message to msmtp.
;; msmtp picks the account whose `from' matches the message's From header
;; (--read-envelope-from) and asks `offlineimap-oauth token NAME' for that
;; account's OAuth2 token (the `passwordeval' line of ~/.msmtprc, see
;; contrib/msmtprc), so each account sends as itself with its own token.
;;
;; Load it from ~/.gnus.el or your init file:
;;   (load "/path/to/offlineimap-oauth/contrib/gnus-send.el")
;; and choose the From address per account with `gnus-posting-styles'
;; (example at the end).
;;
;; When sending fails, Emacs shows msmtp's output in the " sendmail errors"
;; buffer: for an expired login it ends with
;;   Run: offlineimap-oauth login NAME
;; ~/.msmtp.log (the logfile of contrib/msmtprc) keeps one line per send.

;;; Code:

(require 'message)
(require 'sendmail)

;; Declared here, defined when Gnus loads: a value set first is kept.
(defvar gnus-message-archive-group)

;; Send with a sendmail-compatible program: msmtp.
(setq message-send-mail-function #'message-send-mail-with-sendmail
      ;; `send-mail-function' serves C-x m and M-x report-emacs-bug.
      send-mail-function #'sendmail-send-it
      ;; An absolute path when found: Emacs started from a desktop menu may
      ;; have a shorter PATH than your shell.
      sendmail-program (or (executable-find "msmtp") "msmtp"))

;; The account is chosen by the From header. msmtp reads it itself...
(setq message-sendmail-extra-arguments '("--read-envelope-from"))
;; ...so Message must not pass "-f ADDRESS" as well: its default address is
;; `user-mail-address', which would make msmtp use that address's account
;; (and token) for mail written From another one.
(setq message-sendmail-f-is-evil t)
;; Should you turn -f back on, take its address from the From header too.
(setq message-sendmail-envelope-from 'header)
;; The same for C-x m (sendmail.el): "-f" with the From header's address.
(setq mail-specify-envelope-from t
      mail-envelope-from 'header)

;; No Gcc (Gnus' copy of sent mail) for Exchange accounts. Outlook.com and
;; Microsoft 365 file every message sent through smtp.office365.com in Sent
;; Items (送信済みアイテム) themselves, and offlineimap brings that copy down.
;; A Gcc would add a second copy, and one Gcc'd into an offlineimap Maildir
;; would be uploaded as a duplicate too.
(setq gnus-message-archive-group nil)

;; With accounts elsewhere that do want a Gcc, keep a
;; `gnus-message-archive-group' for them and drop the Gcc in the Exchange
;; accounts' posting styles instead.  One style per account also sets the
;; From address, and with it msmtp's account and token (addresses and group
;; names are examples; the groups are what `offlineimap-oauth convert' makes):
;;
;; (setq gnus-posting-styles
;;       '((".*"
;;          (address "you@outlook.jp"))
;;         ("^nnmaildir\\+outlook:"
;;          (address "you@outlook.jp")
;;          ("Gcc" nil))
;;         ("^nnmaildir\\+work:"
;;          (address "you@example.com")
;;          ("Gcc" nil))))

(provide 'gnus-send)

;;; gnus-send.el ends here
