"""The checks Entra ID makes before it grants anything.

Offers :class:`Checks`: app audience vs. tenant path (AADSTS9002331,
9002332, 50194, 700016), user vs. tenant (50020, 500200), redirect URI
registration (loopback URIs match on any port), scopes of one resource
(28000) and consent (65001), and the consent the authorize and device
flows record.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import AadError, _err_unknown_client
from .model import App, Tenant, User, _resource_of, _split_scope


class Checks:
    """Part of FakeIdentityPlatform: audience, user, redirect, scope rules.

    Uses the platform's ``_consent``.
    """

    def _check_app_tenant(self, app: App, tenant: Tenant):
        """Raise the error Entra ID gives for this app audience on this path."""
        label = "Application '%s'(%s)" % (app.client_id, app.name)
        if app.audience == "consumers":
            if tenant.kind in ("common", "organizations"):
                raise AadError("invalid_request", 9002331, label + (
                    " is configured for use by Microsoft Account users only. Please use "
                    "the /consumers endpoint to serve this request."))
            if tenant.kind == "org":
                raise _err_unknown_client(app.client_id, tenant.name)
        elif tenant.kind == "consumers" and app.audience != "common":
            raise AadError("invalid_request", 9002332, label + (
                " is configured for use by Azure Active Directory users only. Please do "
                "not use the /consumers endpoint to serve this request."))
        elif app.audience not in ("common", "organizations"):  # single tenant
            if tenant.kind in ("common", "organizations"):
                raise AadError("invalid_request", 50194, label + (
                    " is not configured as a multi-tenant application. Usage of the "
                    "/common endpoint is not supported for such applications created "
                    "after '10/15/2018'. Use a tenant-specific endpoint or configure the "
                    "application to be multi-tenant."))
            if tenant.tenant_id != app.audience:
                raise _err_unknown_client(app.client_id, tenant.name)

    def _check_user_tenant(self, app: App, tenant: Tenant, user: User):
        """Raise the error for a user signing in where their account is not."""
        if tenant.kind == "org" and user.tenant_id != tenant.tenant_id:
            raise self._err_not_in_tenant(app, user, tenant.name)
        if tenant.kind == "consumers" and not user.personal:
            raise self._err_not_in_tenant(app, user, tenant.name)
        if user.personal and (tenant.kind == "organizations" or (
                tenant.kind == "common" and app.audience != "common")):
            raise AadError("invalid_request", 500200, (
                "User account '%s' is a personal Microsoft account. Personal Microsoft "
                "accounts are not supported for this application unless explicitly invited "
                "to an organization. Try signing out and signing back in with an "
                "organizational account.") % user.username)

    @staticmethod
    def _err_not_in_tenant(app, user, tenant_name):
        idp = "live.com" if user.personal else "https://sts.windows.net/%s/" % user.tenant_id
        return AadError("invalid_request", 50020, (
            "User account '%s' from identity provider '%s' does not exist in tenant '%s' "
            "and cannot access the application '%s'(%s) in that tenant. The account needs "
            "to be added as an external user in the tenant first. Sign out and sign in "
            "again with a different Azure Active Directory user account.") % (
                user.username, idp, tenant_name, app.client_id, app.name))

    @staticmethod
    def _redirect_registered(app: App, uri: str) -> bool:
        if uri in app.redirect_uris:
            return True
        asked = urlsplit(uri)
        if asked.scheme != "http" or asked.hostname not in ("localhost", "127.0.0.1"):
            return False
        for registered in map(urlsplit, app.redirect_uris):  # loopback: any port
            if (registered.scheme, registered.hostname) == ("http", asked.hostname) and \
                    (registered.path or "/") == (asked.path or "/"):
                return True
        return False

    def _check_scope(self, app: App, user: User, scope: str):
        resources, _ = _split_scope(scope)
        if len({_resource_of(s).lower() for s in resources}) > 1:
            raise AadError("invalid_scope", 28000, (
                "Provided value for the input parameter scope is not valid because it "
                "contains more than one resource. Scope %s is not valid.") % scope)
        consented = self._consent.get((user.username.lower(), app.client_id), set())
        if any(s.lower() not in consented for s in resources):
            raise AadError("invalid_grant", 65001, (
                "The user or administrator has not consented to use the application with "
                "ID '%s' named '%s'. Send an interactive authorization request for this "
                "user and resource.") % (app.client_id, app.name))

    def _add_consent(self, user: User, app: App, scope: str):
        resources, _ = _split_scope(scope)
        self._consent.setdefault((user.username.lower(), app.client_id), set()).update(
            s.lower() for s in resources)
