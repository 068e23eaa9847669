"""Refusals worded the way Entra ID words them.

Offers :class:`AadError` (OAuth error, AADSTS code, text, HTTP status, and
Microsoft's token-endpoint error JSON), the constructors of the AADSTS
errors several endpoints share (unknown client, redirect URI mismatch,
malformed grant, grant of another client), and ``_fault_body``: the JSON
of an injected 5xx fault.
"""

from __future__ import annotations

import uuid
from typing import Optional

from .encoding import _ms_timestamp
from .model import ERROR_URI


class AadError(Exception):
    """A refusal the way Entra ID words it: OAuth error, AADSTS code, text."""

    def __init__(self, error: str, code: int, text: str, status: int = 400):
        super().__init__("%s AADSTS%d: %s" % (error, code, text))
        self.error, self.code, self.text, self.status = error, code, text, status

    def as_json(self, correlation_id: Optional[str] = None) -> dict:
        """Microsoft's token-endpoint error body."""
        trace_id, stamp = str(uuid.uuid4()), _ms_timestamp()
        correlation_id = correlation_id or str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s"
                                 "\r\nTimestamp: %s" % (self.code, self.text, trace_id,
                                                         correlation_id, stamp),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": ERROR_URI % self.code,
        }


def _err_unknown_client(client_id, directory):
    return AadError("unauthorized_client", 700016, (
        "Application with identifier '%s' was not found in the directory '%s'. This can "
        "happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant.") % (client_id, directory))


def _err_redirect(uri, client_id):
    return AadError("invalid_request", 50011, (
        "The redirect URI '%s' specified in the request does not match the redirect URIs "
        "configured for the application '%s'. Make sure the redirect URI sent in the "
        "request matches one added to your application in the Azure portal. Navigate to "
        "https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
    ) % (uri, client_id))


def _err_invalid_grant_generic():
    return AadError("invalid_grant", 9002313,
                    "Invalid request. Request is malformed or invalid.")


def _err_other_client():
    return AadError("invalid_grant", 70000, "Provided grant is invalid or malformed. "
                    "The grant was issued to a different client.")


def _fault_body(status: int) -> dict:
    if status == 503:
        err = AadError("temporarily_unavailable", 90033,
                       "A transient error has occurred. Please try again.", 503)
    else:
        err = AadError("server_error", 50000, "There was an error issuing a token or an "
                       "issue with our sign-in service.", status)
    return err.as_json()
