(setq gnusimapoauth2-accounts
      (list (list :user "me@outlook.jp"
                  :oauth2-client-id (getenv "CLIENT_ID")
                  :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
                  :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")))
