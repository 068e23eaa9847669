;;; multi.el --- three accounts, wrapped forms  -*- lexical-binding: t -*-
;; Personal Outlook.com, a Microsoft 365 tenant (GUID), and Gmail.

(use-package gnus
  :ensure nil
  :init
  (setq gnus-select-method '(nnnil ""))
  :config
  (setq gnus-secondary-select-methods
        '((nnimap "outlook"
                  (nnimap-address "outlook.office365.com")
                  (nnimap-server-port "imaps")
                  (nnimap-stream ssl))
          (nnimap "work"
                  (nnimap-address "outlook.office365.com")
                  (nnimap-server-port 993)
                  (nnimap-stream tls))
          (nnimap "gmail"
                  (nnimap-address "imap.gmail.com")
                  (nnimap-server-port 993)
                  (nnimap-stream ssl))))
  (setq gnus-permanently-visible-groups
        "^nndraft:drafts\\|^nnimap\\+outlook:\\|^nnimap\\+work:INBOX"))

(with-eval-after-load 'gnusimapoauth2
  (add-to-list 'gnusimapoauth2-accounts
               '(:user "me@outlook.jp"
                 :smtp-server "smtp.office365.com"
                 :smtp-port 587
                 :smtp-stream-type starttls
                 :oauth2-client-id "11111111-1111-4111-8111-111111111111"
                 :oauth2-client-secret "a;b \"q\" c\\d #e ;f"
                 :oauth2-scope "offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
                 :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
                 :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
                 :oauth2-redirect-url "https://login.microsoftonline.com/common/oauth2/nativeclient")
               t)
  (when (display-graphic-p)  ; the condition is never evaluated, only the body read
    (add-to-list 'gnusimapoauth2-accounts
                 `(:user "me@contoso.com"
                   :smtp-server "smtp.office365.com"
                   :smtp-port 587
                   :smtp-stream-type starttls
                   :oauth2-client-id "33333333-3333-4333-8333-333333333333"
                   :oauth2-scope "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
                   :oauth2-auth-url "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize"
                   :oauth2-token-url "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
                   :oauth2-redirect-url "http://localhost")
                 t))
  (push '(:user "me@gmail.com"
          :smtp-server "smtp.gmail.com"
          :oauth2-client-id "123-abc.apps.googleusercontent.com"
          :oauth2-client-secret "g-secret"
          :oauth2-scope "https://mail.google.com/"
          :oauth2-auth-url "https://accounts.google.com/o/oauth2/auth"
          :oauth2-token-url "https://oauth2.googleapis.com/token"
          :oauth2-redirect-url "urn:ietf:wg:oauth:2.0:oob")
        gnusimapoauth2-accounts))
