"""The pythonfile offlineimap loads: its folder filter, its two ways to a token,
and contrib's copy staying what render_pythonfile renders."""

import ast
import base64
import os
import sys

import pytest

from offlineimap_oauth.hookfile import DEFAULT_COMMAND, render_pythonfile
from tests.support import ROOT

CONTRIB_HOOK = os.path.join(ROOT, "contrib", "offlineimap-hook.py")

NON_MAIL = [
    "Calendar", "予定表", "Contacts", "連絡先", "Tasks", "タスク", "Notes", "メモ",
    "Journal", "ジャーナル", "Conversation History", "会話の履歴", "Sync Issues", "同期の問題",
    "Outbox", "送信トレイ",
    # subfolders
    "予定表/日本の休日", "予定表/誕生日", "Calendar/Birthdays", "Calendar/United States holidays",
    "Sync Issues/Conflicts", "Sync Issues/Local Failures", "同期の問題/競合", "同期の問題/サーバーエラー",
    "連絡先/Skype for Business の連絡先",
    # case as some servers send it
    "CALENDAR", "sync issues",
]
MAIL = [
    "INBOX", "アーカイブ", "下書き", "送信済みアイテム", "削除済みアイテム", "迷惑メール",
    "Archive", "Drafts", "Sent Items", "Deleted Items", "Junk Email",
    "INBOX/予定表", "アーカイブ/2023年度", "Calendar Archive", "Notes from Tokyo",
    "R&D-Team", "Q&A",
]


def mutf7(name):
    """str to IMAP modified UTF-7, segment by segment (RFC 3501 5.1.3)."""
    out, run = [], ""
    for char in name + "\0":
        if char != "\0" and not (" " <= char <= "~"):
            run += char
            continue
        if run:
            data = base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + data.replace("/", ",") + "-")
            run = ""
        if char == "&":
            out.append("&-")
        elif char != "\0":
            out.append(char)
    return "".join(out)


def load(command=DEFAULT_COMMAND, config=None):
    """The rendered pythonfile's namespace, as offlineimap's LocalEval sees it."""
    namespace = {"__file__": "offlineimap-hook.py", "__name__": "offlineimap_hook"}
    exec(compile(render_pythonfile(command, config), "offlineimap-hook.py", "exec"), namespace)
    return namespace


# -- folder filter ------------------------------------------------------------

@pytest.mark.parametrize("name", NON_MAIL)
def test_non_mail_folders_dropped(name):
    assert load()["mail_folder"](name) is False


@pytest.mark.parametrize("name", MAIL)
def test_mail_folders_kept(name):
    assert load()["mail_folder"](name) is True


@pytest.mark.parametrize("name", ["予定表", "予定表/日本の休日", "会話の履歴", "INBOX",
                                  "送信済みアイテム", "アーカイブ/2023年度", "R&D"])
def test_filter_understands_modified_utf7_without_utf8foldernames(name):
    encoded = mutf7(name)
    assert load()["mail_folder"](encoded) == load()["mail_folder"](name)


def test_filter_with_another_separator():
    mail_folder = load()["mail_folder"]
    assert mail_folder("予定表.日本の休日", sep=".") is False
    assert mail_folder("予定表.日本の休日") is True  # '/' separator: one odd top-level name


def test_folderfilter_setting_of_contrib_rc_uses_the_filter():
    import configparser

    rc = configparser.ConfigParser(interpolation=None)
    rc.read(os.path.join(ROOT, "contrib", "offlineimaprc"), encoding="utf-8")
    remote = rc["Repository work-remote"]
    folderfilter = eval(remote["folderfilter"], load())  # as offlineimap's LocalEval does
    assert not folderfilter("予定表/日本の休日") and folderfilter("送信済みアイテム")
    assert remote["oauth2_access_token_eval"] == 'access_token("work")'
    assert remote["auth_mechanisms"] == "XOAUTH2"
    assert remote["createfolders"] == "False"
    assert remote["sslcacertfile"] == "OS-DEFAULT"
    assert rc["Account work"]["utf8foldernames"] == "yes"
    assert rc["Repository work-local"]["sep"] == "."


# -- rendering ------------------------------------------------------------------

