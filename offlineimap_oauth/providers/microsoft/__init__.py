"""Microsoft accounts (Outlook.com, Microsoft 365) through MSAL.

Modules: ``app`` (the MSAL application, refresh under the store's lock),
``flows`` (interactive login: paste, localhost, device code), ``explain``
(Microsoft's AADSTS error table).

Nothing here is imported at package import time (this file has no imports).
"""
