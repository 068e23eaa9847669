"""Each Microsoft refusal the simulated platform produces reaches the user
as its own message with the fix and the right exit code."""

from offlineimap_oauth.errors import EXIT_CONFIG, EXIT_LOGIN_REQUIRED
from tests.support import CONTOSO_TENANT, OUTLOOK, WORK


def device_login(cli, idp, user=WORK["user"]):
    idp.sign_in_as(user)
    return cli.run("login", "work", "--flow", "device")


def assert_says(result, code, exit_code, *fragments):
    assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    assert "AADSTS%d" % code in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_9002332_org_app_on_consumers(cli, idp):
    cli.write_config(cli.platform.config(work={"authority": idp.authority("consumers")}))
    assert_says(device_login(cli, idp), 9002332, EXIT_CONFIG, "Set tenant = organizations")


def test_500200_personal_account_with_org_only_app(cli, idp):
    cli.write_config(cli.platform.config(work={"user": OUTLOOK["user"]}))
    assert_says(device_login(cli, idp, OUTLOOK["user"]), 500200, EXIT_CONFIG,
                "is a personal Microsoft account", "tenant = consumers")


def test_50194_single_tenant_app_on_organizations(cli, idp):
    idp.register_app(WORK["client_id"], audience=CONTOSO_TENANT, public_client=True)
    assert_says(device_login(cli, idp), 50194, EXIT_CONFIG,
                "tenant ID or domain (e.g. contoso.onmicrosoft.com)")


def test_single_tenant_app_works_with_the_tenant_domain(cli, idp):
    idp.register_app(WORK["client_id"], audience=CONTOSO_TENANT, public_client=True)
    cli.write_config(cli.platform.config(work={"authority": idp.authority("contoso.com")}))
    assert device_login(cli, idp).returncode == 0


def test_7000218_confidential_app_without_secret(cli, idp):
    cli.write_config(cli.platform.config(outlook={"client_secret": None}))
    assert_says(cli.login_paste("outlook"), 7000218, EXIT_CONFIG,
                "Set client_secret or client_secret_command", "Allow public client flows")


def test_700025_secret_sent_by_public_client(cli, idp):
    cli.write_config(cli.platform.config(work={"client_secret": "anything"}))
    assert_says(cli.login_paste("work"), 700025, EXIT_CONFIG,
                "Remove client_secret / client_secret_command from [account work]")


def test_7000222_expired_secret(cli, idp):
    idp.register_app(OUTLOOK["client_id"], audience="consumers", secret=OUTLOOK["secret"],
                     secret_expired=True,
                     redirect_uris=("https://login.microsoftonline.com/common/oauth2/nativeclient",))
    assert_says(cli.login_paste("outlook"), 7000222, EXIT_CONFIG,
                "Certificates & secrets", "the stored login stays valid")


def test_700082_refresh_token_expired_by_inactivity(cli, idp):
    idp.access_token_lifetime = 300
    assert cli.login_paste("outlook").returncode == 0
    idp.expire_refresh_tokens(OUTLOOK["user"])
    assert_says(cli.token("outlook"), 700082, EXIT_LOGIN_REQUIRED,
                "90 days", "Run: offlineimap-oauth login outlook")


def test_scopes_of_two_resources_are_refused_before_asking_microsoft(cli, idp):
    # Microsoft would answer AADSTS28000; accounts.conf already names the line to write.
    scopes = "https://outlook.office.com/IMAP.AccessAsUser.All https://graph.microsoft.com/Mail.Read"
    cli.write_config(cli.platform.config(work={"scopes": scopes}))
    result = device_login(cli, idp)
    assert result.returncode == EXIT_CONFIG
    assert "[account work] scopes:" in result.stderr and "Microsoft Graph" in result.stderr
    assert "scopes = https://outlook.office.com/IMAP.AccessAsUser.All" in result.stderr
    assert idp.counts["devicecode"] == 0


def test_unknown_tenant_is_a_config_error_naming_the_key(cli, idp):
    cli.write_config(cli.platform.config(work={"authority": idp.authority("nosuch.example")}))
    result = device_login(cli, idp)
    assert result.returncode == EXIT_CONFIG
    assert "Check tenant" in result.stderr
