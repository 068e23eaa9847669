"""Where an account's refresh token lives: ``token_store = plain | gpg | keyring``.

The token store (store.py) keeps one JSON file per account, ``NAME.json``.
With ``plain`` that file is the whole MSAL cache, in plaintext (0600).  With
``gpg`` or ``keyring`` it is split the way Emacs's plstore splits its
entries: ``NAME.json`` keeps what the cached-token path needs (the settings
the tokens belong to, timestamps, where the secret part lives, and, unless
``plaintext_access_token = no``, the short-lived access tokens), and the
secret part (refresh token, ID token, account records) goes to the backend:

- ``gpg``: ``NAME.json.gpg`` encrypted to ``gpg_key`` (vault/gpg.py);
- ``keyring``: one Secret Service / Keychain item (vault/keyring.py).

``seal`` runs inside ``TokenStore.save`` (under the account's lock): the
secret part is written first, then the public file is replaced, then the
old copy of another mode is removed; a crash between steps leaves the
public file pointing at a complete secret holding the newest refresh token.
``unseal`` runs only to refresh (or, with ``plaintext_access_token = no``,
to serve): the cached-token path never imports a backend.
"""

from __future__ import annotations

import json
import os

PLAIN, GPG, KEYRING = "plain", "gpg", "keyring"
MODES = (PLAIN, GPG, KEYRING)
SECRET_FORMAT = 1


def target(account) -> dict:
    """The account's configured place for its tokens (recorded in the state to save)."""
    return {"store": getattr(account, "token_store", None) or PLAIN,
            "gpg_key": getattr(account, "gpg_key", None),
            "plaintext_access_token": getattr(account, "plaintext_access_token", True) is not False}


def record(state) -> dict:
    """The ``vault`` record of a stored (public) state: where its secret part is."""
    found = (state or {}).get("vault") if isinstance(state, dict) else None
    return found if isinstance(found, dict) and found.get("store") in MODES else {"store": PLAIN}


def encrypted_access_tokens(state) -> bool:
    """True when even access tokens are kept off the disk in plaintext."""
    return record(state).get("access_tokens") == "encrypted"


def _backend(mode: str):
    if mode == GPG:
        from offlineimap_oauth.vault import gpg

        return gpg
    from offlineimap_oauth.vault import keyring

    return keyring


def seal(store, name: str, state: dict):
    """(public state to write as NAME.json, a function to call once it is written).

    Writes the secret part to the target backend first.
    """
    wanted = state.pop("token_store", None) or _as_target(record(state))
    previous = _stored_record(store, name)
    mode = wanted.get("store") or PLAIN
    if mode == PLAIN:
        public = dict(state)  # today's format: no vault record means plain
        public.pop("vault", None)
    elif isinstance(state.get("google"), dict):  # a Google account: providers/google/cache.py
        keep = wanted.get("plaintext_access_token", True)
        google, hidden = _split_google(state["google"], keep)
        secret = json.dumps({"format": SECRET_FORMAT, "google": hidden}, sort_keys=True)
        where = _backend(mode).write(store, name, secret.encode("utf-8"), wanted)
        where.update(store=mode, access_tokens="plaintext" if keep else "encrypted",
                     refresh_token=bool(hidden.get("refresh_token")))
        public = dict(state, google=google, vault=where)
    else:
        msal = dict(state.get("msal") or {})
        keep = wanted.get("plaintext_access_token", True)
        public_msal = {"AccessToken": msal.pop("AccessToken", {})} if keep else {}
        secret = json.dumps({"format": SECRET_FORMAT, "msal": msal}, sort_keys=True)
        where = _backend(mode).write(store, name, secret.encode("utf-8"), wanted)
        where.update(store=mode, access_tokens="plaintext" if keep else "encrypted",
                     refresh_token=bool(msal.get("RefreshToken")))
        public = dict(state, msal=public_msal, vault=where)
    return public, lambda: _retire(store, name, previous, record(public))