def test_contrib_copy_is_the_rendering():
    with open(CONTRIB_HOOK, encoding="utf-8") as contrib:
        assert contrib.read() == render_pythonfile(DEFAULT_COMMAND), \
            "regenerate: python -c 'from offlineimap_oauth.hookfile import render_pythonfile; " \
            "print(render_pythonfile(), end=\"\")' > contrib/offlineimap-hook.py"


@pytest.mark.parametrize("command", [
    "offlineimap-oauth", "/opt/my tools/bin/offlineimap-oauth", "C:\\x\\'quoted\"",
    [sys.executable, "-m", "offlineimap_oauth"], ("/usr/bin/env", "offlineimap-oauth"),
])
def test_rendering_compiles_for_python_3_7_and_keeps_the_command(command):
    text = render_pythonfile(command)
    ast.parse(text, feature_version=(3, 7))
    expected = list(command) if isinstance(command, (list, tuple)) else command
    assert load(command)["COMMAND"] == expected


def test_rendering_imports_only_the_standard_library():
    tree = ast.parse(render_pythonfile())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    names -= {"offlineimap_oauth", "offlineimap"}  # both imported only inside try/except
    assert names <= set(sys.stdlib_module_names), names


@pytest.mark.parametrize("command", ["", [], ["python", ""], None, 42])
def test_rendering_refuses_empty_commands(command):
    with pytest.raises(ValueError):
        render_pythonfile(command)


# -- access_token -----------------------------------------------------------------

def test_access_token_uses_our_module_when_importable(monkeypatch):
    import offlineimap_oauth.offlineimap as hook

    monkeypatch.setattr(hook, "access_token", lambda name, config: "in-%s-%s" % (name, config))
    assert load()["access_token"]("work") == "in-work-None"
    assert load(config="/etc/x.conf")["access_token"]("work") == "in-work-/etc/x.conf"


@pytest.fixture
def cli_only(monkeypatch):
    """offlineimap's Python without our package: importing it fails."""
    monkeypatch.setitem(sys.modules, "offlineimap_oauth.offlineimap", None)


def script(code):
    """A stand-in CLI: ``python -c code token NAME`` (NAME is sys.argv[2])."""
    return [sys.executable, "-c", "import sys, time\n" + code]


def test_access_token_runs_the_cli_otherwise(cli_only):
    hook = load(script("print('tok-' + sys.argv[2]); print('ignored second line')"))
    assert hook["access_token"]("work") == "tok-work"


def test_a_non_default_accounts_file_reaches_the_cli(cli_only):
    hook = load(script("print('|'.join(sys.argv[1:]))"), config="/home/me/alt.conf")
    assert hook["access_token"]("work") == "--config|/home/me/alt.conf|token|work"


def test_cli_failure_raises_offlineimap_error_with_our_message(cli_only):
    message = "offlineimap-oauth: No token for [account work].\nRun: offlineimap-oauth login work"
    hook = load(script("sys.stderr.write(%r); sys.exit(4)" % message))
    with pytest.raises(Exception) as raised:
        hook["access_token"]("work")
    assert str(raised.value) == message
    offlineimap_error = pytest.importorskip("offlineimap.error").OfflineImapError
    assert isinstance(raised.value, offlineimap_error)
    assert raised.value.severity == offlineimap_error.ERROR.REPO  # only this account stops


def test_cli_success_without_token_is_a_failure(cli_only):
    hook = load(script("pass"))
    with pytest.raises(Exception, match="exit status 0 and no message"):
        hook["access_token"]("work")


def test_missing_cli_names_the_fix(cli_only, tmp_path):
    hook = load(str(tmp_path / "no-such-offlineimap-oauth"))
    with pytest.raises(Exception, match="not found.*absolute path"):
        hook["access_token"]("work")


def test_hanging_cli_is_cut_off(cli_only):
    hook = load(script("time.sleep(30)"))
    hook["TOKEN_TIMEOUT_S"] = 0.5
    with pytest.raises(Exception, match="no token within"):
        hook["access_token"]("work")


def test_cli_gets_no_stdin(cli_only):
    hook = load(script("print(repr(sys.stdin.read()) if sys.stdin else 'closed')"))
    assert hook["access_token"]("work") == "''"


def test_bare_command_found_on_path(cli_only, tmp_path, monkeypatch):
    program = tmp_path / "offlineimap-oauth"
    program.write_text("#!%s\nimport sys\nprint('path-' + sys.argv[2])\n" % sys.executable)
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert load("offlineimap-oauth")["access_token"]("work") == "path-work"
