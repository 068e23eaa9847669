"""offlineimap-oauth: Microsoft OAuth2 (XOAUTH2) tokens for offlineimap, msmtp and Gnus.

The package keeps one MSAL token cache per account (``store``), reads the
accounts file (``accounts``), talks to Microsoft only through ``provider``,
and serves tokens fast from ``hotpath``.  ``cli`` is the command-line shell on
top; nothing in the core imports it.
"""

__version__ = "0.1.0"
