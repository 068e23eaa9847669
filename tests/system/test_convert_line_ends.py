"""convert keeps the line ends of the files it merges into: a CRLF msmtprc,
offlineimaprc or accounts.conf (a dotfiles repository shared with Windows)
changes only where convert changed it, and a second run changes nothing."""

import os
import re
import subprocess

from offlineimap_oauth.convert.write import line_end
from tests.e2e._require import require_binary
from tests.system.test_convert import FOREIGN_ACCOUNTS, FOREIGN_MSMTPRC, FOREIGN_OFFLINEIMAPRC
from tests.system.test_convert_in_process import OUTPUTS, convert, files, home  # noqa: F401 (fixtures)

BARE_LF = re.compile(rb"(?<!\r)\n")


def crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


def users_files(home):
    """The user's three files with CRLF line ends: path -> (text, the parts of
    it that convert leaves as they are, the header of what convert adds)."""
    conf = home / ".config" / "offlineimap-oauth" / "accounts.conf"
    conf.parent.mkdir(parents=True)
    mine = {
        home / ".offlineimaprc": (FOREIGN_OFFLINEIMAPRC, [
            "[Account home]" + FOREIGN_OFFLINEIMAPRC.split("[Account home]")[1]],
            "[Account outlook]\n"),
        home / ".msmtprc": (FOREIGN_MSMTPRC, [
            FOREIGN_MSMTPRC.split("account default")[0], "account default : home\n"],
            "account outlook\n"),
        conf: (FOREIGN_ACCOUNTS, [FOREIGN_ACCOUNTS], "[account outlook]\n"),
    }
    for path, (text, _, _) in mine.items():
        path.write_bytes(crlf(text))
    return mine


def test_crlf_files_are_merged_with_crlf_line_ends_and_backed_up_as_they_were(home, convert):
    mine = users_files(home)
    result = convert("--write")
    assert result.code == 0, result.err
    for path, (_, kept, added) in mine.items():
        written = path.read_bytes()
        assert BARE_LF.search(written) is None, path
        assert crlf(added) in written, path
        for part in kept:  # the user's own lines, byte for byte
            assert crlf(part) in written, (path, part)
    backups = [home / name for name in files(home) if ".bak-" in name]
    assert sorted(b.read_bytes() for b in backups) == sorted(crlf(t) for t, _, _ in mine.values())


def test_a_second_run_over_crlf_files_changes_nothing(home, convert):
    mine = users_files(home)
    assert convert("--write").code == 0
    before = {path: path.read_bytes() for path in mine}
    listing = files(home)
    again = convert("--write")
    assert again.code == 0, again.err
    assert files(home) == listing  # no new backup
    assert {path: path.read_bytes() for path in mine} == before
    assert "wrote" not in again.out


def test_new_files_get_unix_line_ends(home, convert):
    assert convert("--write").code == 0
    for name in OUTPUTS:
        assert b"\r" not in (home / name).read_bytes(), name


def test_the_first_line_end_decides_as_in_emacs(tmp_path):
    cases = {b"a\r\nb\nc\n": "\r\n", b"a\nb\r\nc\r\n": "\n", b"a\rb\r": "\r",
             b"no line end": "\n", b"": "\n"}
    for data, expected in cases.items():
        path = tmp_path / "f"
        path.write_bytes(data)
        assert line_end(str(path)) == expected, data
    assert line_end(str(tmp_path / "absent")) == "\n"
    assert not os.path.exists(tmp_path / "absent")


def test_msmtp_reads_the_merged_crlf_msmtprc(home, convert, tmp_path):
    """The judge is msmtp itself: both the user's account and ours, from CRLF lines."""
    users_files(home)
    assert convert("--write").code == 0
    rc = home / ".msmtprc"
    stub = tmp_path / "token-stub"
    stub.write_text("#!/bin/sh\necho TOKEN\n")
    stub.chmod(0o700)
    data = rc.read_bytes()
    command = re.search(rb'passwordeval "(\S+) token outlook"', data).group(1)
    rc.write_bytes(data.replace(command, str(stub).encode()))
    for name, host in (("home", "smtp.example.org"), ("outlook", "smtp.office365.com")):
        result = subprocess.run([require_binary("msmtp"), "--pretend", "-C", str(rc), "-a", name],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "host = %s\n" % host in result.stdout, result.stdout
