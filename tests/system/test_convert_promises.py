"""convert's promises that the single-account tests did not pin (issue 17).

- one broken account among several: exit 3, the broken one named, nothing
  written (not the good accounts' files with exit 0);
- an existing, world-readable accounts.conf gets a client secret only after
  it is made 0600 (only new files' modes were checked).
"""

import stat

from tests.system.test_convert import FOREIGN_ACCOUNTS, FOREIGN_MSMTPRC, SEED_SECRET, Home

GOOD = """(:user "me@outlook.jp"
   :smtp-server "smtp.office365.com"
   :smtp-port 587
   :oauth2-client-id "11111111-1111-4111-8111-111111111111"
   :oauth2-client-secret "s3cret-value"
   :oauth2-scope "offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
   :oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
   :oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
   :oauth2-redirect-url "https://login.microsoftonline.com/common/oauth2/nativeclient")"""
# No :oauth2-client-id: this account cannot be converted.
BROKEN = """(:user "me@contoso.com"
   :smtp-server "smtp.office365.com"
   :oauth2-scope "https://outlook.office.com/IMAP.AccessAsUser.All"
   :oauth2-auth-url "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
   :oauth2-token-url "https://login.microsoftonline.com/organizations/oauth2/v2.0/token")"""


def test_one_broken_account_of_several_fails_the_whole_run_and_writes_nothing(tmp_path):
    home = Home(tmp_path)
    (tmp_path / ".msmtprc").write_text(FOREIGN_MSMTPRC)
    for order in ((GOOD, BROKEN), (BROKEN, GOOD)):
        source = tmp_path / "accounts.el"
        source.write_text("(setq gnusimapoauth2-accounts\n '(%s\n %s))\n" % order)
        result = home.convert(str(source), "--write")
        assert result.returncode == 3, (result.stdout, result.stderr)
        assert "account me@contoso.com" in result.stderr
        assert ":oauth2-client-id is missing" in result.stderr
        assert "nothing was written" in result.stderr and result.stdout == ""
        assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
            ".msmtprc", "accounts.el"]
        assert (tmp_path / ".msmtprc").read_text() == FOREIGN_MSMTPRC


def test_an_existing_world_readable_accounts_conf_is_made_private_before_a_secret_goes_in(
        tmp_path):
    home = Home(tmp_path)
    home.put(".gnus.el", "seed.el")
    home.put(".authinfo", "seed-authinfo")
    home.conf.mkdir(parents=True)
    existing = home.conf / "accounts.conf"
    existing.write_text(FOREIGN_ACCOUNTS)
    existing.chmod(0o644)
    result = home.convert("--write")
    assert result.returncode == 0, result.stderr
    assert SEED_SECRET in existing.read_text()
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
