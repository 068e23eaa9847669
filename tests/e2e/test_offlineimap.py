"""offlineimap 8.0.3 syncs a Japanese Microsoft 365 mailbox through our hook.

Real parts: the simulated identity platform (HTTPS, real MSAL), Dovecot
checking every XOAUTH2 token by introspection, offlineimap 8.0.3 run as a
subprocess with contrib/offlineimaprc and the pythonfile render_pythonfile
makes, and Emacs batch Gnus reading the Maildir with nnmaildir.

One Dovecot and one identity platform serve the whole module (the 5 MB
mailbox is seeded once); each test logs in afresh with its own token store.
The work account (me@contoso.com) holds the seed mailbox; the outlook
account (me@outlook.jp) a small one for the expiry test.
"""

import os
import subprocess
import sys
import time

import pytest

from offlineimap_oauth.hookfile import render_pythonfile
from tests.e2e import offlineimap_support as oi
from tests.e2e._require import require_binary
from tests.fakes.dovecot import FakeDovecot, japanese_m365_messages
from tests.fakes.idp import FakeIdentityPlatform
from tests.support import OUTLOOK, WORK, Cli, Platform

NON_MAIL = {"予定表", "予定表/日本の休日", "予定表/誕生日", "連絡先", "タスク", "メモ",
            "ジャーナル", "会話の履歴", "送信トレイ"}
LOGIN_HINT = "offlineimap-oauth login %s"
NESTED = "アーカイブ/2023年度"


def _nested_message():
    subject = "=?ISO-2022-JP?B?%s?=" % __import__("base64").b64encode(
        "年度末のご挨拶".encode("iso-2022-jp")).decode()
    return ("From: yamada@example.co.jp\nTo: %s\nSubject: %s\n"
            "Date: Fri, 29 Mar 2024 09:00:00 +0900\nMessage-ID: <nested-1@example.co.jp>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n\n"
            % (WORK["user"], subject)).encode("ascii") + "お世話になりました。\n".encode("iso-2022-jp")


# -- fixtures: one platform and one Dovecot for the module --------------------

@pytest.fixture(scope="module")
def idp(test_ca):
    with FakeIdentityPlatform(test_ca) as platform:
        yield platform


@pytest.fixture(scope="module")
def platform(idp):
    return Platform(idp)


@pytest.fixture(scope="module")
def dovecot(test_ca, idp, tmp_path_factory):
    require_binary("dovecot")
    require_binary("doveadm")
    with FakeDovecot(test_ca, idp.base_url + "/introspect",
                     tmp_path_factory.mktemp("dovecot")) as server:
        server.populate_japanese_m365(WORK["user"])
        # A nested mail folder too: it must arrive as アーカイブ.2023年度
        server.doveadm("mailbox", "create", "-s", "-u", WORK["user"], NESTED)
        server.doveadm("save", "-u", WORK["user"], "-m", NESTED, stdin=_nested_message())
        for message in japanese_m365_messages(OUTLOOK["user"])["迷惑メール"]:
            server.doveadm("save", "-u", OUTLOOK["user"], "-m", "INBOX", stdin=message.raw)
        yield server


@pytest.fixture
def cli(tmp_path, platform, test_ca, idp):
    """Our CLI with a private store; the platform back to normal afterwards."""
    yield Cli(tmp_path, platform, test_ca)
    idp.access_token_lifetime = 3600


class Setup:
    """An offlineimap configuration for some accounts, in a test's tmp dir."""

    def __init__(self, tmp_path, cli, dovecot, test_ca, accounts=(WORK,), command=None,
                 **overrides):
        self.cli, self.accounts = cli, accounts
        self.home = tmp_path
        self.maildirs = {a["name"]: tmp_path / "Mail" / a["name"] for a in accounts}
        self.maildir = self.maildirs[accounts[0]["name"]]
        self.hook = tmp_path / "offlineimap-hook.py"
        self.hook.write_text(render_pythonfile(command or _our_cli()), encoding="utf-8")
        self.rc = oi.write_offlineimaprc(
            tmp_path / "offlineimaprc",
            [(a["name"], a["user"], self.maildirs[a["name"]]) for a in accounts],
            dovecot=dovecot, cacert=test_ca.ca_cert_path,
            metadata=tmp_path / "offlineimap-meta", pythonfile=self.hook, **overrides)

    def login(self):
        for account in self.accounts:
            result = self.cli.login_paste(account["name"])
            assert result.returncode == 0, result.stderr

    def sync(self, *args, program=None, isolated=False, timeout=oi.OFFLINEIMAP_TIMEOUT_S):
        env = oi.offlineimap_env(self.cli.env, isolated=isolated)
        return oi.run_offlineimap(program or oi.offlineimap_program(), self.rc, env, *args,
                                  timeout=timeout)


