"""Known failures -> what happened and the exact fix, phrased for one account.

The one place that turns Microsoft's error answers (MSAL result dicts with
``error``, ``error_description`` and ``error_codes``) into our exceptions,
marking each as "fix the configuration", "log in again" or "try again later".
Unknown codes keep Microsoft's code, first line of text, and lookup link.
"""

from __future__ import annotations

import re

from offlineimap_oauth.accounts import NATIVECLIENT_REDIRECT
from offlineimap_oauth.errors import ConfigError, Error, LoginRequired, TryLater, login_hint

ERROR_LOOKUP = "https://login.microsoftonline.com/error?code=%s"
APP_PORTAL = "Azure Portal -> App registrations -> your app"

# AADSTS code -> (exception class, what happened, what to do).  The texts are
# formatted with the account's fields: name, user, tenant, client_id,
# redirect, source.  "Log in again" is said only where a login fixes it.
PERSONAL_ONLY = ("App {client_id} is registered for personal Microsoft accounts only, "
                 "but [account {name}] uses tenant '{tenant}'.",
                 "Set tenant = consumers in [account {name}] ({source}), then run: "
                 "offlineimap-oauth login {name}")
WORK_ONLY = ("App {client_id} is registered for work or school accounts only, "
             "but [account {name}] uses tenant '{tenant}'.",
             "Set tenant = organizations (or your organisation's domain or tenant ID) in "
             "[account {name}] ({source}); for an outlook.com address register an app that "
             "allows personal Microsoft accounts.")
CONFIDENTIAL = ("App {client_id} is treated as a confidential client and needs its client "
                "secret.",
                "Set client_secret or client_secret_command in [account {name}] ({source}); "
                "or, for an app without a secret, in " + APP_PORTAL + " -> Authentication turn "
                "on 'Allow public client flows'. If it is already on, the redirect URI is "
                "registered under the Web platform: add {redirect} under Authentication -> "
                "Mobile and desktop applications instead.")
NO_REPLY_ADDRESS = ("No reply address (redirect URI) is registered for app {client_id}.",
                    "In " + APP_PORTAL + " -> Authentication -> Add a platform -> Mobile and "
                    "desktop applications, add {redirect}; then run: offlineimap-oauth login "
                    "{name}")
MANAGED_DEVICE = ("The organisation requires a managed (registered or compliant) device for "
                  "this sign-in, and this computer is not one.",
                  "Only an administrator can change this: ask for an exception to the "
                  "Conditional Access device policy for IMAP/SMTP programs, or sign in from a "
                  "managed device. Logging in again does not help.")
BLOCKED = ("A Conditional Access policy of the organisation blocked the sign-in.",
           "Ask your admin which policy applies to IMAP/SMTP programs on this device or "
           "network. Logging in again does not help.")
ADMIN_APPROVAL = ("An administrator must approve app {client_id} for this organisation.",
                  "Ask your admin to grant admin consent in " + APP_PORTAL + " -> API "
                  "permissions (or to allow user consent for it).")
