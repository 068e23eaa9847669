"""The accounts file: one ``[account NAME]`` section per mailbox.

``parse(text, source)`` turns the INI text into :class:`Account` objects and
reports every problem at once (file:line, section, key, what to write
instead); ``load(path)`` reads the file; ``find(accounts, name)`` picks one.

This module is on the token hot path: stdlib only, no dataclasses, pathlib
or typing imports (each costs more than serving a cached token).
"""

from __future__ import annotations

import configparser
import json
import re

from offlineimap_oauth.errors import ConfigError

OUTLOOK_RESOURCE = "https://outlook.office.com/"
DEFAULT_SCOPES = (
    OUTLOOK_RESOURCE + "IMAP.AccessAsUser.All",
    # The seed's author found SMTP XOAUTH2 failing without the POP permission.
    OUTLOOK_RESOURCE + "POP.AccessAsUser.All",
    OUTLOOK_RESOURCE + "SMTP.Send",
)
# MSAL adds these itself and refuses them as input; users copy them from
# Microsoft's docs, so they are accepted and dropped.
RESERVED_SCOPES = frozenset({"offline_access", "openid", "profile"})
# Bare names resolve to Microsoft Graph, whose tokens Outlook's IMAP/SMTP refuse.
BARE_OUTLOOK_SCOPES = frozenset({"imap.accessasuser.all", "pop.accessasuser.all", "smtp.send"})
# Resources whose tokens Exchange Online's IMAP and SMTP accept.
OUTLOOK_RESOURCES = ("https://outlook.office.com/", "https://outlook.office365.com/")
NATIVECLIENT_REDIRECT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
LOCALHOST_REDIRECT = "http://localhost"
PUBLIC_CLOUD = "https://login.microsoftonline.com"
TENANT_WORDS = ("consumers", "organizations", "common")
FLOWS = ("auto", "paste", "localhost", "device")
# Mirrors msal.authority.WELL_KNOWN_AUTHORITY_HOSTS without importing MSAL:
# any other host gets instance_discovery=False, else MSAL asks
# login.microsoftonline.com about it on every call.
MICROSOFT_HOSTS = frozenset({
    "login.microsoftonline.com", "login.microsoft.com", "login.windows.net",
    "sts.windows.net", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn",
    "login.microsoftonline.de", "login-us.microsoftonline.com",
    "login.microsoftonline.us", "login.usgovcloudapi.net",
    "login.sovcloud-identity.fr", "login.sovcloud-identity.de",
})
# Where each cloud serves mailboxes: authority host -> (IMAP host, SMTP host).
PUBLIC_MAIL = ("outlook.office365.com", "smtp.office365.com")
CLOUD_MAIL = {
    "login.microsoftonline.us": ("outlook.office365.us", "smtp.office365.us"),
    "login-us.microsoftonline.com": ("outlook.office365.us", "smtp.office365.us"),
    "login.usgovcloudapi.net": ("outlook.office365.us", "smtp.office365.us"),
    "login.chinacloudapi.cn": ("partner.outlook.cn", "smtp.partner.outlook.cn"),
    "login.partner.microsoftonline.cn": ("partner.outlook.cn", "smtp.partner.outlook.cn"),
    "login.microsoftonline.de": ("outlook.office.de", "smtp.office.de"),
}
# Personal Microsoft account domains: a hint for which tenant to choose.
PERSONAL_DOMAINS = re.compile(r"@(outlook|hotmail|live|msn|windowslive|passport)\.", re.I)

KEYS = ("user", "client_id", "client_secret", "client_secret_command", "tenant",
        "authority", "scopes", "redirect_uri", "flow", "notify_command")
KEYS += ("token_store", "gpg_key", "plaintext_access_token")  # where tokens live (vault/)
KEYS += ("provider",)  # microsoft (the default) or google: providers/
# Keys of Google's client JSON, refused in a Microsoft section by name.
GOOGLE_ONLY = ("auth_uri", "token_uri")
MICROSOFT_ONLY = ("tenant", "authority", "redirect_uri")  # refused in a Google section
TOKEN_STORES = ("plain", "gpg", "keyring")
BOOLEANS = {"yes": True, "true": True, "on": True, "1": True,
            "no": False, "false": False, "off": False, "0": False}
