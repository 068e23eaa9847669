"""convert through the real CLI (subprocess, private HOME), its output
checked by offlineimap 8.0.3, msmtp and Emacs."""

import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from tests.support import ROOT

GNUS = os.path.join(ROOT, "tests", "data", "gnus")
SEED_SECRET = "s3cr3t~Value.From_Portal"
MULTI_SECRET = 'a;b "q" c\\d #e ;f'


class Home:
    """A private HOME with the user's files, and the CLI run against it."""

    def __init__(self, path):
        self.path = path
        self.env = dict(os.environ, HOME=str(path), PYTHONPATH=ROOT, LANG="C.UTF-8")
        for variable in ("XDG_CONFIG_HOME", "OFFLINEIMAP_OAUTH_CONFIG", "XDG_STATE_HOME"):
            self.env.pop(variable, None)
        self.env["OFFLINEIMAP_OAUTH_STATE_DIR"] = str(path / "state")

    def put(self, name, fixture):
        shutil.copy(os.path.join(GNUS, fixture), self.path / name)

    def convert(self, *args):
        return subprocess.run([sys.executable, "-m", "offlineimap_oauth", "convert", *args],
                              capture_output=True, text=True, env=self.env, timeout=60)

    def files(self):
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())

    @property
    def conf(self):
        return self.path / ".config" / "offlineimap-oauth"


@pytest.fixture
def home(tmp_path):
    home = Home(tmp_path)
    home.put(".gnus.el", "seed.el")
    home.put(".authinfo", "seed-authinfo")
    return home


OUTPUTS = [".config/offlineimap-oauth/accounts.conf", ".config/offlineimap-oauth/gnus-accounts.el",
           ".config/offlineimap-oauth/offlineimap-hook.py", ".msmtprc", ".offlineimaprc"]


def test_dry_run_writes_nothing_and_masks_secrets(home):
    result = home.convert()  # default inputs: ~/.gnus.el and ~/.authinfo
    assert result.returncode == 0, result.stderr
    assert home.files() == [".authinfo", ".gnus.el"]
    assert "+client_secret = ***" in result.stdout and SEED_SECRET not in result.stdout
    assert "+[account outlook]" in result.stdout and "Dry run: nothing written" in result.stdout


def test_seed_converts_writes_and_is_idempotent(home):
    result = home.convert("--write")
    assert result.returncode == 0, result.stderr
    assert home.files() == sorted(OUTPUTS + [".authinfo", ".gnus.el"])
    for secret_file in (home.conf / "accounts.conf", home.path / ".msmtprc"):
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.conf.stat().st_mode) == 0o700
    for name in OUTPUTS[1:]:
        assert SEED_SECRET not in (home.path / name).read_text()
    assert SEED_SECRET in (home.conf / "accounts.conf").read_text()
    before = {name: (home.path / name).read_text() for name in OUTPUTS}
    again = home.convert("--write")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged ") == 5 and "wrote" not in again.stdout
    assert home.files() == sorted(OUTPUTS + [".authinfo", ".gnus.el"])  # no backups
    assert {name: (home.path / name).read_text() for name in OUTPUTS} == before
    assert "is up to date" in home.convert().stdout


def test_offlineimap_accepts_the_offlineimaprc(home):
    assert home.convert("--write").returncode == 0
    rc = (home.path / ".offlineimaprc").read_text()
    # No network: point the IMAP repository at a closed local port.
    (home.path / ".offlineimaprc").write_text(
        rc.replace("remotehost = outlook.office365.com", "remotehost = 127.0.0.1")
          .replace("remoteport = 993", "remoteport = 9"))
    offlineimap = os.path.join(os.path.dirname(sys.executable), "offlineimap")
    result = subprocess.run([offlineimap, "-c", str(home.path / ".offlineimaprc"), "--dry-run",
                             "-o", "-u", "basic"], capture_output=True, text=True,
                            env=home.env, timeout=120)
    output = result.stdout + result.stderr
    assert "OfflineIMAP 8.0.3" in output
    assert "*** Processing account outlook" in output, output
    assert "Establishing connection to 127.0.0.1:9 (outlook-remote)" in output, output
    # It got as far as the network (closed port), past config and pythonfile.
    assert "OSError" in output and "NoOptionError" not in output and "NameError" not in output