def _our_cli():
    """Our console script by absolute path, as a generated pythonfile names it."""
    script = os.path.join(os.path.dirname(sys.executable), "offlineimap-oauth")
    return script if os.access(script, os.X_OK) else [sys.executable, "-m", "offlineimap_oauth"]


def assert_synced(result, server_inventory, maildir):
    """The Maildir holds every mail folder of the server, byte for byte."""
    output = oi.output_of(result)
    assert result.returncode == 0, output
    assert "ERROR" not in output, output
    local = oi.maildir_inventory(maildir)
    mail = {name: entry for name, entry in server_inventory.items() if name not in NON_MAIL}
    # '/' on the server becomes '.' locally (nnmaildir sees top-level dirs only)
    assert set(local) == {name.replace("/", ".") for name in mail}, output
    for name, entry in mail.items():
        got = local[name.replace("/", ".")]
        assert got["count"] == entry["count"], name
        assert got["total_bytes"] == entry["total_bytes"], name
        want = {mid: (size, flags) for mid, size, flags
                in zip(entry["message_ids"], entry["sizes"], entry["flags"])}
        assert oi.by_message_id(got) == want, name
    return local


# -- the sync itself ----------------------------------------------------------

@pytest.fixture(scope="module")
def synced(tmp_path_factory, platform, test_ca, dovecot, idp):
    """The seed mailbox synced once by offlineimap, shared by the tests after it
    (the Gnus mark-read test, last of them, changes one flag)."""
    tmp_path = tmp_path_factory.mktemp("synced")
    setup = Setup(tmp_path, Cli(tmp_path, platform, test_ca), dovecot, test_ca)
    setup.login()
    started = time.monotonic()
    setup.result = setup.sync()
    setup.seconds = time.monotonic() - started
    setup.inventory = dovecot.server_inventory(WORK["user"])
    return setup


def test_sync_japanese_mailbox_into_maildir(synced):
    local = assert_synced(synced.result, synced.inventory, synced.maildir)
    # UTF-8 directory names, not modified UTF-7
    for name in ("アーカイブ", "下書き", "送信済みアイテム", "削除済みアイテム", "迷惑メール"):
        assert (synced.maildir / name / "cur").is_dir()
    assert not any("&" in name for name in os.listdir(synced.maildir))
    assert not (set(os.listdir(synced.maildir)) & {"予定表", "連絡先", "タスク", "メモ",
                                                   "ジャーナル", "会話の履歴", "送信トレイ"})
    assert (synced.maildir / "アーカイブ.2023年度" / "cur").is_dir()  # '/' became '.'
    assert local["アーカイブ.2023年度"]["count"] == 1
    assert max(local["INBOX"]["sizes"]) > 5 * 1024 * 1024  # the big one arrived whole
    assert local["INBOX"]["flags"].count(frozenset({"\\Seen", "\\Flagged"})) == 1



# -- Gnus reads the Maildir -----------------------------------------------------

def test_gnus_nnmaildir_lists_groups_with_server_counts(synced):
    listed = dict(line.split("\t") for line in
                  oi.gnus(synced.maildir, "groups", home=synced.home).splitlines())
    expected = {name.replace("/", "."): entry["count"]
                for name, entry in synced.inventory.items() if name not in NON_MAIL}
    assert {name: int(count) for name, count in listed.items()} == expected
    assert "送信済みアイテム" in listed and "迷惑メール" in listed


def test_article_read_in_gnus_is_seen_on_server_after_next_sync(synced, dovecot):
    user, folder = WORK["user"], "INBOX"
    before = dovecot.server_inventory(user)[folder]
    unread = [mid for mid, flags in zip(before["message_ids"], before["flags"])
              if "\\Seen" not in flags]
    target = unread[0]
    out = oi.gnus(synced.maildir, "read", folder, target, home=synced.home)
    assert "marked %s" % target in out
    synced.login()  # independent of what other tests did to the account
    result = synced.sync()
    assert result.returncode == 0 and "ERROR" not in oi.output_of(result), oi.output_of(result)
    after = dovecot.server_inventory(user)[folder]
    flags = dict(zip(after["message_ids"], after["flags"]))
    assert flags[target] == dict(zip(before["message_ids"], before["flags"]))[target] | {"\\Seen"}
    # nothing else changed
    for mid, old in zip(before["message_ids"], before["flags"]):
        if mid != target:
            assert flags[mid] == old, mid


