"""The directory of the simulated identity platform: who and what exists.

Offers :class:`Directory`, the calls tests set the world up with:
``add_org``, ``add_user``, ``register_app``, ``sign_in_as``, ``revoke``,
``expire_refresh_tokens`` and ``reset_counts``, and the lookups the
endpoints use (``_user``, ``_default_user``).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Optional

from .model import CONSUMERS_TENANT_ID, DEFAULT_REDIRECT_URIS, App, Org, User


class Directory:
    """Part of FakeIdentityPlatform: organisations, users, apps, sign-in.

    Uses the platform's ``_lock``, ``_orgs``, ``_users``, ``_apps``,
    ``_signed_in``, ``_serial`` and ``counts``.
    """

    def add_org(self, tenant_id, domains=("contoso.onmicrosoft.com",), name=None):
        """Register an organisation (tenant GUID and its domains)."""
        name = name or (domains[0].split(".")[0].capitalize() if domains else tenant_id)
        org = Org(tenant_id.lower(), tuple(d.lower() for d in domains), name)
        with self._lock:
            for key in (org.tenant_id,) + org.domains:
                self._orgs[key] = org
        return org

    def add_user(self, username, *, tenant_id=CONSUMERS_TENANT_ID, name=None) -> User:
        """Add a personal (consumers) or work (org tenant) account."""
        tenant_id = tenant_id.lower()
        if tenant_id != CONSUMERS_TENANT_ID and tenant_id not in self._orgs:
            raise ValueError("add_org(%r) before adding users to it" % tenant_id)
        user = User(username, tenant_id, self._oid(username, tenant_id),
                    name or username.split("@")[0].replace(".", " ").title())
        with self._lock:
            self._users[username.lower()] = user
        return user

    @staticmethod
    def _oid(username, tenant_id):
        digest = hashlib.sha256(username.lower().encode("utf-8")).hexdigest()
        if tenant_id == CONSUMERS_TENANT_ID:  # MSA object ids look like this
            return "00000000-0000-0000-%s-%s" % (digest[:4], digest[4:16])
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s" % (tenant_id, username.lower())))

    def register_app(self, client_id, *, audience, secret=None, secret_id=None,
                     secret_expired=False, redirect_uris=DEFAULT_REDIRECT_URIS,
                     public_client=False, name="mail app") -> App:
        """Register an application.

        audience: "consumers", "organizations", "common" or an org GUID.
        ``secret`` makes it confidential; ``public_client`` is Azure's "Allow
        public client flows" (device code; no secret required).
        """
        if audience not in ("consumers", "organizations", "common") and \
                audience.lower() not in self._orgs:
            raise ValueError("unknown audience %r: add_org() first" % audience)
        app = App(client_id, audience.lower(), secret, secret_id or str(uuid.uuid4()),
                  secret_expired, tuple(redirect_uris), public_client, name)
        with self._lock:
            self._apps[client_id] = app
        return app

    def sign_in_as(self, username):
        """The account later sign-ins use (sticky; ``None`` restores the default:
        the login_hint when it is a known user, else the first user added)."""
        if username is not None and username.lower() not in self._users:
            raise ValueError("unknown user %r" % username)
        self._signed_in = username.lower() if username else None

    def revoke(self, username):
        """Invalidate every refresh and access token of that user issued so far."""
        with self._lock:
            self._user(username).revoked_serial = self._serial

    def revoke_access_tokens(self, username):
        """Servers refuse that user's access tokens issued so far; refresh tokens
        stay valid (the seed's 2021 outage: only a fresh token worked)."""
        with self._lock:
            self._user(username).at_revoked_serial = self._serial

    def expire_refresh_tokens(self, username):
        """Make that user's refresh tokens issued so far expired (AADSTS700082)."""
        with self._lock:
            self._user(username).rt_expired_serial = self._serial

    def _user(self, username) -> User:
        try:
            return self._users[username.lower()]
        except KeyError:
            raise ValueError("unknown user %r" % username) from None

    def _default_user(self, login_hint=None) -> Optional[User]:
        if self._signed_in:
            return self._users[self._signed_in]
        if login_hint and login_hint.lower() in self._users:
            return self._users[login_hint.lower()]
        return next(iter(self._users.values()), None)

    def reset_counts(self):
        self.counts.clear()
