"""The device code flow of the simulated identity platform.

Offers :class:`DeviceFlow`: ``POST /{tenant}/oauth2/v2.0/devicecode`` (a
user code and device code for a known client on an allowed tenant, one
resource only), ``approve_device`` for tests, and ``/devicelogin``, a
stand-in for microsoft.com/devicelogin where ``?otc=CODE`` approves.
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Optional

from .encoding import _random_b64url
from .errors import AadError, _err_unknown_client
from .model import (DEVICE_CODE_LIFETIME_S, App, DeviceCode, Reply, Tenant, User,
                    _resource_of, _split_scope)
from .replies import _html_page, _html_reply, _json_reply


class DeviceFlow:
    """Part of FakeIdentityPlatform: start and approve device flows.

    Uses the platform's ``_lock``, ``_apps``, ``_device_codes``, ``base_url``
    and ``device_interval``.
    """

    def _ep_devicecode(self, segment, q, form, headers) -> Reply:
        try:
            tenant = self._resolve_tenant(segment)
            app = self._apps.get(form.get("client_id", ""))
            if app is None:
                raise _err_unknown_client(form.get("client_id", ""), tenant.name)
            self._check_app_tenant(app, tenant)
            resources, _ = _split_scope(form.get("scope", ""))
            if len({_resource_of(s).lower() for s in resources}) > 1:
                raise AadError("invalid_scope", 28000, (
                    "Provided value for the input parameter scope is not valid because it "
                    "contains more than one resource. Scope %s is not valid.") % form["scope"])
        except AadError as e:
            return _json_reply(e.status, e.as_json(headers.get("client-request-id")))
        return _json_reply(200, self._new_device_flow(app, tenant, form.get("scope", "")))

    def _new_device_flow(self, app: App, tenant: Tenant, scope: str) -> dict:
        alphabet = string.ascii_uppercase + string.digits
        user_code = "".join(secrets.choice(alphabet) for _ in range(9))
        flow = DeviceCode("DAQABIQEAAAB" + _random_b64url(180), user_code, app.client_id,
                          scope, tenant.segment, time.time() + DEVICE_CODE_LIFETIME_S)
        self._device_codes[flow.device_code] = flow
        verification_uri = self.base_url + "/devicelogin"
        return {
            "user_code": user_code, "device_code": flow.device_code,
            "verification_uri": verification_uri, "expires_in": DEVICE_CODE_LIFETIME_S,
            "interval": self.device_interval,
            "message": "To sign in, use a web browser to open the page %s and enter the "
                       "code %s to authenticate." % (verification_uri, user_code),
        }

    def approve_device(self, user_code=None, username=None):
        """Approve a pending device flow (the latest one unless ``user_code``)
        as ``username`` (default: the sign-in default)."""
        with self._lock:
            flows = [f for f in self._device_codes.values() if f.user_code == user_code
                     or (user_code is None and f.user is None and not f.redeemed)]
            if not flows:
                raise ValueError("no device flow with user code %r" % user_code)
            user = self._user(username) if username else self._default_user()
            self._approve(flows[-1], user)

    def _approve(self, flow: DeviceCode, user: Optional[User]):
        if user is None:
            raise ValueError("no users: add_user() first")
        flow.user = user
        self._add_consent(user, self._apps[flow.client_id], flow.scope)

    def _ep_devicelogin(self, segment, q, form, headers) -> Reply:
        """A stand-in for microsoft.com/devicelogin: ``?otc=CODE`` approves."""
        if not q.get("otc"):
            return _html_reply(200, _html_page("Enter code", "Enter the code displayed on "
                                               "your app or device: ?otc=CODE"))
        flows = [f for f in self._device_codes.values() if f.user_code == q["otc"].upper()]
        if not flows:
            return _html_reply(400, _html_page("Enter code", "AADSTS70000: That code "
                                               "didn't work. Check the code and try again."))
        self._approve(flows[-1], self._default_user())
        return _html_reply(200, _html_page("Microsoft", "You have signed in to the %s "
                           "application on your device. You may now close this window."
                           % self._apps[flows[-1].client_id].name))
