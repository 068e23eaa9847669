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


def test_a_second_dry_run_names_each_file_up_to_date_and_never_shows_a_password(home, convert):
    (home / ".msmtprc").write_text("account home\nhost smtp.example.org\npassword hunter2\n")
    first = convert()
    assert "hunter2" not in first.out and "password ***" in first.out
    assert "+++ %s (new): the offlineimap hook, " % (home / OUTPUTS[2]) in first.out
    assert convert("--write").code == 0
    again = convert()
    for label, name in (("accounts.conf", OUTPUTS[0]), ("gnus", OUTPUTS[1]),
                        ("pythonfile", OUTPUTS[2]), ("msmtprc", OUTPUTS[3]),
                        ("offlineimaprc", OUTPUTS[4])):
        assert "%s: %s is up to date.\n" % (label, home / name) in again.out
    assert "hunter2" not in again.out


def test_no_input_file_says_which_were_looked_for_and_how_to_name_one(own_home, convert):
    result = convert()
    assert result.code == 2 and result.out == ""
    assert "No input files: none of ~/.emacs, ~/.emacs.el, ~/.emacs.d/init.el, " \
        "~/.config/emacs/init.el, ~/.gnus.el, ~/.gnus, ~/.authinfo, ~/.authinfo.gpg, ~/.netrc " \
        "exists." in result.err
    assert "Name your Gnus init file: offlineimap-oauth convert FILE..." in result.err


@pytest.mark.parametrize("name", ["init.el", "msmtprc"])
def test_an_input_that_cannot_be_read_is_named_with_what_to_check(own_home, convert, name):
    (own_home / name).mkdir()
    result = convert(str(own_home / name))
    assert result.code == 3 and result.out == ""
    assert "Cannot read %s: " % (own_home / name) in result.err
    assert "Check the path, then run convert again." in result.err


def test_a_broken_offlineimaprc_is_named_and_left_alone(home, convert):
    broken = "[general]\naccounts = a\n[general]\n"
    (home / ".offlineimaprc").write_text(broken)
    result = convert("--write")
    assert result.code == 3 and result.out == ""
    assert "%s would not be valid INI: " % (home / ".offlineimaprc") in result.err
    assert "section 'general' already exists" in result.err
    assert "Fix or move the existing file, then run convert again." in result.err
    assert files(home) == [".authinfo", ".gnus.el", ".offlineimaprc"]
    assert (home / ".offlineimaprc").read_text() == broken


def test_the_users_own_pythonfile_is_run_first_and_kept_on_the_next_run(home, convert):
    (home / ".offlineimaprc").write_text("[general]\naccounts = gmail\n"
                                         "pythonfile = ~/.offlineimap.py\n")
    first = convert("--write")
    assert first.code == 0, first.err
    assert ("note: your offlineimaprc loaded pythonfile ~/.offlineimap.py; the new pythonfile "
            "runs it first, so its functions keep working") in first.out
    hook = home / OUTPUTS[2]
    assert "PREVIOUS_PYTHONFILE = '~/.offlineimap.py'" in hook.read_text()
    second = convert("--write")  # offlineimaprc names our hook now; the hook keeps the user's
    assert second.code == 0 and "wrote" not in second.out
    assert "PREVIOUS_PYTHONFILE = '~/.offlineimap.py'" in hook.read_text()


def test_an_msmtp_account_at_office365_converts_with_client_id(own_home, convert):
    (own_home / ".gnus.el").write_text("(setq x 1)\n")
    (own_home / "msmtprc").write_text(
        "defaults\nport 587\ntls on\n\naccount work\nhost smtp.office365.com\n"
        "from me@contoso.com\nauth on\nuser me@contoso.com\n")
    result = convert(str(own_home / ".gnus.el"), str(own_home / "msmtprc"), "--client-id",
                     "11111111-1111-4111-8111-111111111111", "--output-dir",
                     str(own_home / "out"))
    assert result.code == 0, result.err
    assert "convert: me (me@contoso.com, organizations) from %s:5:1" % (own_home / "msmtprc") \
        in result.out


def test_msmtp_and_offlineimap_run_our_command_by_absolute_path(tmp_path, monkeypatch):
    from offlineimap_oauth.convert import plan

    bin_dir, path_dir = tmp_path / "venv" / "bin", tmp_path / "path"
    bin_dir.mkdir(parents=True)
    path_dir.mkdir()
    monkeypatch.setattr(plan.sys, "executable", str(bin_dir / "python3"))
    monkeypatch.setenv("PATH", str(path_dir))
    assert plan.token_command() == [str(bin_dir / "python3"), "-m", "offlineimap_oauth"]
    on_path = path_dir / "offlineimap-oauth"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    assert plan.token_command() == [str(on_path)]
    beside = bin_dir / "offlineimap-oauth"
    beside.write_text("#!/bin/sh\n")
    beside.chmod(0o755)
    assert plan.token_command() == [str(beside)]


def test_a_broken_accounts_conf_of_the_users_is_named_and_left_alone(home, convert):
    conf = home / ".config" / "offlineimap-oauth" / "accounts.conf"
    conf.parent.mkdir(parents=True)
    broken = FOREIGN_ACCOUNTS.replace("o@example.com", "o")
    conf.write_text(broken)
    result = convert("--write")
    assert result.code == 3 and result.out == ""
    assert "%s has 1 problem(s):" % conf in result.err
    assert "%s:2: [account other] user: 'o' is not a mail address" % conf in result.err
    assert conf.read_text() == broken and files(home) == [
        ".authinfo", ".config/offlineimap-oauth/accounts.conf", ".gnus.el"]


def test_the_read_back_checks_refuse_output_that_lost_a_value(tmp_path):
    from offlineimap_oauth.convert import plan
    from offlineimap_oauth.errors import ConfigError
    from tests.unit.test_render_syntax import account, conversion

    conv = conversion(account(client_secret="s3cret"))
    where = {name: str(tmp_path / name) for name in
             ("accounts.conf", "offlineimaprc", "pythonfile", "msmtprc", "gnus")}
    changes = plan.render(conv, where, ["/bin/offlineimap-oauth"])
    by_label = {change.label: change for change in changes}
    assert set(by_label) == {"accounts.conf", "offlineimaprc", "pythonfile", "msmtprc", "gnus"}
    rc = by_label["offlineimaprc"]
    rc.new = rc.new.replace("auth_mechanisms = XOAUTH2", "auth_mechanisms = PLAIN")
    with pytest.raises(ConfigError) as caught:
        plan._validate(changes, conv)
    assert caught.value.message == ("Internal check failed: [Repository work-remote] would not "
                                    "read back as converted.")
    assert caught.value.hint == "Please report this."
    rc.new = rc.new.replace("[Repository work-remote]", "[Repository other]")
    with pytest.raises(ConfigError, match=r"\[Repository work-remote\] would not read back"):
        plan._validate(changes, conv)
    conf = by_label["accounts.conf"]
    conf.new = conf.new.replace("client_secret = s3cret", "client_secret = other")
    with pytest.raises(ConfigError) as caught:
        plan._validate(changes, conv)
    assert caught.value.message == ("Internal check failed: [account work] would not read back "
                                    "as converted.")
    assert caught.value.hint == "Please report this."
