"""What convert's plan promises, in-process (issue 17): which inputs it reads and
what it says when it cannot, where each output goes, what a new file starts
with, what of the user's offlineimaprc it keeps, the commands it writes for
msmtp and the pythonfile, and the read-back checks' messages."""

import ast
import os
import sys

import pytest

from offlineimap_oauth.cli import main
from offlineimap_oauth.convert import plan
from offlineimap_oauth.convert.render import msmtprc, offlineimaprc
from offlineimap_oauth.convert.write import Change
from offlineimap_oauth.errors import ConfigError, UsageError
from tests.unit.test_render_syntax import account, conversion

LABELS = ("accounts.conf", "offlineimaprc", "pythonfile", "msmtprc", "gnus")


def where(directory):
    return {label: str(directory / label) for label in LABELS}


def rendered(directory, command=("/bin/oo",), config_flag=None, conv=None):
    changes = plan.render(conv or conversion(account()), where(directory), list(command),
                          config_flag)
    return {change.label: change.new for change in changes}


def assignment(text, name):
    """The value of ``NAME = literal`` in the pythonfile."""
    line = next(line for line in text.splitlines() if line.startswith(name + " = "))
    return ast.literal_eval(line.split(" = ", 1)[1])


# ------------------------------------------------------------------ inputs
def test_no_input_files_names_those_looked_for_and_what_to_do():
    with pytest.raises(UsageError) as caught:
        plan.build([])
    assert caught.value.message == (
        "No input files: none of ~/.emacs, ~/.emacs.el, ~/.emacs.d/init.el, "
        "~/.config/emacs/init.el, ~/.gnus.el, ~/.gnus, ~/.authinfo, ~/.authinfo.gpg, ~/.netrc "
        "exists.")
    assert caught.value.hint == "Name your Gnus init file: offlineimap-oauth convert FILE..."


