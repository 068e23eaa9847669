"""The simulated Google checks the protocol and answers the way Google does
(raw HTTPS requests, no library in between)."""

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.fakes.google.fixtures import USER, gmail, google  # noqa: F401 - fixtures


def call(google, path, form=None, query=None, headers=None):
    url = google.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=google.ca.client_context()) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def authorize(google, **params):
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", int(google.base_url.rsplit(":", 1)[1]),
                                       context=google.ca.client_context())
    conn.request("GET", "/o/oauth2/v2/auth?" + urllib.parse.urlencode(params))
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.getheader("Location")


VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")


def code_for(gmail, redirect="http://127.0.0.1:5555/", **extra):
    params = dict(client_id=gmail.client.client_id, redirect_uri=redirect, response_type="code",
                  scope="https://mail.google.com/", state="S", code_challenge=CHALLENGE,
                  code_challenge_method="S256", access_type="offline", login_hint=USER)
    params.update(extra)
    status, location = authorize(gmail.google, **params)
    assert status == 302
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return query


def redeem(gmail, code, verifier=VERIFIER, redirect="http://127.0.0.1:5555/", **changes):
    form = dict(grant_type="authorization_code", code=code, redirect_uri=redirect,
                client_id=gmail.client.client_id, client_secret=gmail.client.secret,
                code_verifier=verifier)
    form.update(changes)
    return call(gmail.google, "/token", {k: v for k, v in form.items() if v is not None})


def test_code_grant_checks_verifier_secret_redirect_and_reuse(gmail):
    code = code_for(gmail)["code"]
    assert redeem(gmail, code, verifier="w" * 50) == (
        400, {"error": "invalid_grant", "error_description": "Invalid code verifier."})
    assert redeem(gmail, code, client_secret=None) == (
        400, {"error": "invalid_request", "error_description": "client_secret is missing."})
    assert redeem(gmail, code, client_secret="nope") == (
        401, {"error": "invalid_client", "error_description": "Unauthorized"})
    assert redeem(gmail, code, client_id="1-x.apps.googleusercontent.com")[1] == {
        "error": "invalid_client", "error_description": "The OAuth client was not found."}
    assert redeem(gmail, code, redirect="http://127.0.0.1:6666/")[1]["error"] == \
        "redirect_uri_mismatch"
    status, answer = redeem(gmail, code)
    assert status == 200 and answer["token_type"] == "Bearer" and answer["expires_in"] == 3599
    assert answer["refresh_token"].startswith("1//") and answer["access_token"].startswith("ya29.")
    assert answer["refresh_token_expires_in"] == 7 * 24 * 3600  # the client is in "Testing"
    assert redeem(gmail, code)[1] == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_http_basic_client_authentication_and_no_refresh_token_without_offline(gmail):
    code = code_for(gmail, access_type="online")["code"]
    basic = base64.b64encode(("%s:%s" % (gmail.client.client_id, gmail.client.secret))
                             .encode()).decode()
    status, answer = call(gmail.google, "/token", dict(
        grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:5555/",
        code_verifier=VERIFIER), headers={"Authorization": "Basic " + basic})
    assert status == 200 and "refresh_token" not in answer


def test_refresh_tokens_are_not_rotated_and_die_after_a_week_in_testing(gmail):
    refresh_token = redeem(gmail, code_for(gmail)["code"])[1]["refresh_token"]
    form = dict(grant_type="refresh_token", refresh_token=refresh_token,
                client_id=gmail.client.client_id, client_secret=gmail.client.secret)
    status, answer = call(gmail.google, "/token", form)
    assert status == 200 and "refresh_token" not in answer
    assert call(gmail.google, "/token", form)[0] == 200  # the same one works again
    gmail.google.advance(7 * 24 * 3600)
    assert call(gmail.google, "/token", form) == (
        400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})


def test_tokeninfo_by_get_as_dovecot_introspects(gmail):
    answer = redeem(gmail, code_for(gmail)["code"])[1]
    status, info = call(gmail.google, "/tokeninfo", query={"access_token": answer["access_token"]})
    assert status == 200 and info["aud"] == gmail.client.client_id
    assert info["scope"] == "https://mail.google.com/" and int(info["expires_in"]) > 3500
    assert "email" not in info
    status, info = call(gmail.google, "/tokeninfo",
                        query={"access_token": answer["access_token"], "dovecot": "1"})
    assert info["email"] == USER and info["active"] == "true"
    gmail.google.revoke(USER)
    assert call(gmail.google, "/tokeninfo", query={"access_token": answer["access_token"]}) == (
        400, {"error": "invalid_token", "error_description": "Invalid Value"})
    assert gmail.google.counts["tokeninfo"] == 3


@pytest.mark.parametrize("change,error", [
    (dict(redirect_uri="urn:ietf:wg:oauth:2.0:oob"), "invalid_request: The out-of-band"),
    (dict(redirect_uri="https://example.com/cb"), "redirect_uri_mismatch"),
    (dict(client_id="9-nope.apps.googleusercontent.com"), "invalid_client"),
])
def test_refusals_go_to_googles_error_page_not_back_to_the_app(gmail, change, error):
    params = dict(client_id=gmail.client.client_id, redirect_uri="http://127.0.0.1:5555/",
                  response_type="code", scope="https://mail.google.com/", state="S",
                  code_challenge=CHALLENGE, code_challenge_method="S256")
    params.update(change)
    status, location = authorize(gmail.google, **params)
    assert status == 302 and location.startswith(gmail.google.base_url + "/signin/oauth/error/v2")
    blob = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["authError"]
    assert base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)).decode().startswith(error)


def test_pkce_is_required_and_state_passes_through(gmail):
    back = code_for(gmail, code_challenge_method="plain")
    assert back == {"error": "invalid_request", "state": "S"}
    assert code_for(gmail, redirect="http://localhost:1234/cb")["state"] == "S"


def test_faults_and_counters(gmail):
    gmail.google.fail(503, count=1)
    status, body = call(gmail.google, "/token", {"grant_type": "refresh_token"})
    assert status == 503 and body["error"] == "internal_failure"
    assert call(gmail.google, "/token", {"grant_type": "refresh_token"})[0] == 401
    assert gmail.google.counts["refresh_token"] == 2
