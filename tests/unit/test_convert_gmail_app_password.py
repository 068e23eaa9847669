"""Gmail set up without an app registration (an nnimap server at
imap.gmail.com with an app password in authinfo): listed as not converted,
or, with ``convert --client-id`` naming a Google Desktop app client, a
``provider = google`` account (snippets written for these tests)."""

import pytest

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import settings as finder
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.errors import ConfigError

GOOGLE_ID = "123456789012-abcdefghij.apps.googleusercontent.com"
SECRET_COMMAND = "pass show google/gmail-client"
GMAIL_NNIMAP = ("(setq gnus-secondary-select-methods\n"
                "      '((nnimap \"gmail\" (nnimap-address \"imap.gmail.com\")\n"
                "                (nnimap-server-port 993) (nnimap-stream ssl))\n"
                "        (nnimap \"work\" (nnimap-address \"outlook.office365.com\"))))\n")
AUTHINFO = ("machine gmail login me@gmail.com password abcdefghijklmnop\n"
            "machine work login me@contoso.com password hunter2\n")


def convert(completion=None, text=GMAIL_NNIMAP, auth=AUTHINFO):
    found = finder.find([("init.el", elisp.read_all(text, "init.el"))])
    return model.build(found, authinfo.parse(auth, "authinfo"), completion)


def google_completion():
    return model.Completion(GOOGLE_ID, None, SECRET_COMMAND, provider="google")


def test_without_a_client_id_gmail_is_listed_with_the_way_to_convert_it():
    with pytest.raises(ConfigError) as caught:
        convert()
    [gmail] = [p for p in caught.value.problems if "me@gmail.com" in p]
    assert "Gmail is not converted" in gmail and "init.el:2:9" in gmail
    assert "--client-id NNN-xxx.apps.googleusercontent.com" in gmail


def test_a_google_client_id_converts_the_gmail_nnimap_server():
    conversion = convert(google_completion())
    [account] = conversion.accounts
    assert (account.provider, account.name, account.user) == ("google", "gmail", "me@gmail.com")
    assert (account.client_id, account.client_secret_command) == (GOOGLE_ID, SECRET_COMMAND)
    assert account.client_secret is None and account.tenant is None
    assert (account.imap_host, account.imap_port, account.nnimap) == ("imap.gmail.com", 993,
                                                                      "gmail")
    assert (account.smtp_host, account.smtp_port, account.smtp_starttls) == \
        ("smtp.gmail.com", 587, True)
    notes = "\n".join(conversion.notes)
    assert "myaccount.google.com/apppasswords" in notes and "login gmail" in notes
    assert "abcdefghijklmnop" not in notes
    # The Google client is no registration for the Microsoft mailbox beside it.
    [work] = [s for s in conversion.skipped if s.label == "me@contoso.com"]
    assert "client id" in work.reason


def test_a_microsoft_client_id_leaves_gmail_alone():
    completion = model.Completion("22222222-2222-4222-8222-222222222222", "contoso.com")
    conversion = convert(completion)
    assert [(a.provider, a.user) for a in conversion.accounts] == [("microsoft",
                                                                   "me@contoso.com")]
    assert any(s.label == "me@gmail.com" and "Gmail is not converted" in s.reason
               for s in conversion.skipped)


def test_a_gmail_server_without_its_address_is_named_with_what_is_missing():
    with pytest.raises(ConfigError) as caught:
        convert(google_completion(), auth="machine work login me@contoso.com password x\n")
    assert any("not the address it logs in with" in p for p in caught.value.problems)


def test_the_rendered_account_is_a_valid_google_section():
    from offlineimap_oauth import accounts
    from offlineimap_oauth.convert.render import accounts_conf

    [account] = convert(google_completion()).accounts
    loaded = accounts.parse(accounts_conf.render_section(account))["gmail"]
    assert loaded.provider == "google" and loaded.client_secret_command == SECRET_COMMAND
