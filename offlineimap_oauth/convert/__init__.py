"""convert: the user's Gnus/Emacs OAuth2 setup -> accounts.conf, offlineimaprc,
pythonfile, msmtprc and a Gnus snippet."""
