;;; seed-gnus.el --- the seed document's Gnus OAuth2 setup, for `offlineimap-oauth convert'
;; The nnimap entries, visible-groups regexp and gnusimapoauth2-accounts plists
;; as the seed's author wrote them, with placeholders for the accounts, client
;; ids and client secrets.  His Gmail account came first (an earlier write-up,
;; with the out-of-band redirect Google has since blocked), the Outlook one
;; beside it.  Try: offlineimap-oauth convert contrib/seed-gnus.el contrib/seed-authinfo

(add-to-list
'gnus-secondary-select-methods
'(nnimap "gmail"
(nnimap-address "imap.gmail.com")
(nnimap-server-port 993)
(nnimap-stream ssl)))
(add-to-list
'gnus-secondary-select-methods
'(nnimap "outlook"
(nnimap-address "outlook.office365.com")
(nnimap-server-port 993)
(nnimap-stream ssl)
;; Search
(nnir-search-engine imap)))
(setq gnus-permanently-visible-groups "^nndraft:drafts\\|^nnimap\\+gmail:\\|^nnimap\\+outlook:")
(setq gnusimapoauth2-accounts
'(
(:user "you@gmail.com"
:smtp-server "smtp.gmail.com"
:smtp-port 587
:smtp-user "you@gmail.com"
:smtp-password "notrecord"
:smtp-auth-supported xoauth2
:smtp-stream-type starttls
:oauth2-client-id "123456789012-yourclientid.apps.googleusercontent.com"
:oauth2-client-secret "YOUR-GOOGLE-CLIENT-SECRET"
:oauth2-scope "https://mail.google.com/"
:oauth2-auth-url "https://accounts.google.com/o/oauth2/auth"
:oauth2-token-url "https://www.googleapis.com/oauth2/v3/token"
:oauth2-redirect-url "urn:ietf:wg:oauth:2.0:oob"
)
(:user "you@outlook.jp"
:smtp-server "smtp.office365.com"
:smtp-port 587
:smtp-user "you@outlook.jp"
:smtp-password "notrecord"
:smtp-auth-supported xoauth2
:smtp-stream-type starttls
:oauth2-client-id "11111111-1111-4111-8111-111111111111"
:oauth2-client-secret "YOUR-CLIENT-SECRET-VALUE"
:oauth2-scope "offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
:oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
:oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
:oauth2-redirect-url "https://login.microsoftonline.com/common/oauth2/nativeclient"
)
))
