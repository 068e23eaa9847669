"""convert on setups found in the wild, through the real CLI (private HOME):
default inputs in Emacs's load order, --client-id completion, IEEE floats
and page breaks in init files (snippets written for these tests)."""

import os
import subprocess
import sys

import pytest

from offlineimap_oauth.convert import plan
from tests.support import ROOT

CLIENT = "33333333-3333-4333-8333-333333333333"
NNIMAP = ("(setq gnus-secondary-select-methods\n"
          "      '((nnimap \"work\" (nnimap-address \"outlook.office365.com\")\n"
          "                (nnimap-stream ssl))))\n")


def run(home, *args):
    env = dict(os.environ, HOME=str(home), PYTHONPATH=ROOT, LANG="C.UTF-8",
               OFFLINEIMAP_OAUTH_STATE_DIR=str(home / "state"))
    for variable in ("XDG_CONFIG_HOME", "OFFLINEIMAP_OAUTH_CONFIG", "XDG_STATE_HOME"):
        env.pop(variable, None)
    return subprocess.run([sys.executable, "-m", "offlineimap_oauth", "convert", *args],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("present, expected", [
    ([".emacs", ".emacs.d/init.el"], [".emacs"]),
    ([".emacs.el", ".emacs.d/init.el", ".config/emacs/init.el"], [".emacs.el"]),
    ([".emacs.d/init.el", ".config/emacs/init.el"], [".emacs.d/init.el"]),
    ([".config/emacs/init.el", ".gnus", ".netrc"], [".config/emacs/init.el", ".gnus", ".netrc"]),
    ([".gnus.el", ".gnus", ".authinfo", ".authinfo.gpg", ".netrc"],
     [".gnus.el", ".authinfo", ".authinfo.gpg", ".netrc"]),
])
def test_default_inputs_follow_emacs_load_order(tmp_path, present, expected):
    for name in present:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert plan.default_inputs(str(tmp_path)) == [str(tmp_path / name) for name in expected]


def test_nnimap_mailbox_converts_with_client_id(tmp_path):
    (tmp_path / ".gnus").write_text(NNIMAP)
    (tmp_path / ".netrc").write_text("machine work login me@contoso.com password hunter2\n")
    refused = run(tmp_path)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "no Microsoft mailbox can be converted" in refused.stderr
    assert "--client-id" in refused.stderr and ".gnus:2:9" in refused.stderr
    result = run(tmp_path, "--client-id", CLIENT, "--tenant", "contoso.com",
                 "--client-secret-command", "pass show azure/mail", "--write")
    assert result.returncode == 0, result.stderr
    conf = (tmp_path / ".config" / "offlineimap-oauth" / "accounts.conf").read_text()
    assert "[account work]" in conf and "client_id = %s" % CLIENT in conf
    assert "tenant = contoso.com" in conf and "client_secret_command = pass show azure/mail" in conf
    assert "hunter2" not in conf


def test_bad_client_id_is_a_usage_error(tmp_path):
    (tmp_path / ".gnus.el").write_text(NNIMAP)
    result = run(tmp_path, "--client-id", "my-app")
    assert result.returncode == 2 and "is not a GUID" in result.stderr
    assert run(tmp_path, "--tenant", "contoso.com").returncode == 2


def test_ieee_floats_page_breaks_and_lone_cr_in_a_large_init_file(tmp_path):
    filler = "".join("(setq my-var-%d %d.5)\n\f\n" % (i, i) for i in range(600))
    (tmp_path / ".emacs").write_bytes(
        (filler + "(setq my-limit 1.0e+INF my-nan -0.0e+NaN)\r(setq x '#1=(a . #1#))\n"
         "(setq gnusimapoauth2-accounts '((:user \"me@outlook.jp\"\n"
         "  :oauth2-client-id \"11111111-1111-4111-8111-111111111111\"\n"
         "  :oauth2-auth-url \"https://login.microsoftonline.com/consumers/oauth2/v2.0/"
         "authorize\")))\n\f(oops").encode())
    result = run(tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    # 600 filler forms take 1200 lines; only \n counts; ^L and CR do not shift the place.
    assert ".emacs:1205:2: '(' opened here is never closed" in result.stderr, result.stderr
    assert "    \f(oops".replace("\f", " ") in result.stderr
    (tmp_path / ".emacs").write_bytes((tmp_path / ".emacs").read_bytes()[:-6])
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "convert: me (me@outlook.jp, consumers) from %s/.emacs:1202:33" % tmp_path \
        in result.stdout


def test_an_msmtp_account_at_office365_is_a_mailbox(tmp_path):
    (tmp_path / ".gnus.el").write_text("(setq x 1)\n")
    (tmp_path / "msmtprc").write_text("defaults\nport 587\ntls on\n\naccount work\n"
                                      "host smtp.office365.com\nfrom me@contoso.com\nauth on\n"
                                      "user me@contoso.com\n\naccount other\nhost mail.example\n")
    refused = run(tmp_path, str(tmp_path / ".gnus.el"), str(tmp_path / "msmtprc"))
    assert "msmtp account 'work' me@contoso.com at smtp.office365.com" in refused.stderr
    assert "msmtprc:5:1" in refused.stderr and "other" not in refused.stderr
    result = run(tmp_path, str(tmp_path / ".gnus.el"), str(tmp_path / "msmtprc"),
                 "--client-id", CLIENT, "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "convert: me (me@contoso.com, organizations)" in result.stdout
