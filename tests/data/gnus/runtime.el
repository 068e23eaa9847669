(defvar my-client-id "11111111-1111-4111-8111-111111111111")
(setq gnusimapoauth2-accounts
      `((:user "me@outlook.jp"
         :oauth2-client-id ,my-client-id
         :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
         :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")))
