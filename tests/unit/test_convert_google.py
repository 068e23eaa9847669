"""Gmail entries of gnusimapoauth2-accounts become provider = google accounts,
and every writer writes them for Gmail (snippets written for these tests)."""

import configparser

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.convert.render import accounts_conf, gnus_el, msmtprc, offlineimaprc
from offlineimap_oauth.convert.render.syntax import check_conversion
from offlineimap_oauth.errors import ConfigError
from tests.unit.test_convert_styles import PLIST, convert, problems_of

CLIENT_ID = "123456789012-abcdefghijklmnop.apps.googleusercontent.com"


def gmail(**changes):
    keys = {":user": "me@gmail.com", ":oauth2-client-id": CLIENT_ID,
            ":oauth2-client-secret": "GOCSPX-s3cret",
            ":oauth2-scope": "https://mail.google.com/",
            ":oauth2-auth-url": "https://accounts.google.com/o/oauth2/auth",
            ":oauth2-token-url": "https://www.googleapis.com/oauth2/v4/token",
            ":oauth2-redirect-url": "urn:ietf:wg:oauth:2.0:oob"}
    keys.update(changes)
    body = " ".join('%s "%s"' % item for item in keys.items() if item[1] is not None)
    return "(%s)" % body


def both(entry=None):
    nnimap = ("(setq gnus-secondary-select-methods '((nnimap \"Gmail\" (nnimap-address "
              "\"imap.gmail.com\") (nnimap-server-port 993) (nnimap-stream ssl))))\n")
    return nnimap + "(setq gnusimapoauth2-accounts '(%s %s))" % (PLIST, entry or gmail())


def test_a_gmail_entry_beside_an_outlook_one_becomes_a_google_account():
    conversion = convert(both(), "machine Gmail login me@gmail.com password x\n")
    outlook, google = conversion.accounts
    assert outlook.provider == "microsoft" and google.provider == "google"
    assert (google.name, google.nnimap, google.imap_host, google.smtp_host, google.smtp_port) \
        == ("Gmail", "Gmail", "imap.gmail.com", "smtp.gmail.com", 587)
    assert google.scopes == () and google.tenant is None and google.redirect_uri is None
    # The older v4 URL is Google's: the default serves, so no endpoint is written.
    assert "_uri" not in accounts_conf.render_section(google)
    assert any("oob is dropped: Google blocked the out-of-band redirect in 2022" in note
               for note in conversion.notes)
    assert conversion.skipped == []


@pytest.mark.parametrize("token_url", [
    "https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v3/token",
    "https://accounts.google.com/o/oauth2/token"])
def test_every_google_token_endpoint_is_recognised(token_url):
    [_, google] = convert(both(gmail(**{":oauth2-token-url": token_url}))).accounts
    assert google.provider == "google"


def test_gmail_entry_problems_are_named_at_the_entry():
    problems = problems_of(both(gmail(**{":oauth2-client-id": "11111111-1111-4111-8111-111111111111",
                                         ":oauth2-client-secret": None,
                                         ":oauth2-scope": "https://www.googleapis.com/auth/gmail.send"})))
    text = "\n".join(problems)
    assert "account me@gmail.com (init.el:2:" in text
    assert ":oauth2-client-id '11111111-1111-4111-8111-111111111111' is not a Google client ID" in text
    assert "lacks https://mail.google.com/" in text


def rendered(conversion):
    return {"accounts.conf": "\n".join(text for _, text in accounts_conf.sections(conversion)),
            "offlineimaprc": "\n".join(text for _, text in offlineimaprc.sections(conversion)),
            "msmtprc": "\n".join(text for _, text in msmtprc.sections(
                conversion, ["/usr/bin/offlineimap-oauth"])),
            "gnus": gnus_el.render(conversion, "/home/me/gnus-accounts.el")}


def test_the_writers_write_gmail_for_offlineimap_msmtp_and_gnus():
    conversion = convert(both(), "machine Gmail login me@gmail.com password x\n")
    check_conversion(conversion)
    files = rendered(conversion)
    parsed = accounts.parse(files["accounts.conf"], "accounts.conf")["Gmail"]
    assert parsed.provider == "google" and parsed.client_secret == "GOCSPX-s3cret"
    rc = configparser.ConfigParser()  # offlineimap's reader: BasicInterpolation
    rc.read_string(files["offlineimaprc"])
    remote = rc["Repository Gmail-remote"]
    assert (remote["type"], remote["remotehost"], remote["remoteport"], remote["ssl"]) == \
        ("Gmail", "imap.gmail.com", "993", "yes")
    assert remote["auth_mechanisms"] == "XOAUTH2"
    assert remote["oauth2_access_token_eval"] == 'access_token("Gmail")'
    assert rc["Repository Gmail-local"]["sep"] == "."
    assert rc["Account Gmail"]["utf8foldernames"] == "yes"
    assert files["offlineimaprc"].isascii()
    keep = eval(remote["folderfilter"])  # noqa: S307 - the fixed text offlineimap evaluates
    for repeat in ("[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Starred",
                   "[Gmail]/すべてのメール", "[Gmail]/重要", "[Gmail]/スター付き",
                   "[Google Mail]/All Mail"):
        assert not keep(repeat), repeat
    for kept in ("INBOX", "[Gmail]/Sent Mail", "[Gmail]/送信済みメール", "Work", "[Gmail]/Drafts"):
        assert keep(kept), kept
    outlook = conversion.accounts[0].name
    assert rc["Repository %s-remote" % outlook]["type"] == "IMAP"
    assert rc["Repository %s-remote" % outlook]["folderfilter"] == \
        "lambda folder: mail_folder(folder)"
    gmail_block = files["msmtprc"].split("\n\n")[1]
    assert "host smtp.gmail.com\nport 587\ntls on\ntls_starttls on" in gmail_block
    assert "auth xoauth2\nuser me@gmail.com" in gmail_block
    assert 'passwordeval "/usr/bin/offlineimap-oauth token Gmail"' in gmail_block
    assert '("^nnmaildir\\\\+Gmail:" (address "me@gmail.com") ("Gcc" nil))' in files["gnus"]
    assert "GOCSPX-s3cret" not in files["offlineimaprc"] + files["msmtprc"] + files["gnus"]


def test_a_gmail_value_that_cannot_be_written_safely_is_refused():
    conversion = convert(both(gmail(**{":oauth2-client-secret": "ab\\ncd"})))
    with pytest.raises(ConfigError) as raised:
        check_conversion(conversion)
    assert any("account me@gmail.com: :oauth2-client-secret contains a line feed" in p
               for p in raised.value.problems), raised.value.problems
