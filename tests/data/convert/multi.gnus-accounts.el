;;; gnus-accounts.el --- Gnus accounts written by offlineimap-oauth convert  -*- coding: utf-8; lexical-binding: t; -*-

;; Load it at the END of ~/.gnus.el (after your own settings):
;;   (load "/home/me/.config/offlineimap-oauth/gnus-accounts.el")
;; then remove the old gnusimapoauth2 setup.  convert rewrites this file.

(require 'gnus)
(require 'gnus-msg)
(require 'message)
(require 'sendmail)
(require 'seq)

;; Mail synced by offlineimap into ~/Mail/NAME, read with nnmaildir.
(dolist (method '(
    (nnmaildir "gmail" (directory "~/Mail/gmail/"))
    (nnmaildir "outlook" (directory "~/Mail/outlook/"))
    (nnmaildir "work" (directory "~/Mail/work/"))))
  (add-to-list 'gnus-secondary-select-methods method t))

;; The nnimap servers these replace (offlineimap fetches their mail now).
(setq gnus-secondary-select-methods
      (seq-remove (lambda (method)
                    (and (eq (car-safe method) 'nnimap)
                         (member (cadr method) '("gmail" "outlook" "work"))))
                  gnus-secondary-select-methods))
;; If one was the primary select method, Gnus still needs one: a harmless one.
(when (and (eq (car-safe gnus-select-method) 'nnimap)
           (member (cadr gnus-select-method) '("gmail" "outlook" "work")))
  (setq gnus-select-method '(nnnil "")))

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

;; Gmail does the same: what its SMTP sends lands in [Gmail]/Sent Mail.

;; From address per account, so msmtp picks that account's token.
(dolist (style '(
    ("^nnmaildir\\+gmail:" (address "me@gmail.com") ("Gcc" nil))
    ("^nnmaildir\\+outlook:" (address "me@outlook.jp") ("Gcc" nil))
    ("^nnmaildir\\+work:" (address "me@contoso.com") ("Gcc" nil))))
  (add-to-list 'gnus-posting-styles style t))

;; Adapted from your nnimap setting.
(setq gnus-permanently-visible-groups "^nndraft:drafts\\|^nnmaildir\\+outlook:\\|^nnmaildir\\+work:INBOX")

;;; gnus-accounts.el ends here