# -- failures -------------------------------------------------------------------

@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "cli-fallback"])
def test_revoked_login_fails_that_account_only_with_login_hint(
        tmp_path, cli, dovecot, test_ca, idp, isolated):
    """work's refresh token is revoked, outlook's is fine, one offlineimap run."""
    program = oi.isolated_offlineimap_program() if isolated else oi.offlineimap_program()
    # the command-line form of the fallback; the sync test below uses the script path
    command = [sys.executable, "-m", "offlineimap_oauth"] if isolated else None
    setup = Setup(tmp_path, cli, dovecot, test_ca, accounts=(WORK, OUTLOOK), command=command)
    # Exchange honours an unexpired access token after a revocation; with a
    # short-lived one the hook must refresh, and learns of the revocation.
    idp.access_token_lifetime = 5
    setup.login()
    idp.revoke(WORK["user"])
    started = time.monotonic()
    result = setup.sync(program=program, isolated=isolated, timeout=60)
    seconds = time.monotonic() - started
    output = oi.output_of(result)
    # our message, with the next step, reached the user
    assert "Microsoft revoked the stored login of [account work]" in output, output
    assert "Run: " + LOGIN_HINT % "work" in output, output
    # no password asked for (stdin is closed: a prompt would fail, not hang)
    for prompt in ("Enter password", "Password:", "Prompting for a password", "getpass"):
        assert prompt not in output, output
    # the healthy account synced all the same
    assert oi.maildir_inventory(setup.maildirs["outlook"])["INBOX"]["count"] == 2, output
    assert not setup.maildirs["work"].exists() or not oi.maildir_folders(setup.maildirs["work"])
    # offlineimap ends the run with an error status (REPO severity alone would give 0)
    assert result.returncode == 1, output
    assert seconds < 30


# -- tokens expire while offlineimap keeps running ------------------------------

def test_expiring_tokens_refreshed_across_syncs_of_one_process(tmp_path, cli, dovecot,
                                                               test_ca, idp):
    """Access tokens live 4 s; offlineimap syncs, sleeps 10 s, syncs again.

    Dovecot checks every login against the platform (no cache), so the second
    login only works with a token refreshed after the first one expired.
    """
    setup = Setup(tmp_path, cli, dovecot, test_ca, accounts=(OUTLOOK,),
                  **{"Account work/autorefresh": "0.1667"})  # 10 s: offlineimap sleeps in 10 s steps
    idp.access_token_lifetime = 4
    setup.login()
    idp.reset_counts()
    logins_before = dovecot.log_text().count("Login: user=<%s>" % OUTLOOK["user"])
    env = oi.offlineimap_env(cli.env)
    with oi.RunningOfflineimap(oi.offlineimap_program(), setup.rc, env) as running:
        running.wait_for("*** Finished account 'outlook'", 1)
        first = idp.counts["refresh_token"]
        # During the second sync: stop after it instead of sleeping again.
        running.wait_for("*** Processing account outlook", 2, timeout=60)
        status = running.finish()
    output = running.output()
    print("exit", status, "first", first, "refresh grants", dict(idp.counts))
    print(output)
    assert "ERROR" not in output and "authentication failed" not in output, output
    assert status == 0, output
    assert first >= 1 and idp.counts["refresh_token"] > first, dict(idp.counts)
    assert idp.counts["authorization_code"] == 0  # no new login since setup.login()
    logins = dovecot.log_text().count("Login: user=<%s>" % OUTLOOK["user"]) - logins_before
    assert logins >= 2, dovecot.log_text()[-2000:]
    assert oi.maildir_inventory(setup.maildir)["INBOX"]["count"] == 2


# -- offlineimap in another Python environment ------------------------------------

def test_pythonfile_falls_back_to_cli_when_offlineimap_has_its_own_python(
        tmp_path, cli, dovecot, test_ca):
    """offlineimap of .venv-offlineimap cannot import offlineimap_oauth: the
    pythonfile runs our CLI by absolute path instead, and the sync is whole."""
    program = oi.isolated_offlineimap_program()
    env = oi.offlineimap_env(cli.env, isolated=True)
    python = os.path.join(os.path.dirname(program), "python")
    probe = subprocess.run([python, "-c", "import offlineimap_oauth"], env=env,
                           capture_output=True, timeout=30, cwd=str(tmp_path))
    assert probe.returncode != 0, "the isolated virtualenv can import our package"
    setup = Setup(tmp_path, cli, dovecot, test_ca)
    setup.login()
    result = setup.sync(program=program, isolated=True)
    assert_synced(result, dovecot.server_inventory(WORK["user"]), setup.maildir)