SECTION_PREFIX = "account "
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$", re.I)


class Account:
    """One mailbox's OAuth2 settings, validated.  Holds no tokens."""

    provider = "microsoft"  # providers.DEFAULT; Google's is providers/google/settings.py

    __slots__ = ("name", "user", "client_id", "client_secret", "client_secret_command",
                 "authority", "tenant", "scopes", "redirect_uri", "flow", "notify_command",
                 "source", "token_store", "gpg_key", "plaintext_access_token")

    def __init__(self, **fields):
        for slot in self.__slots__:
            setattr(self, slot, fields.get(slot))

    def __repr__(self) -> str:  # never shows the secret
        return "Account(%r, user=%r, authority=%r)" % (self.name, self.user, self.authority)

    @property
    def confidential(self) -> bool:
        """True when the app is a confidential client (it has a secret)."""
        return bool(self.client_secret or self.client_secret_command)

    @property
    def instance_discovery(self) -> bool:
        """Whether MSAL may ask Microsoft about this authority's host."""
        return _host(self.authority) in MICROSOFT_HOSTS

    def binding(self) -> dict:
        """The settings stored tokens belong to; a change makes them unusable.

        Left out on purpose: the secret (rotating an expired secret must not
        throw away a good refresh token) and the tenant (the refresh token
        goes to the same host, and Microsoft's answer to a wrong tenant,
        e.g. AADSTS9002331, explains more than "log in again" would).
        """
        return {
            "user": self.user.lower(),
            "client_id": self.client_id.lower(),
            "host": _host(self.authority),
            "scopes": sorted(scope.lower() for scope in self.scopes),
        }

    def client_secret_value(self) -> str | None:
        """The client secret, running ``client_secret_command`` if that is how it is given."""
        from offlineimap_oauth.secret_command import client_secret_value

        return client_secret_value(self)