MFA = ("{user} must complete multi-factor authentication.", None)
KNOWN = {
    9002331: (ConfigError,) + PERSONAL_ONLY,
    9002332: (ConfigError,) + WORK_ONLY,
    90130: (ConfigError,) + WORK_ONLY,  # the older twin of 9002332
    9001023: (ConfigError,) + WORK_ONLY,  # grant type not supported over /common
    90010: (ConfigError,) + WORK_ONLY,
    50020: (ConfigError, "{user} is not an account of tenant '{tenant}'.",
            "For outlook.com/hotmail/live addresses set tenant = consumers (with an app that "
            "allows personal accounts); for Microsoft 365 use your organisation's tenant."),
    500200: (ConfigError, "{user} is a personal Microsoft account, and app {client_id} accepts "
             "work or school accounts only.",
             "For an outlook.com/hotmail/live address use an app registered for personal "
             "accounts and set tenant = consumers in [account {name}]."),
    500201: (ConfigError, "{user} is a personal Microsoft account, which this sign-in cannot "
             "serve (app {client_id} or tenant '{tenant}' is for work or school accounts).",
             "Set tenant = consumers in [account {name}] ({source}) and use an app that allows "
             "personal Microsoft accounts."),
    500208: (ConfigError, "{user} cannot sign in on tenant '{tenant}' (wrong kind of account "
             "for this endpoint).",
             "Personal addresses need tenant = consumers; work addresses need organizations "
             "or the organisation's tenant."),
    50194: (ConfigError, "App {client_id} is single-tenant, so tenant '{tenant}' cannot be used.",
            "Set tenant = your organisation's tenant ID or domain (e.g. contoso.onmicrosoft.com) "
            "in [account {name}]."),
    90002: (ConfigError, "Microsoft knows no tenant '{tenant}'.",
            "Check tenant in [account {name}]: consumers, organizations, common, a tenant ID "
            "or a verified domain."),
    700016: (ConfigError, "Microsoft knows no app with client_id {client_id} in tenant '{tenant}'.",
             "Copy 'Application (client) ID' from the app's Overview page into client_id "
             "(not the secret's ID), and check tenant in [account {name}]."),
    7000112: (ConfigError, "App {client_id} is disabled (by its owner, your organisation's "
              "admin, or Microsoft).",
              "A borrowed client ID (another program's app) stops working like this: register "
              "your own app (README, 'Register an app') and put its Application (client) ID "
              "into client_id in [account {name}] ({source}). If it is your own app, an admin "
              "turns 'Enabled for users to sign in' back on (Enterprise applications -> the "
              "app -> Properties)."),
    50011: (ConfigError, "The redirect URI {redirect} is not registered for app {client_id}.",
            "In " + APP_PORTAL + " -> Authentication add exactly {redirect}, or set "
            "redirect_uri in [account {name}] to one that is registered."),
    500113: (ConfigError,) + NO_REPLY_ADDRESS,
    900971: (ConfigError,) + NO_REPLY_ADDRESS,
    7000218: (ConfigError,) + CONFIDENTIAL,
    70002: (ConfigError,) + CONFIDENTIAL,  # the older twin of 7000218
    700025: (ConfigError, "App {client_id} is a public client, which must not send a secret.",
             "Remove client_secret / client_secret_command from [account {name}]."),
    7000215: (ConfigError, "Microsoft refused the client secret of [account {name}].",
              "Put the secret's Value (shown once when it is created), not its Secret ID, into "
              "client_secret (or make client_secret_command print it) in [account {name}] of "
              "{source}; if the Value is lost, create a new secret in " + APP_PORTAL +
              " -> Certificates & secrets."),
    7000222: (ConfigError, "The client secret of app {client_id} has expired.",
              "Create a new secret in " + APP_PORTAL + " -> Certificates & secrets and put its "
              "Value into [account {name}]; the stored login stays valid."),
    65001: (ConfigError, "{user} has not consented to the app's mail permissions.",
            "Run: offlineimap-oauth login {name} and accept; if your organisation forbids user "
            "consent, an admin must grant it in " + APP_PORTAL + " -> API permissions."),
    90094: (ConfigError,) + ADMIN_APPROVAL,
    900941: (ConfigError,) + ADMIN_APPROVAL,
    50105: (ConfigError, "{user} is not assigned to app {client_id}, and the organisation "
            "requires assignment.",
            "An administrator assigns {user} to the app (Enterprise applications -> the app -> "
            "Users and groups), or turns off 'Assignment required?' in its Properties. "
            "Logging in again does not help."),
    530003: (ConfigError,) + MANAGED_DEVICE,
    53000: (ConfigError,) + MANAGED_DEVICE,
    530033: (ConfigError,) + MANAGED_DEVICE,
    53003: (ConfigError,) + BLOCKED,
    53005: (ConfigError,) + BLOCKED,
    70008: (LoginRequired, "The stored login of [account {name}] has expired (unused too long).",
            None),
    700082: (LoginRequired, "The refresh token of [account {name}] expired after 90 days "
             "without use.", None),
    50173: (LoginRequired, "Microsoft revoked the stored login of [account {name}] (a password "
            "change, 'sign out everywhere', or an admin).", None),
    54005: (LoginRequired, "That authorization code was already used.", None),
    501481: (LoginRequired, "The code does not belong to this login attempt (PKCE check failed).",
             None),
    50076: (LoginRequired,) + MFA,
    50079: (LoginRequired, "{user} must register for multi-factor authentication.", None),
    50078: (LoginRequired, "{user} must repeat multi-factor authentication (the last one "
            "expired under the organisation's policy).", None),
    28000: (ConfigError, "The scopes of [account {name}] mix several resources.",
            "Keep only https://outlook.office.com/... scopes in [account {name}]."),
    70011: (ConfigError, "Microsoft refused the scopes of [account {name}].",
            "Use https://outlook.office.com/IMAP.AccessAsUser.All, .../POP.AccessAsUser.All "
            "and .../SMTP.Send (or remove scopes to get these)."),
    65004: (LoginRequired, "The consent was declined.", None),
}

# OAuth2 error word -> class, when the AADSTS code is not in the table.
BY_ERROR = {
    "invalid_grant": LoginRequired,
    "interaction_required": LoginRequired,
    "consent_required": LoginRequired,
    "login_required": LoginRequired,
    "access_denied": LoginRequired,
    "invalid_client": ConfigError,
    "unauthorized_client": ConfigError,
    "invalid_request": ConfigError,
    "invalid_scope": ConfigError,
    "temporarily_unavailable": TryLater,
    "server_error": TryLater,
}


