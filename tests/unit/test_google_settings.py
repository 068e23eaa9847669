"""accounts.conf values of a provider = google account: defaults, and every problem at once."""

from offlineimap_oauth.providers.google import settings

CLIENT_ID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
GOOD = {"provider": "google", "user": "me@gmail.com", "client_id": CLIENT_ID,
        "client_secret": "GOCSPX-abc"}


def test_minimal_account_gets_googles_defaults():
    account, problems = settings.validate("gmail", dict(GOOD))
    assert problems == []
    assert account.scopes == ("https://mail.google.com/",)
    assert account.auth_uri == "https://accounts.google.com/o/oauth2/auth"
    assert account.token_uri == "https://oauth2.googleapis.com/token"
    assert account.flow == "auto" and account.provider == "google"
    assert account.binding() == {"provider": "google", "user": "me@gmail.com",
                                 "client_id": CLIENT_ID, "host": "oauth2.googleapis.com",
                                 "scopes": ["https://mail.google.com/"]}
    assert "GOCSPX" not in repr(account)


def test_endpoint_overrides_use_the_client_json_names_and_bind_the_host():
    account, problems = settings.validate("gmail", dict(
        GOOD, auth_uri="https://127.0.0.1:8443/o/oauth2/v2/auth",
        token_uri="https://127.0.0.1:8443/token/"))
    assert problems == []
    assert account.token_uri == "https://127.0.0.1:8443/token"
    assert account.binding()["host"] == "127.0.0.1"


def test_every_problem_is_reported_at_once_with_file_line_account_and_key():
    raw = {"provider": "google", "user": "me", "client_id": "11111111-1111-4111-8111-111111111111",
           "tenant": "consumers", "authority": "https://login.microsoftonline.com/consumers",
           "scopes": "https://www.googleapis.com/auth/gmail.send", "flow": "device",
           "token_uri": "http://oauth2.googleapis.com/token", "colour": "blue"}
    lines = {None: 1, "user": 2, "client_id": 3, "tenant": 4, "authority": 5, "scopes": 6,
             "flow": 7, "token_uri": 8, "colour": 9, "client_secret": 1}
    account, problems = settings.validate("gmail", raw, "/home/me/accounts.conf", lines)
    assert account is None
    text = "\n".join(problems)
    assert "/home/me/accounts.conf:4: [account gmail] tenant: Google accounts have no tenant" in text
    assert "/home/me/accounts.conf:5: [account gmail] authority:" in text
    assert ":2: [account gmail] user: 'me' is not a mail address" in text
    assert ":3: [account gmail] client_id:" in text and "Microsoft application ID" in text
    assert ":1: [account gmail] client_secret: missing; a Google Desktop app client" in text
    assert ":6: [account gmail] scopes: Gmail's IMAP and SMTP accept only https://mail.google.com/" in text
    assert ":7: [account gmail] flow: Google's device flow" in text
    assert ":8: [account gmail] token_uri: 'http://oauth2.googleapis.com/token' is not an https://" in text
    assert ":9: [account gmail] colour: unknown key" in text
    assert len(problems) == 9


def test_the_seeds_oob_redirect_is_refused_with_the_reason():
    _, problems = settings.validate("gmail", dict(GOOD, redirect_uri="urn:ietf:wg:oauth:2.0:oob"))
    assert len(problems) == 1
    assert "redirect_uri" in problems[0] and "out-of-band" in problems[0]
    assert "blocked" in problems[0]


def test_client_id_must_have_googles_shape():
    _, problems = settings.validate("gmail", dict(GOOD, client_id="my-app"))
    assert "NNN-xxx.apps.googleusercontent.com" in problems[0]


def test_secret_by_command_or_value_not_both_and_not_the_client_id():
    account, problems = settings.validate("gmail", dict(
        {k: v for k, v in GOOD.items() if k != "client_secret"},
        client_secret_command="pass show google/mail"))
    assert problems == [] and account.client_secret_command == "pass show google/mail"
    _, problems = settings.validate("gmail", dict(GOOD, client_secret_command="pass x"))
    assert "not both" in problems[0]
    _, problems = settings.validate("gmail", dict(GOOD, client_secret=CLIENT_ID))
    assert "this is the client ID" in problems[0]


def test_check_reports_through_accounts_py_style_callback():
    seen = []
    fields = {"name": "gmail", "source": "accounts.conf"}
    settings.check(dict(GOOD, tenant="common"), fields, lambda key, text: seen.append((key, text)))
    assert [key for key, _ in seen] == ["tenant"]
    assert fields["client_id"] == CLIENT_ID