def load(path: str) -> dict:
    """Read and validate the accounts file at ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(
            "No accounts file at %s." % path,
            hint="Create it (see README, 'accounts.conf'), or run: offlineimap-oauth convert --write",
        ) from None
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    except OSError as error:
        raise ConfigError("Cannot read the accounts file %s: %s" % (path, error)) from None
    found = parse(text, path)
    if not found:
        raise ConfigError(
            "%s has no accounts." % path,
            hint="Add an [account NAME] section with user, client_id and tenant (see README, "
                 "'accounts.conf'), or run: offlineimap-oauth convert --write")
    return found


def _not_utf8(path: str, error: UnicodeDecodeError) -> ConfigError:
    """file:line:col of the first byte that is not UTF-8."""
    with open(path, "rb") as handle:
        data = handle.read()
    before = data[:error.start]
    line = before.count(b"\n") + 1
    column = error.start - (before.rfind(b"\n") + 1) + 1
    return ConfigError("%s:%d:%d: byte 0x%02x is not UTF-8." % (path, line, column,
                                                               data[error.start]),
                       hint="Save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8).")


def find(accounts: dict, name: str, source: str = "accounts.conf") -> Account:
    """The account called ``name``, or an error listing the names there are."""
    if name in accounts:
        return accounts[name]
    known = ", ".join(sorted(accounts)) or "none"
    raise ConfigError(
        "No account named %r in %s (accounts there: %s)." % (name, source, known),
        hint="Add an [account %s] section, or use one of the names above." % name,
    )


def parse(text: str, source: str = "<string>") -> dict:
    """Validate the INI ``text``; every problem is reported in one ConfigError."""
    parser = configparser.ConfigParser(
        interpolation=None,  # secrets may contain '%'
        inline_comment_prefixes=None,  # _value() strips them, knowing about quotes
        default_section="DEFAULT",
    )
    try:
        parser.read_string(text, source)
    except configparser.Error as error:
        raise ConfigError("%s is not a valid INI file." % source,
                          problems=[_parser_error(error, source)],
                          hint="Fix that line and try again.") from None
    lines = _LazyLines(text)  # line numbers are only needed for problems
    problems = []
    accounts = {}
    for section in parser.sections():
        where = "%s:%d: [%s]" % (source, lines.get((section, None), 0), section)
        if not section.startswith(SECTION_PREFIX):
            problems.append("%s: unknown section; accounts are written [account NAME]" % where)
            continue
        account, section_problems = _account(section, parser[section], source, lines)
        problems.extend(section_problems)
        if account is not None:
            accounts[account.name] = account
    if problems:
        raise ConfigError("%s has %d problem(s):" % (source, len(problems)), problems=problems,
                          hint="Fix them and run the command again.")
    return accounts


def _account(section: str, values, source: str, lines: dict):
    """Build one Account; returns (account or None, problems)."""
    name = section[len(SECTION_PREFIX):].strip()
    problems = []

    def where(key=None):
        line = lines.get((section, key)) or lines.get(("DEFAULT", key)) or lines.get((section, None), 0)
        return "%s:%d: [%s]%s" % (source, line, section, " " + key if key else "")

    def problem(key, text):
        problems.append("%s: %s" % (where(key), text))

    if not NAME_RE.fullmatch(name):
        problem(None, "account names use letters, digits and . _ @ + - (it names the token file)")
    raw = {}
    for key, value in values.items():
        try:
            raw[key] = _value(key, value)
        except ValueError as error:
            problem(key, str(error))
    fields = {"name": name, "source": source,
              "notify_command": raw.get("notify_command") or None}
    provider = (raw.get("provider") or "microsoft").lower()
    if provider == "google":
        # Microsoft's keys set once in [DEFAULT] (tenant = consumers, say) are for the
        # Microsoft sections: a Google section refuses only those it writes itself.
        inherited = values.parser.defaults()
        for key in [key for key in raw if key in MICROSOFT_ONLY and key in inherited]:
            if lines.get((section, key)) is None:
                del raw[key]
        return _google_account(raw, fields, problem, problems)
    if provider != "microsoft":
        problem("provider", "%r is not one of microsoft, google (default microsoft)" % provider)
    for key in [key for key in raw if key not in KEYS]:
        raw.pop(key)
        if key in GOOGLE_ONLY and key in values.parser.defaults() \
                and lines.get((section, key)) is None:
            continue  # set in [DEFAULT] for the Google sections
        if key in GOOGLE_ONLY:
            problem(key, "is for provider = google; a Microsoft account's endpoints come from "
                    "its authority (use authority = https://HOST/TENANT)")
        else:
            problem(key, "unknown key%s" % _did_you_mean(key))
    for check in (_check_identity, _check_secret, _check_authority, _check_scopes, _check_flow,
                  _check_token_store):
        check(raw, fields, problem)
    if problems:
        return None, problems
    return Account(**fields), problems


def _google_account(raw, fields, problem, problems):
    """A ``provider = google`` section: providers/google/settings.py checks it (stdlib only)."""
    from offlineimap_oauth.providers.google import settings

    settings.check(raw, fields, problem)
    _check_token_store(raw, fields, problem)
    if problems:
        return None, problems
    return settings.GoogleAccount(**fields), problems


def _check_identity(raw, fields, problem):
    user = raw.get("user", "")
    if not user:
        problem("user", "missing; set user = your mail address (the IMAP/SMTP login)")
    elif "@" not in user:
        problem("user", "%r is not a mail address; XOAUTH2 logs in with the full address" % user)
    client_id = raw.get("client_id", "")
    if not client_id:
        problem("client_id", "missing; copy 'Application (client) ID' from the app's Overview page")
    elif not GUID_RE.fullmatch(client_id):
        problem("client_id", "%r is not a GUID; copy 'Application (client) ID' from the "
                "app's Overview page" % client_id)
    fields.update(user=user, client_id=client_id)


def _check_secret(raw, fields, problem):
    secret, command = raw.get("client_secret"), raw.get("client_secret_command")
    if secret and command:
        problem("client_secret", "give client_secret or client_secret_command, not both")
    if secret is not None and not secret:
        problem("client_secret", "empty; remove the key for a public client")
    fields.update(client_secret=secret or None, client_secret_command=command or None)


def _check_authority(raw, fields, problem):
    tenant, authority = raw.get("tenant"), raw.get("authority")
    if authority:
        authority = authority.rstrip("/")
        match = re.match(r"^https://([^/\s?#]+)/([^/\s?#]+)$", authority)
        if not match:
            problem("authority", "%r is not https://HOST/TENANT (e.g. "
                    "https://login.microsoftonline.us/contoso.onmicrosoft.com)" % authority)
            return
        if tenant and tenant.lower() != match.group(2).lower():
            problem("tenant", "%r disagrees with authority %r; keep one of the two" % (tenant, authority))
            return
        tenant = match.group(2)
    elif not tenant:
        problem("tenant", "missing; %s" % _tenant_advice(raw.get("user", "")))
        return
    if not _valid_tenant(tenant):
        problem("tenant", "%r is not a tenant; %s" % (tenant, _tenant_advice(raw.get("user", ""))))
        return
    fields.update(tenant=tenant, authority=authority or "%s/%s" % (PUBLIC_CLOUD, tenant))


def _check_scopes(raw, fields, problem):
    text = raw.get("scopes")
    scopes, refused = [], []
    for scope in re.split(r"[\s,]+", text.strip()) if text else DEFAULT_SCOPES:
        if not scope or scope.lower() in RESERVED_SCOPES:
            continue
        if not scope.lower().startswith(OUTLOOK_RESOURCES):
            refused.append(scope)
        elif scope not in scopes:
            scopes.append(scope)
    if refused:
        problem("scopes", not_outlook(refused, scopes))
    elif not scopes:
        problem("scopes", "no scopes left after dropping offline_access/openid/profile; "
                "remove the key to use IMAP, POP and SMTP")
    fields["scopes"] = tuple(scopes)


def not_outlook(refused: list, kept: list) -> str:
    """What to write instead of scopes of Microsoft Graph or another resource."""
    names = [scope.rstrip("/").rsplit("/", 1)[-1] for scope in refused]
    wanted = [OUTLOOK_RESOURCE + DEFAULT_NAMES[name.lower()] for name in names
              if name.lower() in DEFAULT_NAMES]
    line = kept + [scope for scope in wanted if scope not in kept] or list(DEFAULT_SCOPES)
    graph = [scope for scope in refused if "://" not in scope or "graph.microsoft.com" in scope]
    why = ("asks Microsoft Graph" if len(graph) == len(refused) else
           "is not Outlook's resource") + ", whose tokens Outlook's IMAP and SMTP refuse"
    first = wanted[0] if wanted else line[0]
    return "write %s instead of %s, which %s; the whole line: scopes = %s" % (
        first, " ".join(refused), why, " ".join(line))


DEFAULT_NAMES = {scope.rsplit("/", 1)[-1].lower(): scope.rsplit("/", 1)[-1]
                 for scope in DEFAULT_SCOPES}


def _check_flow(raw, fields, problem):
    flow = (raw.get("flow") or "auto").lower()
    if flow not in FLOWS:
        problem("flow", "%r is not one of %s" % (flow, ", ".join(FLOWS)))
    elif flow == "device" and (raw.get("client_secret") or raw.get("client_secret_command")):
        problem("flow", "the device flow needs a public client (an app without a secret); "
                "use flow = paste with a client secret")
    redirect = raw.get("redirect_uri") or None
    if redirect and not re.match(r"^(https://|http://(localhost|127\.0\.0\.1)([:/]|$))", redirect):
        problem("redirect_uri", "%r: Microsoft accepts https:// or http://localhost redirects" % redirect)
    fields.update(flow=flow, redirect_uri=redirect)


def _check_token_store(raw, fields, problem):
    mode = (raw.get("token_store") or "plain").lower()
    plaintext = (raw.get("plaintext_access_token") or "yes").lower()
    if mode not in TOKEN_STORES:
        problem("token_store", "%r is not one of %s" % (mode, ", ".join(TOKEN_STORES)))
    elif mode == "gpg" and not raw.get("gpg_key"):
        problem("gpg_key", "missing; token_store = gpg encrypts to this key: set gpg_key = "
                "your key's fingerprint, ID or mail address (see gpg --list-secret-keys)")
    if plaintext not in BOOLEANS:
        problem("plaintext_access_token", "%r is not yes or no" % plaintext)
    elif not BOOLEANS[plaintext] and mode == "plain":
        problem("plaintext_access_token", "no needs token_store = gpg or keyring (plain keeps "
                "every token in plaintext)")
    fields.update(token_store=mode, gpg_key=raw.get("gpg_key") or None,
                  plaintext_access_token=BOOLEANS.get(plaintext, True))


def _valid_tenant(tenant: str) -> bool:
    return tenant.lower() in TENANT_WORDS or bool(GUID_RE.fullmatch(tenant)
                                                  or DOMAIN_RE.fullmatch(tenant))


def _tenant_advice(user: str) -> str:
    if PERSONAL_DOMAINS.search(user or ""):
        return "set tenant = consumers (%s is a personal Microsoft account)" % user
    return ("set tenant = consumers for outlook.com/hotmail/live addresses, organizations "
            "(or your organisation's domain or tenant ID) for Microsoft 365")


def _value(key: str, value: str) -> str:
    """A value as README promises: "..." with JSON escapes is taken whole (any
    secret fits); otherwise ' ;' or ' #' starts a comment.  A secret is never
    cut silently: a comment after an unquoted client_secret is an error."""
    value = value.strip()
    if value.startswith('"'):
        try:
            decoded, end = json.JSONDecoder().raw_decode(value)
        except ValueError:
            raise ValueError('the quote that opens the value is never closed (or a \\ escape '
                             'is not JSON); write it as "..." with \\" for a quote and \\\\ '
                             'for a backslash') from None
        rest = value[end:].strip()
        if not isinstance(decoded, str) or rest and rest[0] not in ";#":
            raise ValueError("after the closing quote only a ; or # comment may follow")
        return decoded
    comment = re.search(r"\s[;#]", value)
    if comment is None:
        return value
    if key == "client_secret":
        raise ValueError("the text from ' %s' on would be read as a comment and cut from the "
                         "secret; if it belongs to the secret, write client_secret = \"...\" "
                         "(JSON escapes), else remove it" % value[comment.start() + 1])
    return value[:comment.start()].rstrip()


def _did_you_mean(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, KEYS, n=1)
    return "; did you mean %s?" % close[0] if close else "; known keys: " + ", ".join(KEYS)


def _host(url: str) -> str:
    match = re.match(r"^https://([^/:]+)", url or "")
    return match.group(1).lower() if match else ""


class _LazyLines:
    """``_locate(text)`` computed on first lookup: the valid path never pays for it."""

    def __init__(self, text: str):
        self._text, self._found = text, None

    def get(self, key, default=None):
        if self._found is None:
            self._found = _locate(self._text)
        return self._found.get(key, default)


def _locate(text: str) -> dict:
    """Line numbers of sections and keys: {(section, key or None): line}."""
    import io

    found = {}
    section = "DEFAULT"
    # Lines and section names exactly as configparser sees them: read_string
    # splits at \n only (str.splitlines would also split at \x0c, \x1c, \x85,
    # \u2028...), and a header is the stripped line's "[" ... last "]", kept as
    # written (so "[account a ]" is found under the name configparser gives it).
    for number, line in enumerate(io.StringIO(text), 1):
        header = re.match(r"\[(.+)\]", line.strip())
        if header:
            section = header.group(1)
            found.setdefault((section, None), number)
            continue
        key = re.match(r"^([^\s;#=:][^=:]*?)\s*[=:]", line)
        if key:
            found.setdefault((section, key.group(1).strip().lower()), number)
    return found


def _parser_error(error: "configparser.Error", source: str) -> str:
    line = getattr(error, "lineno", None)
    if line is None and getattr(error, "errors", None):
        line = error.errors[0][0]
    message = getattr(error, "message", str(error)).splitlines()[0]
    return "%s:%s: %s" % (source, line if line is not None else "?", message)
