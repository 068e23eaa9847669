(setq gnusimapoauth2-accounts
      '((:user "me@outlook.jp"
         :oauth2-client-id "11111111-1111-4111-8111-111111111111"))
(setq other 1)
