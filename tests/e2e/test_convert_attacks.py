"""The four ways a hostile Gnus setup made convert's output run code (issue 16),
each fed through the real CLI and judged by the program that reads the output.

Every payload writes a ``PWNED`` file in the judge's working directory if it
runs.  Today convert refuses these values (file:line:col, the key, nothing
written); if a value is ever written, the judge still checks that its
reader gets back exactly that value and nothing else.
"""

import os
import re

import pytest

from offlineimap_oauth.errors import EXIT_CONFIG
from tests.e2e import render_judges as judges

USER = "me@outlook.jp"
CLIENT_ID = "11111111-1111-4111-8111-111111111111"
TEMPLATE = """\
(add-to-list 'gnus-secondary-select-methods
  '(nnimap "outlook" (nnimap-address %(address)s) (nnimap-server-port 993) (nnimap-stream ssl)))
(setq gnus-permanently-visible-groups %(visible)s)
(setq gnusimapoauth2-accounts
  '((:user %(user)s
     :smtp-server %(smtp_server)s
     :smtp-user %(smtp_user)s
     :oauth2-client-id "%(client_id)s"
     :oauth2-client-secret %(secret)s
     :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
     :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")))
"""
AUTHINFO = "machine outlook login %s port 993\n" % USER
DEFAULTS = {"address": '"outlook.office365.com"', "visible": '"^nnimap\\\\+outlook:"',
            "user": '"%s"' % USER, "smtp_server": '"smtp.office365.com"',
            "smtp_user": '"%s"' % USER, "client_id": CLIENT_ID, "secret": '"s3cret"'}
# The public account already in accounts.conf, logged in before convert runs.
PERSONAL = """\
[account personal]
user = you@outlook.com
client_id = 22222222-2222-4222-8222-222222222222
tenant = consumers
"""


def gnus(**values) -> str:
    return TEMPLATE % dict(DEFAULTS, **values)


def run(tmp_path, **values):
    return judges.convert(tmp_path, gnus(**values), AUTHINFO)


def remote_section(view) -> dict:
    """The IMAP repository convert wrote (its name follows the user when it cannot tie
    the account to the nnimap server)."""
    return next(v for k, v in view.items() if k.startswith("Repository ") and k.endswith("-remote"))


def msmtp_account(path) -> str:
    with open(path, encoding="utf-8") as handle:
        return re.search(r"(?m)^account (\S+)$", handle.read()).group(1)


def assert_refused(status, err, out, key, what):
    """Refused with file:line:col, the key and the character; nothing written."""
    assert status == EXIT_CONFIG, err
    assert re.search(r"gnus\.el:\d+:\d+: account [^:]+: %s .*%s" % (re.escape(key), what), err), err
    for name in ("offlineimaprc", "msmtprc", "gnus", "pythonfile"):
        assert not os.path.exists(out[name]), name


# (elisp key written, its elisp text, the value it carries)
PYTHON_PAYLOAD = "remotehosteval = open('PWNED', 'w') and '127.0.0.1'"


@pytest.mark.parametrize("field,key", [("user", ":user"), ("address", "nnimap-address")])
def test_offlineimap_never_evaluates_a_value(tmp_path, field, key):
    value = {"user": USER, "address": "outlook.office365.com"}[field]
    status, err, out = run(tmp_path, **{field: '"%s\\n%s"' % (value, PYTHON_PAYLOAD)})
    if os.path.exists(out["offlineimaprc"]):
        remote = remote_section(judges.offlineimap_view([out["offlineimaprc"]], tmp_path)[0])
        assert not judges.ran(tmp_path), "offlineimap ran the payload"
        assert "remotehosteval" not in remote
        assert remote["remoteuser" if field == "user" else "remotehost"] == \
            "%s\n%s" % (value, PYTHON_PAYLOAD)
    else:
        assert_refused(status, err, out, key, "line feed")


@pytest.mark.parametrize("field,key", [("smtp_user", ":smtp-user"),
                                       ("smtp_server", ":smtp-server"), ("user", ":user")])
