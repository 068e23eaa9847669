"""Identity providers: one folder each, behind one small interface.

The store (``store.py``), the sidecar (``fastpath.py``) and the hot path
(``hotpath.py``) are provider-neutral; everything that knows a provider's
protocol, library or error texts lives in ``providers/<name>/``.  Each
provider offers the same pieces, so that ``hotpath``, ``cli``, ``check``,
``status`` and the offlineimap hook dispatch on ``account.provider`` alone:

``settings``
    ``check(raw, fields, problem)``: validate the raw accounts.conf values of
    one section (stdlib only: it runs on the token hot path), and an account
    class whose ``binding()`` names the settings stored tokens belong to
    (it carries ``"provider"`` so one provider's tokens never serve another's
    account).
``cache``
    ``cached_token(state, account, now)`` -> ``(token, fresh_until)`` or
    None, from the stored state alone: stdlib only, never the provider's
    library, no network.
``client``
    ``refresh(account, store, deadline, now, force)`` -> ``(token,
    fresh_until, signature)``: single flight under ``store.locked``, re-read,
    refresh through the provider's own library, atomic ``store.save``.
``flows``
    ``login(account, store, flow, ...)``: interactive sign-in, then save.
``explain``
    the provider's error table: its error answers and its IMAP/SMTP refusal
    texts become :class:`~offlineimap_oauth.errors.ConfigError`,
    :class:`~offlineimap_oauth.errors.LoginRequired` or
    :class:`~offlineimap_oauth.errors.TryLater` with a hint saying what to do.

A stored state is one JSON object per account (see ``store.py``):
``{"account": binding, "renewed_at", "login_at", "<provider key>": {...}}``
where the provider key is ``"msal"`` for Microsoft (MSAL's cache) and
``"google"`` for Google.
"""

# Provider names accepted by ``provider = ...`` in accounts.conf; the first is
# the default, so files written before Google existed keep working.
NAMES = ("microsoft", "google")
DEFAULT = NAMES[0]