def aadsts_code(result: dict) -> int | None:
    """The first AADSTS number of an error answer, from error_codes or the text."""
    codes = result.get("error_codes") or []
    if codes:
        try:
            return int(codes[0])
        except (TypeError, ValueError):
            pass
    match = re.search(r"AADSTS(\d+)", str(result.get("error_description", "")))
    return int(match.group(1)) if match else None


def from_msal(result: dict, account, redirect: str | None = None) -> Error:
    """The exception for an MSAL error dict, phrased for ``account``."""
    code = aadsts_code(result)
    said = _microsoft_said(result, code)
    fields = _fields(account, redirect)
    tag = "AADSTS%d" % code if code else result.get("error")
    by_text = _by_text(code, str(result.get("error_description") or ""))
    if by_text is None and code in KNOWN:
        by_text = KNOWN[code]
    if by_text is not None:
        kind, what, fix = by_text
        hint = fix.format(**fields) if fix else login_hint(account.name)
        return kind(what.format(**fields), problems=[said], hint=hint, code=tag)
    return _unknown(result.get("error"), code, said, fields, tag)


# Errors whose text, not code, says what happened (some arrive without a code).
SIGN_IN_FREQUENCY = re.compile(r"maximum allowed lifetime for this request is (\d+)")


def _by_text(code, text: str):
    """(kind, what, fix) read from Microsoft's words, or None."""
    lowered = text.lower()
    if "useraudience" in lowered and "consumer" in lowered:
        return (ConfigError,) + PERSONAL_ONLY
    if code == 70043 or "sign-in frequency" in lowered:
        lifetime = SIGN_IN_FREQUENCY.search(text)
        every = " (here every %s)" % _duration(int(lifetime.group(1))) if lifetime else ""
        return (LoginRequired, "Your organisation's Conditional Access sign-in frequency ended "
                "the stored login of [account {name}].",
                "Run: offlineimap-oauth login {name}\nThis will recur at the interval your "
                "organisation set%s; only an admin can change it." % every)
    if code == 70000 and "scope" in lowered and "unauthorized" in lowered:
        return (ConfigError, "The scopes of [account {name}] were not granted to app "
                "{client_id} (or the grant expired).",
                "In " + APP_PORTAL + " -> API permissions add IMAP.AccessAsUser.All, "
                "SMTP.Send (and POP.AccessAsUser.All) as delegated permissions and grant "
                "consent if your organisation requires it; then run: offlineimap-oauth login "
                "{name}")
    if code == 70000 and "different client" in lowered:
        return (LoginRequired, "The stored login of [account {name}] was made for another "
                "app than client_id {client_id}.", None)
    if code == 70000:
        return (LoginRequired, "Microsoft wants a new sign-in for [account {name}].", None)
    return None


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return "%d %s%s" % (count, unit, "" if count == 1 else "s")
    return "%d seconds" % seconds


# Errors that may or may not go away with a new login: without knowing the
# code, say what is known instead of promising that a login fixes it.
UNCLEAR = frozenset({"invalid_grant", "interaction_required", "access_denied"})


def _unknown(error, code, said, fields, tag) -> Error:
    name = fields["name"]
    lookup = "Microsoft explains the code at " + ERROR_LOOKUP % code if code else None
    if code and error in UNCLEAR:
        return Error("Microsoft refused [account %s] with AADSTS%d, a code this program has no "
                     "explanation for yet." % (name, code), problems=[said],
                     hint=lookup + "\nWhether a new login helps depends on that explanation "
                     "(offlineimap-oauth login %s starts one)." % name, code=tag)
    kind = BY_ERROR.get(error, Error)
    hint = {LoginRequired: login_hint(name),
            TryLater: "Try again later.",
            ConfigError: "Check [account %s] in %s and the app registration." % (
                name, fields["source"])}.get(kind, "Run again with -v for details.")
    if lookup:
        hint += "\n" + lookup
    return kind("Microsoft refused the request for [account %s]." % name,
                problems=[said], hint=hint, code=tag)


def _microsoft_said(result: dict, code: int | None) -> str:
    text = str(result.get("error_description") or result.get("error") or "no details")
    first = text.strip().splitlines()[0] if text.strip() else text
    if code and "AADSTS" not in first:
        first = "AADSTS%d: %s" % (code, first)
    return "Microsoft said: " + first


def _fields(account, redirect: str | None) -> dict:
    return {
        "name": account.name,
        "user": account.user,
        "tenant": account.tenant,
        "client_id": account.client_id,
        # The redirect the login uses when accounts.conf names none (flows.py).
        "redirect": redirect or account.redirect_uri or (
            NATIVECLIENT_REDIRECT if account.confidential else "http://localhost"),
        "source": account.source or "accounts.conf",
    }


def server_refusal(text: str, account) -> tuple:
    """(what happened, what to do) for an IMAP/SMTP server's refusal text."""
    from offlineimap_oauth.refusals import refusal

    error = refusal(text, account)
    return error.message, error.hint
