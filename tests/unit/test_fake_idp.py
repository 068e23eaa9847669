"""Tests of the simulated identity platform, driven by real MSAL in-process."""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import warnings
import webbrowser
from urllib.parse import parse_qsl, urlsplit

import msal
import pytest
import requests

from tests.fakes.fixtures import *  # noqa: F401,F403  (test_ca, idp, ca_env)
from tests.fakes.idp import (
    CONSUMERS_TENANT_ID, NATIVECLIENT_REDIRECT_URI, FakeIdentityPlatform)

SCOPES = ["https://outlook.office.com/IMAP.AccessAsUser.All",
          "https://outlook.office.com/SMTP.Send"]
ORG = "5f0e5a3c-1d2b-4c6e-9f8a-0b1c2d3e4f50"
OTHER_ORG = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PERSONAL_APP = "11111111-1111-4111-8111-111111111111"
ORGS_APP = "22222222-2222-4222-8222-222222222222"
COMMON_APP = "33333333-3333-4333-8333-333333333333"
SINGLE_APP = "44444444-4444-4444-8444-444444444444"
PUBLIC_APP = "55555555-5555-4555-8555-555555555555"
SECRET = "s3cr3t~value"
BROWSER_PY = os.path.join(os.path.dirname(__file__), "..", "fakes", "browser.py")


@pytest.fixture
def world(idp, ca_env):
    """Users and apps of every audience; returns the platform."""
    idp.add_org(ORG, domains=("contoso.onmicrosoft.com", "contoso.com"))
    idp.add_org(OTHER_ORG, domains=("fabrikam.onmicrosoft.com",))
    idp.add_user("alice@outlook.com")
    idp.add_user("bob@contoso.com", tenant_id=ORG)
    idp.add_user("carol@fabrikam.onmicrosoft.com", tenant_id=OTHER_ORG)
    idp.register_app(PERSONAL_APP, audience="consumers", secret=SECRET,
                     secret_id="d2a3f1e0-secret-id", name="Gnus mail")
    idp.register_app(ORGS_APP, audience="organizations", public_client=True)
    idp.register_app(COMMON_APP, audience="common", secret=SECRET)
    idp.register_app(SINGLE_APP, audience=ORG, secret=SECRET)
    idp.register_app(PUBLIC_APP, audience="common", public_client=True)
    return idp


def cca(idp, tenant, client_id, secret=SECRET):
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority=idp.authority(tenant),
        instance_discovery=False)


def pca(idp, tenant, client_id):
    return msal.PublicClientApplication(
        client_id, authority=idp.authority(tenant), instance_discovery=False)


def start_flow(app, scopes=SCOPES, **kwargs):
    with warnings.catch_warnings():  # MSAL recommends form_post; paste needs query
        warnings.simplefilter("ignore")
        return app.initiate_auth_code_flow(
            scopes, redirect_uri=NATIVECLIENT_REDIRECT_URI, response_mode="query", **kwargs)


def landed(idp, flow):
    """Visit the authorize URL; the query of where the browser landed."""
    return dict(parse_qsl(urlsplit(idp.visit(flow["auth_uri"])).query))


def login(idp, app, scopes=SCOPES, **kwargs):
    flow = start_flow(app, scopes, **kwargs)
    return app.acquire_token_by_auth_code_flow(flow, landed(idp, flow))


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def refresh_tokens(app):
    return [rt["secret"] for rt in app.token_cache.search(
        msal.TokenCache.CredentialType.REFRESH_TOKEN)]


def wait_for(predicate, seconds=5):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def codes(result):
    return result.get("error_codes")


# ------------------------------------------------------------- happy paths

def test_auth_code_flow_with_pkce_for_confidential_consumers_app(world):
    app = cca(world, "consumers", PERSONAL_APP)
    result = login(world, app)
    assert "access_token" in result, result
    assert result["access_token"].startswith("EwB")
    assert 1500 <= len(result["access_token"]) <= 2500
    assert result["scope"].split() == SCOPES
    assert result["id_token_claims"]["preferred_username"] == "alice@outlook.com"
    assert result["id_token_claims"]["aud"] == PERSONAL_APP
    [account] = app.get_accounts()
    assert account["home_account_id"].endswith("." + CONSUMERS_TENANT_ID)
    assert account["username"] == "alice@outlook.com"
    assert world.counts["authorize"] == 1 and world.counts["authorization_code"] == 1
    assert world.counts["discovery"] == 1


