"""convert through ``main(argv)`` in this process, in the test's own HOME
(the ``own_home`` fixture): what it writes, where, with which modes and
backups, and what it leaves alone (issue 17).

test_convert.py checks the same files with offlineimap, msmtp and Emacs
through a subprocess; these run in-process so that a planted bug in
plan.py, write.py or merge.py fails a test that reaches it (mutation
testing only sees tests that run the code in its own process).
"""

import os
import re
import stat

import pytest

from offlineimap_oauth.cli import main
from offlineimap_oauth.convert import write
from tests.system.test_convert import FOREIGN_ACCOUNTS, FOREIGN_MSMTPRC, FOREIGN_OFFLINEIMAPRC, \
    GNUS, SEED_SECRET
from tests.system.test_convert_promises import BROKEN, GOOD

OUTPUTS = [".config/offlineimap-oauth/accounts.conf", ".config/offlineimap-oauth/gnus-accounts.el",
           ".config/offlineimap-oauth/offlineimap-hook.py", ".msmtprc", ".offlineimaprc"]


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def home(own_home):
    for name, fixture in ((".gnus.el", "seed.el"), (".authinfo", "seed-authinfo")):
        with open(os.path.join(GNUS, fixture), encoding="utf-8") as handle:
            (own_home / name).write_text(handle.read())
    return own_home