@pytest.mark.parametrize("name", ["msmtprc", "gnus.el"])
def test_an_input_that_cannot_be_read_is_named_with_what_to_do(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(ConfigError) as caught:
        plan.read_inputs([str(path)])
    assert caught.value.message == "Cannot read %s: [Errno 2] No such file or directory: '%s'" \
        % (path, path)
    assert caught.value.hint == "Check the path, then run convert again."


def test_a_lisp_syntax_error_is_named_at_its_file_line_and_column(tmp_path):
    path = tmp_path / "gnus.el"
    path.write_text('(setq a 1)\n(setq x\n  "foo')
    with pytest.raises(ConfigError) as caught:
        plan.read_inputs([str(path)])
    assert caught.value.message == "%s:3:3: string opened here is never closed" % path


# ----------------------------------------------------------------- targets
def test_an_offlineimap_directory_without_config_leaves_offlineimaprc_in_home(own_home):
    xdg = own_home / ".config"
    (xdg / "offlineimap").mkdir()
    assert plan.targets(str(own_home), None, None)["offlineimaprc"] == \
        str(own_home / ".offlineimaprc")
    (xdg / "offlineimap" / "config").write_text("[general]\n")
    assert plan.targets(str(own_home), None, None)["offlineimaprc"] == \
        str(xdg / "offlineimap" / "config")


def test_config_names_the_accounts_file_written(own_home, tmp_path):
    chosen = tmp_path / "mine.conf"
    assert plan.targets(str(own_home), str(chosen), None)["accounts.conf"] == str(chosen)


# -------------------------------------------------- what new files start with
def test_new_files_start_with_their_headers(tmp_path):
    out = rendered(tmp_path)
    assert out["accounts.conf"].startswith(
        "; offlineimap-oauth accounts (README: 'accounts.conf')\n\n[account work]\n")
    assert out["msmtprc"].startswith(msmtprc.HEADER + "\naccount work\n")
    assert out["offlineimaprc"].startswith(
        offlineimaprc.GENERAL_HEADER + "[general]\naccounts = work\npythonfile = %s\n"
        "# Never wait for a typed password: a login problem ends the run with a message.\n"
        "ui = basic\n\n[Account work]\n" % where(tmp_path)["pythonfile"])


# ------------------------------------------------ the user's offlineimaprc kept
def test_an_offlineimaprc_without_general_gets_one_and_keeps_the_rest(tmp_path):
    mine = "# my sync\n[Account mine]\nlocalrepository = mine-local\n"
    (tmp_path / "offlineimaprc").write_text(mine)
    text = rendered(tmp_path)["offlineimaprc"]
    assert text.startswith("[general]\naccounts = work\npythonfile = ")
    assert "ui = basic\n\n" + mine in text
    assert offlineimaprc.GENERAL_HEADER not in text


def test_an_offlineimaprc_preamble_is_kept_byte_for_byte(tmp_path):
    preamble = "\n\n# line one\n# line two\n\n"  # blank lines, then the comments of [general]
    (tmp_path / "offlineimaprc").write_text(preamble + "[general]\naccounts = mine\n")
    text = rendered(tmp_path)["offlineimaprc"]
    assert text.startswith(preamble + "[general]\naccounts = mine, work\n")


def test_an_offlineimaprc_with_crlf_line_ends_is_converted(tmp_path):
    (tmp_path / "offlineimaprc").write_bytes(
        b"[general]\r\naccounts = mine\r\n\r\n[Account mine]\r\nlocalrepository = x\r\n")
    text = rendered(tmp_path)["offlineimaprc"]
    assert "[Account mine]\nlocalrepository = x\n" in text and "[Account work]" in text


def test_an_offlineimaprc_that_is_not_valid_ini_is_named_and_left_alone(tmp_path):
    rc = tmp_path / "offlineimaprc"
    rc.write_text("[general]\nui = basic\nmaxsyncaccounts = 1\nmaxsyncaccounts = 2\n")
    with pytest.raises(ConfigError) as caught:
        rendered(tmp_path)
    assert caught.value.message == (
        "%s would not be valid INI: While reading from '%s' [line  4]: option 'maxsyncaccounts' "
        "in section 'general' already exists" % (rc, rc))
    assert caught.value.hint == "Fix or move the existing file, then run convert again."


# ------------------------------------------ the commands msmtp and the hook run
def test_msmtp_and_the_hook_run_the_same_command_line(tmp_path):
    command = [sys.executable, "-m", "offlineimap_oauth"]
    out = rendered(tmp_path, command)
    assert assignment(out["pythonfile"], "COMMAND") == command
    assert assignment(out["pythonfile"], "CONFIG") is None
    assert 'passwordeval "%s -m offlineimap_oauth token work"\n' % sys.executable in \
        out["msmtprc"]


def test_one_program_is_named_alone_without_a_config_flag(tmp_path):
    out = rendered(tmp_path, ["/bin/oo"])
    assert assignment(out["pythonfile"], "COMMAND") == "/bin/oo"
    assert 'passwordeval "/bin/oo token work"\n' in out["msmtprc"]


def test_a_config_flag_reaches_msmtp_and_the_hook(tmp_path):
    chosen = str(tmp_path / "mine.conf")
    out = rendered(tmp_path, ["/bin/oo"], chosen)
    assert assignment(out["pythonfile"], "CONFIG") == chosen
    assert 'passwordeval "/bin/oo --config %s token work"\n' % chosen in out["msmtprc"]


def test_an_output_dir_with_a_line_feed_says_to_choose_another_and_writes_nothing(
        own_home, tmp_path, capsys):
    gnus = os.path.join(os.path.dirname(__file__), "..", "data", "gnus")
    for name, fixture in ((".gnus.el", "seed.el"), (".authinfo", "seed-authinfo")):
        with open(os.path.join(gnus, fixture), encoding="utf-8") as handle:
            (own_home / name).write_text(handle.read())
    out = tmp_path / "out\nx"
    assert main(["convert", "--write", "--output-dir", str(out)]) == 3
    captured = capsys.readouterr()
    assert captured.err == (
        "offlineimap-oauth: Refusing to write the offlineimaprc value of pythonfile in [general]: "
        "it contains a line feed (U+000A).\n"
        "Use --output-dir with a path without control characters; nothing was written.\n")
    assert captured.out == "" and not out.exists()


# --------------------------------------------------------- read-back checks
def test_output_that_would_change_another_account_is_refused_whole(tmp_path):
    old = ("[account home]\nuser = you@example.com\n"
           "client_id = 22222222-2222-4222-8222-222222222222\ntenant = consumers\n")
    ours = ("\n[account work]\nuser = me@example.com\n"
            "client_id = 11111111-1111-4111-8111-111111111111\ntenant = organizations\n")
    broken = old.replace("tenant = consumers", "tenant = organizations")
    path = tmp_path / "accounts.conf"
    path.write_text(old)
    with pytest.raises(ConfigError) as caught:
        plan._validate_accounts(Change("accounts.conf", str(path), broken + ours),
                                conversion(account()))
    assert caught.value.message == ("Internal check failed: writing accounts.conf would change "
                                    "accounts convert was not asked to write.")
    assert caught.value.hint == "Please report this."
