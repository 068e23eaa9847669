"""The dry run: every secret masked in added, removed and context lines; changes told apart."""

from offlineimap_oauth.convert import dryrun
from offlineimap_oauth.convert.model import Conversion, MailAccount


class Change:
    """write.Change without reading a file."""

    def __init__(self, label, old, new, path="/home/me/file"):
        self.label, self.old, self.new, self.path = label, old, new, path

    @property
    def changed(self):
        return self.old != self.new


def conversion(secret="ours-secret"):
    conv = Conversion()
    conv.accounts.append(MailAccount(
        name="work", user="me@example.com", client_id="11111111-1111-4111-8111-111111111111",
        client_secret=secret, tenant="organizations", imap_host="outlook.office365.com",
        smtp_host="smtp.office365.com", where="g.el:1:1"))
    return conv


def report(label, old, new, conv=None):
    return dryrun.describe([Change(label, old, new)], conv or conversion(), "")


MSMTP_OLD = """\
account home
host mail.example.com
password hunter2-home
passwordeval pass show home-mail
eval echo password hunter2-eval
user me@example.com
"""


def test_msmtprc_passwords_are_masked_in_context_lines():
    new = MSMTP_OLD.replace("host mail.example.com\n", "host mail.example.com\nport 587\n")
    shown = report("msmtprc", MSMTP_OLD, new)
    assert "hunter2" not in shown and "pass show" not in shown
    assert " password ***\n" in shown and " passwordeval ***\n" in shown
    assert " eval ***\n" in shown and "+port 587\n" in shown


def test_msmtprc_passwords_are_masked_in_removed_and_added_lines():
    new = MSMTP_OLD.replace("hunter2-home", "hunter3-home")
    shown = report("msmtprc", MSMTP_OLD, new)
    assert "hunter" not in shown
    assert "-password ***\n" in shown and "+password *** (changed)\n" in shown


OFFLINEIMAP_OLD = """\
[Repository home-remote]
type = IMAP
remotehost = imap.example.com
remotepass = hunter2
RemotePassEval = get_pass("hunter2-eval")
oauth2_refresh_token = 1//refresh
remoteuser = me@example.com
"""


def test_offlineimaprc_passwords_are_masked_in_context_lines():
    new = OFFLINEIMAP_OLD.replace("remotehost = imap.example.com\n",
                                  "remotehost = imap.example.com\nssl = yes\n") + \
        "\n[Repository work-remote]\noauth2_access_token_eval = access_token(\"work\")\n"
    shown = report("offlineimaprc", OFFLINEIMAP_OLD, new)
    assert "hunter2" not in shown and "1//refresh" not in shown
    assert " remotepass = ***\n" in shown and " RemotePassEval = ***\n" in shown
    assert '+oauth2_access_token_eval = access_token("work")\n' in shown


def test_accounts_conf_secret_keys_match_case_insensitively_with_continuations():
    old = ("[account home]\nuser = you@example.com\nClient_Secret = mixed-case-secret\n"
           "  continued-secret-line\nCLIENT_SECRET_COMMAND : pass show x\ntenant = consumers\n")
    new = old.replace("you@example.com\n", "you@example.com\nflow = paste\n") + \
        "\n[account work]\nuser = me@example.com\nclient_secret = ours-secret\n"
    shown = report("accounts.conf", old, new)
    for secret in ("mixed-case-secret", "continued-secret-line", "pass show x", "ours-secret"):
        assert secret not in shown
    assert " Client_Secret = ***\n" in shown and " CLIENT_SECRET_COMMAND : ***\n" in shown
    assert "+client_secret = ***\n" in shown and " tenant = consumers\n" in shown


def test_a_changed_secret_shows_as_changed_and_masked():
    old = "[account work]\nuser = me@example.com\nclient_secret = old-secret\ntenant = common\n"
    new = old.replace("old-secret", "ours-secret")
    shown = report("accounts.conf", old, new)
    assert "old-secret" not in shown and "ours-secret" not in shown
    assert "-client_secret = ***\n+client_secret = *** (changed)\n" in shown


def test_the_converted_secret_is_masked_in_any_file():
    shown = report("gnus", None, ';; "ours-secret"\n')
    assert "ours-secret" not in shown and '+;; "***"' in shown


def test_a_changed_file_is_labelled_changed_and_a_new_one_new():
    changed = report("gnus", "(a)\n", "(b)\n")
    assert "--- /home/me/file\n+++ /home/me/file (changed)\n" in changed
    assert "-(a)\n+(b)\n" in changed
    new = report("gnus", None, "(b)\n")
    assert "--- /dev/null\n+++ /home/me/file (new)\n" in new
    assert "up to date" in report("gnus", "(b)\n", "(b)\n")


def test_hunks_count_lines_like_diff_u():
    old = "".join("%d\n" % i for i in range(20))
    new = old.replace("10\n", "ten\n")
    shown = report("gnus", old, new)
    assert "@@ -8,7 +8,7 @@\n" in shown


def test_convert_refuses_output_that_would_change_another_account():
    """The read-back check in plan: accounts convert was not asked to write stay as they were."""
    import pytest

    from offlineimap_oauth.convert import plan
    from offlineimap_oauth.errors import ConfigError

    old = ("[account home]\nuser = you@example.com\n"
           "client_id = 22222222-2222-4222-8222-222222222222\ntenant = consumers\n")
    ours = ("\n[account work]\nuser = me@example.com\n"
            "client_id = 11111111-1111-4111-8111-111111111111\nclient_secret = ours-secret\n"
            "tenant = organizations\n")
    plan._validate_accounts(Change("accounts.conf", old, old + ours), conversion())
    with pytest.raises(ConfigError) as error:
        plan._validate_accounts(Change("accounts.conf", old, old + ours.replace(
            "tenant = organizations", "tenant = organizations\r[DEFAULT]\rflow = paste")),
            conversion())
    assert "would change accounts convert was not asked to write" in str(error.value)
