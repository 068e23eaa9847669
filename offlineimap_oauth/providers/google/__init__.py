"""Google accounts (Gmail, Google Workspace) through Google's own libraries.

Modules: ``settings`` (accounts.conf keys for ``provider = google``, stdlib
only), ``cache`` (the stored token, read without Google's libraries: the hot
path), ``explain`` (Google's error table), ``client`` (refresh through
google-auth under the store's lock), ``flows`` (login through
google-auth-oauthlib: loopback on 127.0.0.1, or paste for SSH sessions).
See INTEGRATION.md for where the rest of the package calls in.

Nothing here is imported at package import time: this file stays empty of
imports so that the hot path can import ``providers.google.cache`` cheaply.
"""