def test_org_access_token_is_a_long_jwt_for_outlook(world):
    world.sign_in_as("bob@contoso.com")
    result = login(world, cca(world, "organizations", COMMON_APP))
    claims = jwt_claims(result["access_token"])
    assert 1500 <= len(result["access_token"]) <= 2500
    assert claims["aud"] == "https://outlook.office.com"
    assert claims["scp"] == "IMAP.AccessAsUser.All SMTP.Send"
    assert claims["upn"] == claims["unique_name"] == "bob@contoso.com"
    assert claims["tid"] == ORG and claims["appid"] == COMMON_APP
    assert claims["exp"] - claims["iat"] == 3600


def test_tokens_are_signed_with_the_published_key(world):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    world.sign_in_as("bob@contoso.com")
    result = login(world, cca(world, "organizations", COMMON_APP))
    [jwk] = requests.get(world.authority("organizations") + "/discovery/v2.0/keys").json()["keys"]
    number = lambda v: int.from_bytes(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)), "big")
    key = rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
    for token in (result["access_token"], result["id_token"]):
        signed, _, signature = token.rpartition(".")
        key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                   signed.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_domain_tenant_is_discovered_as_its_guid(world):
    world.sign_in_as("bob@contoso.com")
    app = cca(world, "contoso.com", SINGLE_APP)
    assert app.authority.tenant == ORG
    assert "access_token" in login(world, app)


def test_login_hint_picks_the_user(world):
    result = login(world, cca(world, "common", COMMON_APP), login_hint="bob@contoso.com")
    assert result["id_token_claims"]["preferred_username"] == "bob@contoso.com"


def test_refresh_rotates_the_refresh_token(world):
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    [old_rt] = refresh_tokens(app)
    result = app.acquire_token_silent(SCOPES, app.get_accounts()[0], force_refresh=True)
    assert "access_token" in result
    [new_rt] = refresh_tokens(app)
    assert new_rt != old_rt
    assert world.counts["refresh_token"] == 1
    again = cca(world, "consumers", PERSONAL_APP).acquire_token_by_refresh_token(
        old_rt, SCOPES)  # Microsoft keeps old refresh tokens valid
    assert "access_token" in again, again


def test_cached_token_is_served_without_a_request(world):
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    result = app.acquire_token_silent(SCOPES, app.get_accounts()[0])
    assert result["token_source"] == "cache"
    assert world.counts["refresh_token"] == 0


def test_short_lifetime_means_refresh_on_every_silent_call(world):
    world.access_token_lifetime = 200  # under MSAL's 5-minute margin
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    account = app.get_accounts()[0]
    app.acquire_token_silent(SCOPES, account)
    app.acquire_token_silent(SCOPES, account)
    assert world.counts["refresh_token"] == 2


def test_device_flow_for_public_organizations_app(world):
    world.sign_in_as("bob@contoso.com")
    app = pca(world, "organizations", ORGS_APP)
    flow = app.initiate_device_flow(SCOPES)
    assert world.base_url + "/devicelogin" in flow["message"]
    assert flow["user_code"] in flow["message"] and flow["interval"] == 1
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "bob@contoso.com"
    assert world.counts["devicecode"] == 1
    assert world.counts["urn:ietf:params:oauth:grant-type:device_code"] == 2


def test_device_flow_with_explicit_approval(world):
    world.device_auto_approve = False
    app = pca(world, "organizations", ORGS_APP)
    flow = app.initiate_device_flow(SCOPES)
    world.approve_device(flow["user_code"], username="bob@contoso.com")
    assert "access_token" in app.acquire_token_by_device_flow(flow)
    assert world.counts["urn:ietf:params:oauth:grant-type:device_code"] == 1