def test_offlineimap_loads_the_pythonfile(home):
    """The pythonfile named in [general] is what offlineimap evaluates folderfilter with."""
    assert home.convert("--write").returncode == 0
    script = (
        "import sys\n"
        "from offlineimap.CustomConfig import CustomConfigParser\n"
        "config = CustomConfigParser()\n"
        "config.read([sys.argv[1]])\n"
        "local = config.getlocaleval()\n"
        "keep = local.eval(config.get('Repository outlook-remote', 'folderfilter'))\n"
        "print(keep('INBOX'), keep('予定表'), keep('Calendar/Birthdays'),"
        " config.get('Account outlook', 'utf8foldernames'),"
        " callable(local.eval('access_token')))\n")
    result = subprocess.run([sys.executable, "-c", script, str(home.path / ".offlineimaprc")],
                            capture_output=True, text=True, env=home.env, timeout=60)
    assert result.stdout.split() == ["True", "False", "False", "yes", "True"], result.stderr


def test_msmtp_accepts_the_msmtprc(home, tmp_path):
    assert home.convert("--write").returncode == 0
    stub = tmp_path / "token-stub"
    stub.write_text("#!/bin/sh\necho TOKEN-FOR-$2\n")
    stub.chmod(0o700)
    rc = (home.path / ".msmtprc").read_text()
    command = re.search(r'passwordeval "(\S+) token outlook"', rc).group(1)
    assert os.path.isabs(command) and os.access(command, os.X_OK)
    (home.path / ".msmtprc").write_text(rc.replace(command, str(stub)))
    result = subprocess.run(["msmtp", "--pretend", "-C", str(home.path / ".msmtprc"), "-a",
                             "outlook"], capture_output=True, text=True, env=home.env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "host = smtp.office365.com" in result.stdout and "port = 587" in result.stdout
    assert "auth = xoauth2" in result.stdout or "auth = choose" not in result.stdout
    assert "from = me@outlook.jp" in result.stdout
    assert max(len(line) for line in rc.splitlines()) < 500


def test_emacs_loads_the_gnus_snippet(home):
    assert home.convert("--write").returncode == 0
    snippet = home.conf / "gnus-accounts.el"
    check = ("(progn"
             " (setq gnus-secondary-select-methods '((nnimap \"outlook\") (nntp \"news\")))"
             " (load %s nil t)"
             " (princ (format \"%%S|%%S|%%S|%%S\\n\" gnus-secondary-select-methods"
             "   message-sendmail-extra-arguments gnus-message-archive-group"
             "   gnus-permanently-visible-groups)))" % ('"%s"' % snippet))
    result = subprocess.run(["emacs", "--batch", "-Q", "--eval", check], capture_output=True,
                            text=True, env=home.env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '((nntp "news") (nnmaildir "outlook" (directory "~/Mail/outlook/")))'
        '|("--read-envelope-from")|nil|"^nndraft:drafts\\\\|^nnmaildir\\\\+outlook:"')


def test_an_nnimap_primary_select_method_is_replaced(home):
    assert home.convert("--write").returncode == 0
    snippet = home.conf / "gnus-accounts.el"
    check = ("(progn (setq gnus-select-method '(nnimap \"outlook\"))"
             " (load %s nil t) (princ (format \"%%S\\n\" gnus-select-method)))"
             % ('"%s"' % snippet))
    result = subprocess.run(["emacs", "--batch", "-Q", "--eval", check], capture_output=True,
                            text=True, env=home.env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '(nnnil "")'


def test_multi_account_output_dir(tmp_path):
    home = Home(tmp_path)
    out = tmp_path / "out"
    result = home.convert(os.path.join(GNUS, "multi.el"), os.path.join(GNUS, "multi-authinfo"),
                          "--write", "--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(out)) == ["accounts.conf", "gnus-accounts.el", "msmtprc",
                                       "offlineimap-hook.py", "offlineimaprc"]
    assert "convert: gmail (me@gmail.com, Google)" in result.stdout
    assert "not converted" not in result.stdout
    from offlineimap_oauth import accounts
    parsed = accounts.load(str(out / "accounts.conf"))
    assert parsed["gmail"].provider == "google" and parsed["gmail"].client_secret == "g-secret"
    assert parsed["outlook"].client_secret == MULTI_SECRET
    assert parsed["work"].tenant == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert "pythonfile = %s" % (out / "offlineimap-hook.py") in (out / "offlineimaprc").read_text()
    assert "--config %s" % (out / "accounts.conf") in (out / "msmtprc").read_text()
    assert "CONFIG = %r" % str(out / "accounts.conf") in (out / "offlineimap-hook.py").read_text()


FOREIGN_OFFLINEIMAPRC = """\
[general]
accounts = home
ui = ttyui

[Account home]
localrepository = home-local
remoterepository = home-remote

[Repository home-local]
type = Maildir
localfolders = ~/Mail/home

[Repository home-remote]
type = IMAP
remotehost = imap.example.org
"""
FOREIGN_MSMTPRC = "defaults\nlogfile ~/.msmtp.log\n\naccount home\nhost smtp.example.org\n" \
                  "from me@example.org\n\naccount default : home\n"
FOREIGN_ACCOUNTS = "[account other]\nuser = o@example.com\n" \
                   "client_id = 44444444-4444-4444-8444-444444444444\ntenant = organizations\n"


def test_merge_keeps_the_users_sections_and_backs_up(home):
    (home.path / ".offlineimaprc").write_text(FOREIGN_OFFLINEIMAPRC)
    (home.path / ".msmtprc").write_text(FOREIGN_MSMTPRC)
    home.conf.mkdir(parents=True)
    (home.conf / "accounts.conf").write_text(FOREIGN_ACCOUNTS)
    result = home.convert("--write")
    assert result.returncode == 0, result.stderr
    rc = (home.path / ".offlineimaprc").read_text()
    assert rc.startswith("[general]\naccounts = home, outlook\nui = ttyui\npythonfile = ")
    assert FOREIGN_OFFLINEIMAPRC.split("[Account home]")[1] in rc and "[Account outlook]" in rc
    msmtp = (home.path / ".msmtprc").read_text()
    assert msmtp.startswith(FOREIGN_MSMTPRC.split("account default")[0] + "account outlook\n")
    assert msmtp.endswith("account default : home\n")
    conf = (home.conf / "accounts.conf").read_text()
    assert conf.startswith(FOREIGN_ACCOUNTS) and "[account outlook]" in conf
    backups = sorted(name for name in home.files() if ".bak-" in name)
    assert [re.sub(r"\.bak-\d{8}-\d{6}$", "", b) for b in backups] == [
        ".config/offlineimap-oauth/accounts.conf", ".msmtprc", ".offlineimaprc"]
    assert (home.path / backups[2]).read_text() == FOREIGN_OFFLINEIMAPRC
    assert all(stat.S_IMODE((home.path / b).stat().st_mode) == 0o600 for b in backups)
    again = home.convert("--write")
    assert again.returncode == 0 and "wrote" not in again.stdout
    assert sorted(name for name in home.files() if ".bak-" in name) == backups


@pytest.mark.parametrize("fixture, expected", [
    ("unbalanced.el", r"unbalanced\.el:1:1: '\(' opened here is never closed"),
    ("missing-client-id.el", r"account me@outlook\.jp \(.*missing-client-id\.el:2:9\): "
                             r":oauth2-client-id is missing"),
    ("disagreeing-urls.el", r"account me@contoso\.com .*:oauth2-auth-url .* :oauth2-token-url .* "
                            r"disagree"),
    ("runtime.el", r":oauth2-client-id is an unquote.*\(at \S*runtime\.el:4:28\)"),
    ("runtime-list.el", r":oauth2-client-id is a call to getenv .*runtime-list\.el:3:37"),
])
def test_broken_input_fails_and_writes_nothing(tmp_path, fixture, expected):
    home = Home(tmp_path)
    (tmp_path / ".msmtprc").write_text(FOREIGN_MSMTPRC)
    result = home.convert(os.path.join(GNUS, fixture), "--write")
    assert result.returncode == 3
    assert re.search(expected, result.stderr), result.stderr
    assert result.stdout == ""
    assert home.files() == [".msmtprc"]
    assert (tmp_path / ".msmtprc").read_text() == FOREIGN_MSMTPRC


def test_no_input_files_is_a_usage_error(tmp_path):
    result = Home(tmp_path).convert()
    assert result.returncode == 2 and "No input files" in result.stderr


def test_the_users_own_pythonfile_keeps_working(home):
    (home.path / ".offlineimap.py").write_text(
        "def get_pass(name):\n    return 'pw-' + name\n")
    (home.path / ".offlineimaprc").write_text(
        "[general]\naccounts = gmail\npythonfile = ~/.offlineimap.py\n\n"
        "[Account gmail]\nlocalrepository = gl\nremoterepository = gr\n")
    first = home.convert("--write")
    assert first.returncode == 0, first.stderr
    assert "loaded pythonfile ~/.offlineimap.py" in first.stdout
    hook = home.conf / "offlineimap-hook.py"
    namespace = {"__file__": str(hook), "__name__": "offlineimap_hook"}
    old_home = os.environ["HOME"]
    os.environ["HOME"] = str(home.path)  # the hook expands ~ like offlineimap's process would
    try:
        exec(compile(hook.read_text(), str(hook), "exec"), namespace)
    finally:
        os.environ["HOME"] = old_home
    assert namespace["get_pass"]("gmail") == "pw-gmail"  # the Gmail account still works
    assert callable(namespace["access_token"]) and callable(namespace["mail_folder"])
    assert "pythonfile = %s" % hook in (home.path / ".offlineimaprc").read_text()
    second = home.convert("--write")
    assert second.returncode == 0 and "wrote" not in second.stdout  # idempotent
    assert "PREVIOUS_PYTHONFILE = '~/.offlineimap.py'" in hook.read_text()
