"""Refusals worded the way Google words them.

Token endpoint errors are JSON ``{"error": ..., "error_description": ...}``
with HTTP 400 or 401.  What Google refuses at the authorize endpoint before
it trusts the redirect URI (unknown client, redirect mismatch, oob, a
non-test user of an app in "Testing") is shown on Google's own page: the
browser is sent to ``/signin/oauth/error/v2?authError=<base64>&client_id=``
and never comes back to the app.  Real ``authError`` is an opaque base64
blob in which the error word appears; here it is base64 of
"<error>: <text>".
"""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import urlencode

from ..idp.model import Reply


class GoogleError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__("%s: %s" % (error, description))
        self.error, self.description, self.status = error, description, status

    def as_json(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def json_reply(status: int, obj) -> Reply:
    return Reply(status, {"Content-Type": "application/json; charset=utf-8",
                          "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
                          "Pragma": "no-cache"}, json.dumps(obj, indent=2).encode("utf-8"))


def redirect_reply(location: str) -> Reply:
    return Reply(302, {"Location": location, "Content-Type": "text/html; charset=UTF-8"},
                 b"<HTML><BODY>Moved</BODY></HTML>")


def error_page_location(base_url: str, error: GoogleError, client_id: str) -> str:
    blob = base64.urlsafe_b64encode(("%s: %s" % (error.error, error.description))
                                    .encode("utf-8")).decode("ascii").rstrip("=")
    return "%s/signin/oauth/error/v2?%s" % (base_url, urlencode(
        {"authError": blob, "client_id": client_id}))


def error_page(title: str, error: str, text: str, status: int) -> Reply:
    body = ("<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1>"
            "<p>%s</p><p>Error %d: %s</p></body></html>" % (
                html.escape(title), html.escape(title), html.escape(text), status,
                html.escape(error))).encode("utf-8")
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, body)


# The texts Google shows or answers (see offlineimap_oauth/providers/google/explain.py
# for the public reports they were checked against).
def unknown_client(client_id):
    return GoogleError("invalid_client", "The OAuth client was not found.", 401)


def wrong_secret():
    return GoogleError("invalid_client", "Unauthorized", 401)


def missing_secret():
    return GoogleError("invalid_request", "client_secret is missing.", 400)


def redirect_mismatch(uri):
    return GoogleError("redirect_uri_mismatch", "You can't sign in to this app because it "
                       "doesn't comply with Google's OAuth 2.0 policy. If you're the app "
                       "developer, register the redirect URI in the Google Cloud Console. "
                       "Request details: redirect_uri=%s" % uri, 400)


def oob_blocked():
    return GoogleError("invalid_request", "The out-of-band (OOB) flow has been blocked in order "
                       "to keep users secure. Follow the Out-of-Band (OOB) flow migration guide "
                       "linked in the developer docs below to migrate your app to an alternative "
                       "method. Request details: redirect_uri=%s" % "urn:ietf:wg:oauth:2.0:oob")


def not_a_test_user(app):
    return GoogleError("access_denied", "%s has not completed the Google verification process. "
                       "The app is currently being tested, and can only be accessed by "
                       "developer-approved testers." % app, 403)


def revoked():
    return GoogleError("invalid_grant", "Token has been expired or revoked.")


def bad_code():
    return GoogleError("invalid_grant", "Bad Request")


def bad_verifier():
    return GoogleError("invalid_grant", "Invalid code verifier.")


def missing_verifier():
    return GoogleError("invalid_grant", "Missing code verifier.")
