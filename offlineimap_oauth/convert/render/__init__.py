"""Renderers: one module per output syntax convert writes.

accounts_conf (our INI), offlineimaprc (offlineimap's INI), msmtprc and
gnus_el (Emacs Lisp).  The offlineimap pythonfile is rendered by
:mod:`offlineimap_oauth.hookfile`, which also ships as contrib/.
"""
