"""authinfo (netrc) reading, and .gpg through gpg."""

import os
import shutil
import subprocess

import pytest

from offlineimap_oauth.convert.read import authinfo
from offlineimap_oauth.errors import ConfigError


def test_entries_quotes_default_comments_several_per_line():
    entries = authinfo.parse(
        "# comment line\n"
        "machine outlook login me@outlook.jp password notrecord # trailing\n"
        'machine work login "me@contoso.com" port imaps password "a \\"b\\" c" '
        "machine gmail user g@gmail.com password 'x y'\n"
        "default login anon password guest\n", "auth")
    assert [(e.machine, e.login, e.port) for e in entries] == [
        ("outlook", "me@outlook.jp", None), ("work", "me@contoso.com", "imaps"),
        ("gmail", "g@gmail.com", None), (None, "anon", None)]
    assert entries[1].password == 'a "b" c' and entries[2].password == "x y"
    assert entries[2].where() == "auth:3:69"
    assert "notrecord" not in repr(entries[0])


def test_macdef_is_skipped():
    entries = authinfo.parse("macdef init\ncd /\nmachine fake\n\nmachine real login r\n")
    assert [e.machine for e in entries] == ["real"]


@pytest.mark.parametrize("text, where", [
    ("login x machine y", "a:1:1"), ("machine m login", "a:1:11"), ('machine "m', "a:1:9")])
def test_errors_name_the_place(text, where):
    with pytest.raises(ConfigError) as caught:
        authinfo.parse(text, "a")
    assert str(caught.value).startswith(where)


def test_gpg_missing_is_a_clear_message(tmp_path, monkeypatch):
    path = tmp_path / ".authinfo.gpg"
    path.write_bytes(b"x")
    monkeypatch.setattr(shutil, "which", lambda name, **kw: None)
    with pytest.raises(ConfigError, match="gpg is not installed"):
        authinfo.load(str(path))


def test_gpg_failure_is_reported(tmp_path):
    path = tmp_path / ".authinfo.gpg"
    path.write_bytes(b"not encrypted at all")
    with pytest.raises(ConfigError, match="gpg could not decrypt"):
        authinfo.load(str(path))


def test_gpg_encrypted_file_decrypts(tmp_path, monkeypatch):
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    gpg = ["gpg", "--batch", "--yes", "--quiet"]
    subprocess.run(gpg + ["--passphrase", "", "--quick-gen-key", "convert-test@example.com",
                          "default", "default", "never"], check=True, capture_output=True)
    plain = tmp_path / "plain"
    plain.write_text("machine outlook login me@outlook.jp password p\n")
    subprocess.run(gpg + ["--trust-model", "always", "-r", "convert-test@example.com",
                          "-o", str(tmp_path / ".authinfo.gpg"), "--encrypt", str(plain)],
                   check=True, capture_output=True)
    try:
        entries = authinfo.load(str(tmp_path / ".authinfo.gpg"))
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True)
    assert [(e.machine, e.login) for e in entries] == [("outlook", "me@outlook.jp")]