@pytest.fixture
def convert(capsys):
    def run(*args):
        capsys.readouterr()
        code = main(["convert", *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run


def files(home):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*")
                  if p.is_file() and not str(p.relative_to(home)).startswith(".gnupg"))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_dry_run_writes_nothing_shows_the_diff_and_masks_the_secret(home, convert):
    result = convert()
    assert result.code == 0, result.err
    assert files(home) == [".authinfo", ".gnus.el"]
    assert "+[account outlook]" in result.out and "+client_secret = ***" in result.out
    assert SEED_SECRET not in result.out
    assert "Dry run: nothing written. Run again with --write to write these files." in result.out


def test_write_puts_each_file_in_its_place_private_then_changes_nothing(home, convert):
    result = convert("--write")
    assert result.code == 0, result.err
    assert files(home) == sorted(OUTPUTS + [".authinfo", ".gnus.el"])
    for name in OUTPUTS:
        assert "wrote %s\n" % (home / name) in result.out  # new: no backup named
        assert mode(home / name) == 0o600, name
    assert mode(home / ".config" / "offlineimap-oauth") == 0o700
    assert "convert: outlook (me@outlook.jp, consumers) from " in result.out
    assert "offlineimap-oauth login outlook" in result.out
    assert '(load "%s")' % (home / OUTPUTS[1]) in result.out
    assert SEED_SECRET in (home / OUTPUTS[0]).read_text()
    assert all(SEED_SECRET not in (home / name).read_text() for name in OUTPUTS[1:])
    assert "account default : outlook\n" in (home / ".msmtprc").read_text()
    assert "accounts = outlook\npythonfile = %s\n" % (home / OUTPUTS[2]) \
        in (home / ".offlineimaprc").read_text()
    before = {name: (home / name).read_text() for name in OUTPUTS}
    again = convert("--write")
    assert again.code == 0 and "wrote" not in again.out
    assert sorted(again.out.count("unchanged %s\n" % (home / name)) for name in OUTPUTS) == [1] * 5
    assert files(home) == sorted(OUTPUTS + [".authinfo", ".gnus.el"])  # no backups
    assert {name: (home / name).read_text() for name in OUTPUTS} == before
    assert "is up to date" in convert().out


def test_the_users_files_keep_their_sections_get_backups_and_secret_files_become_private(
        home, convert):
    conf = home / ".config" / "offlineimap-oauth" / "accounts.conf"
    conf.parent.mkdir(parents=True)
    for path, text, old_mode in ((home / ".offlineimaprc", FOREIGN_OFFLINEIMAPRC, 0o640),
                                 (home / ".msmtprc", FOREIGN_MSMTPRC, 0o644),
                                 (conf, FOREIGN_ACCOUNTS, 0o644)):
        path.write_text(text)
        path.chmod(old_mode)
    result = convert("--write")
    assert result.code == 0, result.err
    rc = (home / ".offlineimaprc").read_text()
    assert rc.startswith("[general]\naccounts = home, outlook\nui = ttyui\npythonfile = ")
    assert FOREIGN_OFFLINEIMAPRC.split("[Account home]")[1] in rc and "[Account outlook]" in rc
    msmtp = (home / ".msmtprc").read_text()
    assert msmtp.startswith(FOREIGN_MSMTPRC.split("account default")[0] + "account outlook\n")
    assert msmtp.endswith("account default : home\n")
    assert conf.read_text().startswith(FOREIGN_ACCOUNTS + "\n[account outlook]\n")
    # Files holding a secret are private; the user's offlineimaprc keeps its mode.
    assert (mode(conf), mode(home / ".msmtprc"), mode(home / ".offlineimaprc")) == \
        (0o600, 0o600, 0o640)
    backups = sorted(name for name in files(home) if ".bak-" in name)
    assert [re.sub(r"\.bak-\d{8}-\d{6}$", "", b) for b in backups] == [
        ".config/offlineimap-oauth/accounts.conf", ".msmtprc", ".offlineimaprc"]
    for backup, text in zip(backups, (FOREIGN_ACCOUNTS, FOREIGN_MSMTPRC, FOREIGN_OFFLINEIMAPRC)):
        assert (home / backup).read_text() == text and mode(home / backup) == 0o600
        original = home / re.sub(r"\.bak-.*", "", backup)
        assert "wrote %s (backup: %s)\n" % (original, home / backup) in result.out


def test_one_broken_account_of_several_writes_nothing(home, convert):
    (home / ".msmtprc").write_text(FOREIGN_MSMTPRC)
    source = home / "accounts.el"
    source.write_text("(setq gnusimapoauth2-accounts\n '(%s\n %s))\n" % (GOOD, BROKEN))
    result = convert(str(source), "--write")
    assert result.code == 3 and result.out == ""
    assert "account me@contoso.com" in result.err and ":oauth2-client-id is missing" in result.err
    assert "nothing was written" in result.err
    assert files(home) == [".authinfo", ".gnus.el", ".msmtprc", "accounts.el"]
    assert (home / ".msmtprc").read_text() == FOREIGN_MSMTPRC


def test_output_dir_holds_every_file_and_names_the_accounts_file_for_msmtp(home, convert):
    out = home / "out"
    result = convert(str(home / ".gnus.el"), str(home / ".authinfo"), "--write",
                     "--output-dir", str(out))
    assert result.code == 0, result.err
    assert sorted(os.listdir(out)) == ["accounts.conf", "gnus-accounts.el", "msmtprc",
                                       "offlineimap-hook.py", "offlineimaprc"]
    assert "note: accounts.conf is not at its default path" in result.out
    assert re.search(r'passwordeval ".* --config %s token outlook"' % re.escape(
        str(out / "accounts.conf")), (out / "msmtprc").read_text())
    assert "pythonfile = %s\n" % (out / "offlineimap-hook.py") in (out / "offlineimaprc").read_text()
    assert files(home) == [".authinfo", ".gnus.el"] + [
        "out/" + name for name in sorted(os.listdir(out))]


def test_a_second_backup_in_the_same_second_gets_its_own_name(tmp_path):
    path = tmp_path / "msmtprc"
    path.write_text("one\n")
    stamp = 1700000000
    first = write.apply([write.Change("msmtprc", str(path), "two\n", secret=True)], now=stamp)
    second = write.apply([write.Change("msmtprc", str(path), "three\n", secret=True)], now=stamp)
    [(_, backup1)], [(_, backup2)] = first, second
    assert backup2 == backup1 + "-2"
    assert (open(backup1).read(), open(backup2).read(), path.read_text()) == \
        ("one\n", "two\n", "three\n")
    assert write.apply([write.Change("msmtprc", str(path), "three\n", secret=True)]) == []


def test_outputs_go_where_offlineimap_and_msmtp_read_them(tmp_path, monkeypatch):
    from offlineimap_oauth.convert import plan

    home = tmp_path / "home"
    home.mkdir()
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.delenv("OFFLINEIMAP_OAUTH_CONFIG", raising=False)
    ours = xdg / "offlineimap-oauth"
    assert plan.targets(str(home), None, None) == {
        "accounts.conf": str(ours / "accounts.conf"), "offlineimaprc": str(home / ".offlineimaprc"),
        "pythonfile": str(ours / "offlineimap-hook.py"), "msmtprc": str(home / ".msmtprc"),
        "gnus": str(ours / "gnus-accounts.el")}
    # Each program's XDG file when the user has one and no dotfile.
    for name in ("offlineimap", "msmtp"):
        (xdg / name).mkdir(parents=True)
        (xdg / name / "config").write_text("")
    where = plan.targets(str(home), None, None)
    assert (where["offlineimaprc"], where["msmtprc"]) == (str(xdg / "offlineimap" / "config"),
                                                          str(xdg / "msmtp" / "config"))
    (home / ".offlineimaprc").write_text("")  # the dotfile is what offlineimap reads first
    assert plan.targets(str(home), None, None)["offlineimaprc"] == str(home / ".offlineimaprc")
    # A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative")
    assert plan.targets(str(home), None, None)["gnus"] == str(
        home / ".config" / "offlineimap-oauth" / "gnus-accounts.el")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert plan.targets(str(home), None, None)["pythonfile"] == str(
        home / ".config" / "offlineimap-oauth" / "offlineimap-hook.py")


def test_the_summary_names_each_account_and_what_was_left_alone():
    from offlineimap_oauth.convert import plan
    from offlineimap_oauth.convert.model import Conversion, MailAccount, Skipped

    conversion = Conversion()
    conversion.accounts.append(MailAccount(
        name="work", user="me@contoso.com", client_id="1", tenant="organizations",
        imap_host="h", smtp_host="s", where="init.el:3:1"))
    conversion.accounts.append(MailAccount(
        provider="google", name="gmail", user="me@gmail.com", client_id="2", imap_host="h",
        smtp_host="s", where="init.el:9:1"))
    conversion.skipped.append(Skipped("yahoo", "not Microsoft or Google", "init.el:20:3"))
    conversion.notes.append("a note")
    assert plan.summary(conversion) == (
        "convert: work (me@contoso.com, organizations) from init.el:3:1\n"
        "convert: gmail (me@gmail.com, Google) from init.el:9:1\n"
        "not converted: yahoo (init.el:20:3): not Microsoft or Google\n"
        "note: a note\n")