def test_form_post_answer_is_a_self_submitting_form(world):
    app = pca(world, "common", PUBLIC_APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flow = app.initiate_auth_code_flow(
            SCOPES, redirect_uri="http://localhost:8400", response_mode="form_post")
    page = requests.get(flow["auth_uri"], allow_redirects=False)
    assert page.status_code == 200
    assert 'action="http://localhost:8400"' in page.text and 'name="code"' in page.text


def test_interactive_login_through_the_browser_stand_in(world, monkeypatch, tmp_path):
    log = tmp_path / "browser.log"
    monkeypatch.setenv("BROWSER", "%s %s %%s" % (sys.executable, BROWSER_PY))
    monkeypatch.setenv("FAKE_BROWSER_LOG", str(log))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # BROWSER is read once per process
    result = pca(world, "common", PUBLIC_APP).acquire_token_interactive(SCOPES, timeout=30)
    assert "access_token" in result, result
    assert wait_for(lambda: log.exists() and "Authentication complete" in log.read_text())


def test_browser_stand_in_records_the_nativeclient_landing(world, tmp_path):
    landing = tmp_path / "landed"
    flow = start_flow(cca(world, "consumers", PERSONAL_APP))
    env = dict(os.environ, FAKE_BROWSER_LANDED=str(landing))
    run = subprocess.run([sys.executable, BROWSER_PY, flow["auth_uri"]], env=env,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and run.stdout == ""
    url = landing.read_text().strip()
    assert url.startswith(NATIVECLIENT_REDIRECT_URI + "?code=")
    assert dict(parse_qsl(urlsplit(url).query))["state"] == flow["state"]


def test_browser_stand_in_fails_on_an_error_page(world, tmp_path):
    app = cca(world, "consumers", PERSONAL_APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="https://evil.example/cb")
    run = subprocess.run([sys.executable, BROWSER_PY, flow["auth_uri"]],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and run.stdout == ""
    assert "AADSTS50011" in run.stderr


# ------------------------------------------------------------------ errors

def test_unknown_tenant_fails_discovery(world):
    with pytest.raises(ValueError):
        cca(world, "nosuch.onmicrosoft.com", PERSONAL_APP)
    answer = requests.get(world.authority("nosuch.onmicrosoft.com")
                          + "/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 400 and answer.json()["error_codes"] == [90002]
    assert "Tenant 'nosuch.onmicrosoft.com' not found" in answer.json()["error_description"]


def test_unknown_client_id(world):
    result = pca(world, "common", "99999999-9999-4999-8999-999999999999") \
        .acquire_token_by_refresh_token("whatever", SCOPES)
    assert codes(result) == [700016] and result["error"] == "unauthorized_client"


def test_confidential_app_without_secret(world):
    app = pca(world, "consumers", PERSONAL_APP)
    result = login(world, app)
    assert codes(result) == [7000218] and result["error"] == "invalid_client"


def test_public_app_given_a_secret(world):
    result = login(world, cca(world, "common", PUBLIC_APP))
    assert codes(result) == [700025]


@pytest.mark.parametrize("secret", ["wrong", "d2a3f1e0-secret-id"])
def test_wrong_secret_or_secret_id(world, secret):
    result = login(world, cca(world, "consumers", PERSONAL_APP, secret=secret))
    assert codes(result) == [7000215]
    assert "client secret value, not the client secret ID" in result["error_description"]


def test_expired_secret(world):
    world.register_app(PERSONAL_APP, audience="consumers", secret=SECRET, secret_expired=True)
    assert codes(login(world, cca(world, "consumers", PERSONAL_APP))) == [7000222]


def test_unregistered_redirect_uri_is_an_error_page(world):
    app = cca(world, "consumers", PERSONAL_APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="https://evil.example/cb")
    with pytest.raises(RuntimeError) as raised:
        world.visit(flow["auth_uri"])
    assert ("AADSTS50011: The redirect URI 'https://evil.example/cb' specified in the "
            "request does not match the redirect URIs configured for the application"
            ) in str(raised.value)


def test_redirect_uri_differing_at_the_token_endpoint(world):
    app = cca(world, "consumers", PERSONAL_APP)
    flow = start_flow(app)
    response = landed(world, flow)
    flow["redirect_uri"] = "http://localhost"
    assert codes(app.acquire_token_by_auth_code_flow(flow, response)) == [50011]


def test_wrong_pkce_verifier(world):
    app = cca(world, "consumers", PERSONAL_APP)
    flow = start_flow(app)
    response = landed(world, flow)
    flow["code_verifier"] = "x" * 43
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert codes(result) == [501481] and result["error"] == "invalid_grant"


def test_code_reused(world):
    app = cca(world, "consumers", PERSONAL_APP)
    flow = start_flow(app)
    response = landed(world, flow)
    assert "access_token" in app.acquire_token_by_auth_code_flow(dict(flow), response)
    assert codes(app.acquire_token_by_auth_code_flow(dict(flow), response)) == [54005]


def test_code_expired(world):
    world.code_lifetime = 0
    app = cca(world, "consumers", PERSONAL_APP)
    flow = start_flow(app)
    response = landed(world, flow)
    time.sleep(0.01)
    assert codes(app.acquire_token_by_auth_code_flow(flow, response)) == [70008]


@pytest.mark.parametrize("tenant, client_id, code", [
    ("common", PERSONAL_APP, 9002331),
    ("organizations", PERSONAL_APP, 9002331),
    ("consumers", SINGLE_APP, 9002332),
    ("consumers", ORGS_APP, 9002332),
    ("organizations", SINGLE_APP, 50194),
    ("common", SINGLE_APP, 50194),
    (ORG, PERSONAL_APP, 700016),
    (OTHER_ORG, SINGLE_APP, 700016),
])
def test_app_audience_on_the_wrong_endpoint(world, tenant, client_id, code):
    app = cca(world, tenant, client_id)
    flow = start_flow(app)
    response = landed(world, flow)  # authorize answers with an error redirect
    assert response["error_description"].startswith("AADSTS%d:" % code)
    result = app.acquire_token_by_refresh_token("any", SCOPES)  # and the token endpoint
    assert codes(result) == [code]


def test_personal_only_app_message_names_consumers_endpoint(world):
    result = cca(world, "common", PERSONAL_APP).acquire_token_by_refresh_token("x", SCOPES)
    assert ("Application '%s'(Gnus mail) is configured for use by Microsoft Account users "
            "only. Please use the /consumers endpoint to serve this request." % PERSONAL_APP
            ) in result["error_description"]


def test_personal_user_on_an_org_tenant(world):
    response = landed(world, start_flow(cca(world, ORG, COMMON_APP)))
    assert response["error_description"].startswith("AADSTS50020:")
    # the same user's code redeemed at the org tenant's token endpoint
    flow = start_flow(cca(world, "common", COMMON_APP))
    response = landed(world, flow)
    result = cca(world, ORG, COMMON_APP).acquire_token_by_auth_code_flow(flow, response)
    assert codes(result) == [50020]


def test_device_flow_needs_public_client_flows(world):
    app = pca(world, "common", COMMON_APP)
    flow = app.initiate_device_flow(SCOPES)
    assert codes(app.acquire_token_by_device_flow(flow)) == [7000218]


def test_scopes_of_two_resources(world):
    scopes = SCOPES + ["https://graph.microsoft.com/User.Read"]
    result = login(world, cca(world, "consumers", PERSONAL_APP), scopes=scopes)
    assert codes(result) == [28000]


def test_error_json_looks_like_microsofts(world):
    answer = requests.post(world.authority("consumers") + "/oauth2/v2.0/token", data={
        "client_id": PERSONAL_APP, "grant_type": "refresh_token", "refresh_token": "x",
        "client_secret": "wrong"})
    body = answer.json()
    assert answer.status_code == 401 and body["error"] == "invalid_client"
    first, trace, correlation, stamp = body["error_description"].split("\r\n")
    assert first.startswith("AADSTS7000215: ")
    assert trace == "Trace ID: " + body["trace_id"]
    assert correlation == "Correlation ID: " + body["correlation_id"]
    assert stamp == "Timestamp: " + body["timestamp"] and stamp.endswith("Z")
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=7000215"


@pytest.mark.parametrize("action, code", [("revoke", 50173),
                                          ("expire_refresh_tokens", 700082)])
def test_refresh_after_revocation_or_expiry(world, action, code):
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    getattr(world, action)("alice@outlook.com")
    account = app.get_accounts()[0]
    result = app.acquire_token_silent_with_error(SCOPES, account, force_refresh=True)
    assert codes(result) == [code] and result["error"] == "invalid_grant"
    assert login(world, app)["access_token"]  # a new login works again


def test_silent_returns_none_after_revocation(world):
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    world.revoke("alice@outlook.com")
    assert app.acquire_token_silent(SCOPES, app.get_accounts()[0], force_refresh=True) is None


# ------------------------------------------------------------------ faults

def test_server_error_raises_msal_service_error(world):
    app = cca(world, "consumers", PERSONAL_APP)
    login(world, app)
    world.fail(500, retry_after=0)
    with pytest.raises(msal.exceptions.MsalServiceError):
        app.acquire_token_silent(SCOPES, app.get_accounts()[0], force_refresh=True)
    result = app.acquire_token_silent(SCOPES, app.get_accounts()[0], force_refresh=True)
    assert "access_token" in result  # Retry-After: 0, so MSAL did not replay it
    assert world.counts["refresh_token"] == 2


def test_503_carries_retry_after(world):
    world.fail(503, path_contains="/consumers/", retry_after=7)
    answer = requests.get(world.authority("consumers") + "/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "7"
    assert answer.json()["error"] == "temporarily_unavailable"
    assert requests.get(answer.url).status_code == 200


def test_hang_delays_then_answers(world):
    app = cca(world, "consumers", PERSONAL_APP)
    world.hang(0.5)
    begin = time.monotonic()
    assert "access_token" in login(world, app)
    assert time.monotonic() - begin >= 0.5


def test_stop_does_not_wait_for_a_hanging_handler(test_ca, ca_env):
    platform = FakeIdentityPlatform(test_ca).start()
    platform.hang(60, path_contains="/introspect")
    outcome = []

    def client():
        try:
            requests.post(platform.base_url + "/introspect", data={"token": "x"}, timeout=70)
        except requests.ConnectionError as e:
            outcome.append(e)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    time.sleep(0.3)
    begin = time.monotonic()
    platform.stop()
    thread.join(5)
    assert time.monotonic() - begin < 3
    assert outcome, "the hanging request should be dropped"


# ----------------------------------------------------------- introspection

def test_introspection_active_then_inactive(world):
    app = cca(world, "consumers", PERSONAL_APP)
    token = login(world, app)["access_token"]
    info = world.introspect(token)
    assert info["active"] is True and info["username"] == "alice@outlook.com"
    assert info["scope"] == "IMAP.AccessAsUser.All SMTP.Send"
    assert info["client_id"] == PERSONAL_APP and info["exp"] > time.time()
    answer = requests.post(world.base_url + "/introspect", data={"token": token})
    assert answer.json() == info
    world.revoke("alice@outlook.com")
    assert world.introspect(token) == {"active": False}
    assert requests.post(world.base_url + "/introspect",
                         data={"token": token}).json() == {"active": False}
    assert world.counts["introspect"] == 4


def test_introspection_of_expired_unknown_and_refresh_tokens(world):
    world.access_token_lifetime = -1
    result = login(world, cca(world, "consumers", PERSONAL_APP))
    assert world.introspect(result["access_token"]) == {"active": False}
    assert world.introspect(result["refresh_token"]) == {"active": False}
    assert world.introspect("EwBnonsense") == {"active": False}


def test_work_account_introspection_gives_the_upn(world):
    world.sign_in_as("bob@contoso.com")
    token = login(world, cca(world, "organizations", COMMON_APP))["access_token"]
    info = world.introspect(token)
    assert info["username"] == "bob@contoso.com" and info["active"]
