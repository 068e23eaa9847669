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
    (nnmaildir "outlook" (directory "~/Mail/outlook/"))))
  (add-to-list 'gnus-secondary-select-methods method t))

;; The nnimap servers these replace (offlineimap fetches their mail now).
(setq gnus-secondary-select-methods
      (seq-remove (lambda (method)
                    (and (eq (car-safe method) 'nnimap)
                         (member (cadr method) '("outlook"))))
                  gnus-secondary-select-methods))
;; If one was the primary select method, Gnus still needs one: a harmless one.
(when (and (eq (car-safe gnus-select-method) 'nnimap)
           (member (cadr gnus-select-method) '("outlook")))
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

;; From address per account, so msmtp picks that account's token.
(dolist (style '(
    ("^nnmaildir\\+outlook:" (address "me@outlook.jp") ("Gcc" nil))))
  (add-to-list 'gnus-posting-styles style t))

;; Adapted from your nnimap setting.
(setq gnus-permanently-visible-groups "^nndraft:drafts\\|^nnmaildir\\+outlook:")

;;; gnus-accounts.el ends here