def test_msmtp_never_runs_a_value(tmp_path, field, key):
    value = {"smtp_user": USER, "smtp_server": "smtp.office365.com", "user": USER}[field]
    payload = '%s\\npasswordeval \\"touch PWNED\\"\\naccount junk' % value
    status, err, out = run(tmp_path, **{field: '"%s"' % payload})
    if os.path.exists(out["msmtprc"]):
        name = msmtp_account(out["msmtprc"])
        view = judges.msmtp_view(out["msmtprc"], name, tmp_path)
        assert not judges.ran(tmp_path), "msmtp ran the payload"
        assert view, "msmtp refused the file or the account"
        assert view["passwordeval"].endswith(" token %s" % name), view["passwordeval"]
        assert judges.msmtp_view(out["msmtprc"], "junk", tmp_path) == {}
    else:
        assert_refused(status, err, out, key, "line feed")


@pytest.mark.parametrize("field,key", [("user", ":user"), ("secret", ":oauth2-client-secret")])
def test_accounts_conf_never_gains_a_key(tmp_path, field, key):
    os.makedirs(tmp_path / "out")
    (tmp_path / "out" / "accounts.conf").write_text(PERSONAL)
    before = judges.accounts_view(tmp_path / "out" / "accounts.conf")["personal"]
    value = {"user": USER, "secret": "s3cret"}[field]
    payload = "%s\\r[DEFAULT]\\rclient_secret_command = touch PWNED" % value
    # The user variant converts a public client, as the attack in the issue did.
    secret = {"secret": '"%s"' % payload} if field == "secret" else {"secret": "nil"}
    status, err, out = run(tmp_path, **dict({field: '"%s"' % payload}, **secret))
    after = judges.accounts_view(out["accounts.conf"])
    personal = after["personal"]
    assert (personal.client_secret_command, personal.client_secret, personal.confidential) == \
        (None, None, False), "the public account turned confidential"
    assert [getattr(personal, s) for s in personal.__slots__] == \
        [getattr(before, s) for s in before.__slots__]
    if status == 0:
        got = next(account for name, account in after.items() if name != "personal")
        assert getattr(got, {"user": "user", "secret": "client_secret"}[field]) == \
            payload.replace("\\r", "\r")
        assert len(after) == 2
    else:
        assert set(after) == {"personal"}
        assert re.search(r"gnus\.el:\d+:\d+: account [^:]+: %s .*carriage return"
                         % re.escape(key), err), err
        assert field == "user" or "touch PWNED" not in err  # a secret is never echoed


UTF7_PAYLOAD = ("^nnimap\\\\+outlook:+ACI-) (write-region +ACI-+ACI- nil +ACI-PWNED+ACI-) "
                "(setq pwned-value +ACI-")
LOCAL_VARIABLES = "\\n;; Local Variables:\\n;; coding: utf-7\\n;; End:\\n"


@pytest.mark.parametrize("tail", [LOCAL_VARIABLES, LOCAL_VARIABLES.replace("\\n", "  ")],
                         ids=["own-lines", "one-line"])
def test_emacs_never_decodes_the_gnus_file_as_utf7(tmp_path, tail):
    status, err, out = run(tmp_path, visible='"%s%s"' % (UTF7_PAYLOAD, tail))
    if os.path.exists(out["gnus"]):
        view = judges.emacs_view([(out["gnus"], ["outlook"])], tmp_path)[0]
        assert not judges.ran(tmp_path), "Emacs ran code from a value"
        expected = (UTF7_PAYLOAD + tail).replace("\\\\", "\\").replace("\\n", "\n") \
            .replace("nnimap\\+outlook:", "nnmaildir\\+outlook:")
        assert view[2] == expected
    else:
        assert status == EXIT_CONFIG and re.search(r"gnus-permanently-visible-groups .*line feed", err), err
        assert not os.path.exists(out["gnus"])


@pytest.mark.parametrize("directory,what", [("out\nx", "line feed"), ("$HOME", "expand the $")])
def test_an_output_path_no_reader_would_keep_is_refused(tmp_path, directory, what):
    from offlineimap_oauth import cli

    gnus_file = tmp_path / "gnus.el"
    gnus_file.write_text(gnus())
    (tmp_path / "authinfo").write_text(AUTHINFO)
    target = tmp_path / directory
    status = cli.main(["convert", "--write", "--output-dir", str(target), str(gnus_file),
                       str(tmp_path / "authinfo")])
    assert status == EXIT_CONFIG
    assert not target.exists()
