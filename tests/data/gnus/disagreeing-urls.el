(setq gnusimapoauth2-accounts
      '((:user "me@contoso.com"
         :oauth2-client-id "33333333-3333-4333-8333-333333333333"
         :oauth2-auth-url "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
         :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")))