def unseal(store, name: str, state: dict, signature, deadline: float | None = None):
    """(full state with the secret part merged in, signature or None).

    The signature is withheld (so no sidecar is written) when access tokens
    must stay off the disk.
    """
    where = record(state)
    if where["store"] == PLAIN:
        return state, signature
    data = _backend(where["store"]).read(store, name, where, deadline)
    try:
        secret = json.loads(data)
        msal = secret["msal"] if "google" not in secret else None
        google = secret.get("google")
        if not isinstance(msal if google is None else google, dict):
            raise ValueError("not a cache")
    except (ValueError, KeyError, TypeError, AttributeError):
        from offlineimap_oauth.errors import LoginRequired, login_hint

        raise LoginRequired("The encrypted tokens of [account %s] are damaged." % name,
                            hint=login_hint(name)) from None
    if google is not None:
        full = dict(state, google=dict(state.get("google") or {}, **google))
        return full, None if where.get("access_tokens") == "encrypted" else signature
    merged = dict(state.get("msal") or {})
    for kind, entries in msal.items():
        merged[kind] = dict(merged.get(kind) or {}, **entries)
    full = dict(state, msal=merged)
    return full, None if where.get("access_tokens") == "encrypted" else signature


# What of a Google state's entry the public file may keep: the access token
# (unless plaintext_access_token = no) and its times; never the refresh token.
GOOGLE_ACCESS_FIELDS = ("access_token", "issued_at", "expires_on", "scope")


def _split_google(entry: dict, keep_access_token: bool):
    """(public part, secret part) of a Google state's ``google`` entry."""
    public_fields = GOOGLE_ACCESS_FIELDS if keep_access_token else ("issued_at", "expires_on",
                                                                    "scope")
    public = {key: value for key, value in entry.items() if key in public_fields
              or key == "refresh_expires_on"}
    hidden = {key: value for key, value in entry.items() if key not in public}
    return public, hidden


def sidecar_signature(public: dict, signature):
    """The signature to hand out for a just-saved state (None: leave no sidecar)."""
    return None if encrypted_access_tokens(public) else signature


def forget(store, name: str) -> bool:
    """Remove the secret part of the account's tokens (logout); True if one existed."""
    where = _stored_record(store, name)
    existed = False
    if where["store"] == KEYRING:
        existed = _backend(KEYRING).delete(store, name, where)
    return _remove_gpg_file(store, name) or existed


def describe(account, state, store) -> str:
    """Where the refresh token lives, for ``status`` (never the token)."""
    where = record(state)
    wanted = target(account)
    if not state:
        return "nowhere yet (no login); token_store = %s%s" % (
            wanted["store"], " to %s" % wanted["gpg_key"] if wanted["store"] == GPG else "")
    if where["store"] == GPG:
        text = "gpg file %s, encrypted to %s" % (
            os.path.join(store.directory, where.get("file", "")),
            where.get("fingerprint") or where.get("key"))
    elif where["store"] == KEYRING:
        text = "keyring item service=%r username=%r (%s)" % (
            where.get("service"), where.get("username"), where.get("backend", "keyring"))
    else:
        text = "plain file %s (plaintext, 0600)" % store.path(account.name)
    if where["store"] != wanted["store"]:
        text += "; accounts.conf says token_store = %s: it moves there at the next refresh " \
                "(now: offlineimap-oauth token %s --refresh)" % (wanted["store"], account.name)
    return text


def _as_target(where: dict) -> dict:
    # No target given (a save that did not come from an account's settings):
    # keep the tokens where they are, never move them to plaintext.
    return {"store": where["store"], "gpg_key": where.get("key"),
            "plaintext_access_token": where.get("access_tokens") != "encrypted"}


def _stored_record(store, name: str) -> dict:
    try:
        with open(store.path(name), "rb") as handle:
            return record(json.loads(handle.read()))
    except (OSError, ValueError):
        return {"store": PLAIN}


def _retire(store, name: str, previous: dict, current: dict) -> None:
    """Remove the copy the previous mode left, once the public file points elsewhere."""
    if current["store"] != GPG:
        _remove_gpg_file(store, name)
    if previous["store"] == KEYRING and (current["store"] != KEYRING or previous.get("service")
                                         != current.get("service")):
        from offlineimap_oauth.errors import Error

        try:
            _backend(KEYRING).delete(store, name, previous)
        except Error as error:  # the new copy is saved; an old encrypted item is no loss
            import logging

            logging.getLogger(__name__).warning("could not remove the old keyring item of "
                                                "[account %s]: %s", name, error.message)


def _remove_gpg_file(store, name: str) -> bool:
    try:
        os.unlink(gpg_path(store, name))
        return True
    except FileNotFoundError:
        return False


def gpg_path(store, name: str) -> str:
    return store.path(name) + ".gpg"
