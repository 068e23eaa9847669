(setq gnusimapoauth2-accounts
      '((:user "me@outlook.jp"
         :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
         :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")))
