"""A private Dovecot 2.3 for tests, standing in for outlook.office365.com:993.

Offers `FakeDovecot(ca, introspection_url, directory)`, a context manager
that runs its own root-started Dovecot master (never the system instance):
IMAPS only, on 127.0.0.1 and a free port, certificate from the test CA,
XOAUTH2/OAUTHBEARER checked by Dovecot's oauth2 passdb against an RFC 7662
introspection endpoint (no auth cache, no failure delay), Maildir storage with
'/' as hierarchy separator like Exchange and modified UTF-7 names on the wire.

Mail helpers go through `doveadm` with the same configuration:
`populate_japanese_m365(user)` seeds the Japanese Microsoft 365 mailbox
(`JAPANESE_M365_FOLDERS`), `server_inventory(user)` reads every folder back
as {folder: {"count", "total_bytes", "flags", "sizes", "message_ids"}}, and
`flags(user, folder)` gives {uid: frozenset of flags}.

`directory` holds dovecot.conf and dovecot.log (`log_text()`). Files that
Dovecot's unprivileged processes must reach (base_dir, the oauth2 settings,
the CA copy, the mail) live in a short-named runtime directory under /tmp,
removed by `stop()`, because pytest's tmp directories are 0700 root.
"""

from __future__ import annotations

import base64
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Union

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
MAIL_USER = "vmail"  # owns the mail, like a typical userdb static setup
START_TIMEOUT_S = 15
STOP_TIMEOUT_S = 10

_OAUTH2_CONF = """\
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
scope = IMAP.AccessAsUser.All
tls_ca_cert_file = {ca}
timeout_msecs = 10000
"""

# Google's tokeninfo answered by the simulated Google (tests/fakes/google):
# url is BASE/tokeninfo?dovecot=1&access_token= (Dovecot appends the token).
GOOGLE_OAUTH2_CONF = """\
introspection_mode = get
introspection_url = {url}
username_attribute = email
active_attribute = active
active_value = true
tls_ca_cert_file = {ca}
timeout_msecs = 10000
"""

_DOVECOT_CONF = """\
instance_name = fake-dovecot-{port}
base_dir = {run}/base
state_dir = {state}
log_path = {log}
info_log_path = {log}
debug_log_path = {log}
protocols = imap
listen = 127.0.0.1
login_greeting = The Microsoft Exchange IMAP4 service is ready.
default_internal_user = dovecot
default_login_user = dovenull
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = xoauth2 oauthbearer
auth_cache_size = 0
# 0 instead of 2 s; failed replies still wait up to 500 ms because 2.3.19
# flushes its failure queue on a fixed 500 ms timer (auth-request-handler.c);
# a "nodelay" passdb field does not help for XOAUTH2 either.
auth_failure_delay = 0
auth_verbose = yes
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir:LAYOUT=fs
mail_max_userip_connections = 50
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {oauth2_conf}
}}
userdb {{
  driver = static
  # oauth2 cannot answer user lookups (doveadm): accept every user
  args = uid={uid} gid={gid} home={run}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def ensure_mail_user(name: str = MAIL_USER) -> pwd.struct_passwd:
    """Return the system user owning test mail, creating it if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
             name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (Dovecot binds it itself)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class FakeDovecot:
    """A private Dovecot IMAPS server; use as a context manager."""

    host = "127.0.0.1"

    def __init__(self, ca, introspection_url: str,
                 directory: Union[str, Path], oauth2_conf: Optional[str] = None):
        self._ca = ca
        # The oauth2 passdb settings ({url}, {ca} filled in); default: Microsoft's
        # introspection.  GOOGLE_OAUTH2_CONF: the simulated Google's tokeninfo by GET.
        self._oauth2_conf = oauth2_conf or _OAUTH2_CONF
        self.introspection_url = introspection_url
        self.directory = Path(directory)
        self.conf_path = self.directory / "dovecot.conf"
        self.log_path = self.directory / "dovecot.log"
        self.port: Optional[int] = None
        self._proc: Optional[subprocess.Popen] = None
        self._run: Optional[Path] = None

    # -- life cycle -------------------------------------------------------

    def start(self) -> "FakeDovecot":
        self.directory.mkdir(parents=True, exist_ok=True)
        self._run = Path(tempfile.mkdtemp(prefix="fdc-"))
        try:
            self._prepare_runtime()
            self._start_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_listening(self, attempts: int = 3) -> None:
        # The port is picked before Dovecot binds it: retry if someone
        # else took it in between.
        for _ in range(attempts):
            self.port = free_port(self.host)
            self._write_config()
            if self._spawn_and_wait():
                return
        raise RuntimeError("dovecot did not start:\n" + self.log_text())

    def _prepare_runtime(self) -> None:
        os.chmod(self._run, 0o755)
        vmail = ensure_mail_user()
        mail = self._run / "mail"
        mail.mkdir()
        os.chown(mail, vmail.pw_uid, vmail.pw_gid)
        os.chmod(mail, 0o700)
        ca_copy = self._run / "ca.pem"
        shutil.copyfile(self._ca.ca_cert_path, ca_copy)
        os.chmod(ca_copy, 0o644)
        oauth2 = self._run / "dovecot-oauth2.conf.ext"
        oauth2.write_text(self._oauth2_conf.format(
            url=self.introspection_url, ca=ca_copy))
        os.chmod(oauth2, 0o644)

    def _write_config(self) -> None:
        cert, key = self._ca.issue_server_cert("127.0.0.1")
        vmail = ensure_mail_user()
        state = self.directory / "state"
        state.mkdir(exist_ok=True)
        self.conf_path.write_text(_DOVECOT_CONF.format(
            port=self.port, run=self._run, state=state, log=self.log_path,
            cert=cert, key=key, uid=vmail.pw_uid, gid=vmail.pw_gid,
            oauth2_conf=self._run / "dovecot-oauth2.conf.ext"))

    def _spawn_and_wait(self) -> bool:
        """Start the master in the foreground; True once the port answers."""
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                return False
            if _port_open(self.host, self.port):
                return True
            time.sleep(0.05)
        self._kill()
        raise RuntimeError("dovecot did not listen in time:\n"
                           + self.log_text())

    def stop(self) -> None:
        self._kill()
        if self._run is not None:
            shutil.rmtree(self._run, ignore_errors=True)
            self._run = None

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:  # children left by a killed master share its process group
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> "FakeDovecot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- inspection -------------------------------------------------------

    def log_text(self) -> str:
        """Everything Dovecot logged so far (for failing tests)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def mailbox_dir(self, user: str) -> Path:
        """The user's Maildir root (INBOX); folders are subdirectories."""
        return self._run / "mail" / user.lower() / "Maildir"

    def doveadm(self, *args: str, stdin: Optional[bytes] = None) -> str:
        """Run doveadm against this instance; return stdout, raise on error."""
        done = subprocess.run(
            [DOVEADM, "-c", str(self.conf_path), *args], input=stdin,
            capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)} failed ({done.returncode}): "
                + done.stderr.decode(errors="replace"))
        return done.stdout.decode("utf-8", errors="replace")

    def flags(self, user: str, folder: str) -> Dict[int, FrozenSet[str]]:
        """Current flags of each message in `folder`, by UID."""
        out = self.doveadm("-f", "tab", "fetch", "-u", user, "uid flags",
                           "mailbox", folder, "all")
        return {int(row["uid"]): _flag_set(row["flags"])
                for row in _tab_rows(out)}

    def server_inventory(self, user: str) -> Dict[str, dict]:
        """Every folder: count, total_bytes (IMAP RFC822.SIZE), and per
        message (UID order) flags, sizes and message_ids."""
        inventory = {name: _empty_entry() for name in self._folders(user)}
        out = self.doveadm("-f", "tab", "fetch", "-u", user,
                           "mailbox uid flags size.virtual hdr.message-id",
                           "all")
        rows = sorted(_tab_rows(out),
                      key=lambda r: (r["mailbox"], int(r["uid"])))
        for row in rows:
            entry = inventory.setdefault(row["mailbox"], _empty_entry())
            size = int(row["size.virtual"])
            entry["count"] += 1
            entry["total_bytes"] += size
            entry["sizes"].append(size)
            entry["flags"].append(_flag_set(row["flags"]))
            entry["message_ids"].append(row["hdr.message-id"].strip())
        return inventory

    def _uidnext(self, user: str, folder: str) -> int:
        out = self.doveadm("-f", "tab", "mailbox", "status", "-u", user,
                           "uidnext", folder)
        return int(_tab_rows(out)[0]["uidnext"])

    def _folders(self, user: str) -> List[str]:
        return [line for line in
                self.doveadm("mailbox", "list", "-u", user).splitlines()
                if line]

    # -- population -------------------------------------------------------

    def populate_japanese_m365(self, user: str) -> Dict[str, dict]:
        """Seed `user` with the Japanese Microsoft 365 mailbox; return the
        resulting `server_inventory(user)`."""
        folders = [f for f in JAPANESE_M365_FOLDERS if f != "INBOX"]
        self.doveadm("mailbox", "create", "-s", "-u", user, *folders)
        for folder, messages in japanese_m365_messages(user).items():
            self._save_all(user, folder, messages)
        return self.server_inventory(user)

    def _save_all(self, user: str, folder: str,
                  messages: List[SeedMessage]) -> None:
        by_flags: Dict[FrozenSet[str], List[int]] = {}
        first_uid = self._uidnext(user, folder)
        for offset, message in enumerate(messages):
            self.doveadm("save", "-u", user, "-m", folder,
                         stdin=message.raw)
            if message.flags:
                by_flags.setdefault(message.flags, []).append(
                    first_uid + offset)
        for flag_set, uids in by_flags.items():
            self.doveadm("flags", "add", "-u", user, " ".join(sorted(flag_set)),
                         "mailbox", folder, "uid",
                         ",".join(map(str, uids)))


def _empty_entry() -> dict:
    return {"count": 0, "total_bytes": 0, "flags": [], "sizes": [],
            "message_ids": []}


def _flag_set(text: str) -> FrozenSet[str]:
    # \Recent says only that this session is the first to see the message.
    return frozenset(f for f in text.split() if f != "\\Recent")


def _tab_rows(out: str) -> List[Dict[str, str]]:
    """Rows of `doveadm -f tab` output as dicts keyed by the header line."""
    lines = out.splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


# -- the seed's Japanese Microsoft 365 mailbox ------------------------------

# Exchange Online's default folders in a Japanese mailbox, parents first.
JAPANESE_M365_FOLDERS = (
    "INBOX", "アーカイブ", "下書き", "送信済みアイテム", "削除済みアイテム",
    "迷惑メール", "送信トレイ", "予定表", "予定表/日本の休日", "予定表/誕生日",
    "連絡先", "タスク", "メモ", "ジャーナル", "会話の履歴",
)
BIG_MESSAGE_BYTES = 5 * 1024 * 1024  # the INBOX attachment, base64 encoded
SEEN, FLAGGED, DRAFT, ANSWERED = "\\Seen", "\\Flagged", "\\Draft", "\\Answered"

# folder -> [(subject, body, charset, flags)]; charset picks the encoding.
_SEED = {
    "INBOX": [
        ("会議のお知らせ", "来週の定例会議は水曜日です。", "iso-2022-jp", {SEEN}),
        ("請求書の送付について", "請求書を添付いたします。", "utf-8", {SEEN, FLAGGED}),
        ("Re: 出張の件", "承知しました。よろしくお願いします。", "iso-2022-jp", set()),
        ("【重要】パスワードの有効期限", "パスワードを変更してください。", "utf-8", {FLAGGED}),
    ],
    "アーカイブ": [
        ("昨年度の報告書", "報告書です。", "iso-2022-jp", {SEEN}),
        ("プロジェクト完了報告", "完了しました。", "utf-8", {SEEN, ANSWERED}),
    ],
    "下書き": [("書きかけのメール", "まだ途中です。", "utf-8", {DRAFT})],
    "送信済みアイテム": [
        ("見積もりのご依頼", "見積もりをお願いします。", "iso-2022-jp", {SEEN}),
        ("お礼", "ありがとうございました。", "utf-8", {SEEN}),
    ],
    "削除済みアイテム": [("不要なお知らせ", "削除済み。", "utf-8", {SEEN})],
    "迷惑メール": [
        ("当選おめでとうございます", "怪しいメールです。", "utf-8", set()),
        ("未払い料金のご案内", "迷惑メールです。", "iso-2022-jp", set()),
    ],
    "送信トレイ": [("送信待ちのメール", "送信トレイにあります。", "utf-8", set())],
    "予定表": [("定例会議", "毎週水曜日 10:00", "utf-8", {SEEN})],
    "予定表/日本の休日": [
        ("元日", "祝日", "utf-8", {SEEN}),
        ("成人の日", "祝日", "iso-2022-jp", {SEEN}),
    ],
    "予定表/誕生日": [("山田さんの誕生日", "誕生日", "utf-8", set())],
    "連絡先": [("山田 太郎", "連絡先", "utf-8", set())],
    "タスク": [("経費精算", "タスク", "utf-8", set())],
    "メモ": [("買い物リスト", "牛乳、卵", "utf-8", set())],
    "ジャーナル": [("電話の記録", "ジャーナル", "utf-8", set())],
    "会話の履歴": [("チャットの履歴", "会話の履歴", "iso-2022-jp", set())],
}


@dataclass(frozen=True)
class SeedMessage:
    """One message to put on the server: raw RFC 5322 bytes and flags."""

    raw: bytes
    flags: FrozenSet[str]


def japanese_m365_messages(user: str) -> Dict[str, List[SeedMessage]]:
    """The seed mailbox: folder -> messages, deterministic for `user`."""
    mailbox: Dict[str, List[SeedMessage]] = {}
    number = 0
    for folder, items in _SEED.items():
        for subject, body, charset, flags in items:
            number += 1
            raw = _text_message(user, number, subject, body, charset)
            mailbox.setdefault(folder, []).append(
                SeedMessage(raw, frozenset(flags)))
    mailbox["INBOX"].append(SeedMessage(_big_message(user, number + 1),
                                        frozenset()))
    return mailbox


def _headers(user: str, number: int, subject: str, charset: str) -> str:
    # RFC 2047 encoded-word, spelt as Japanese mailers do
    word = base64.b64encode(subject.encode(charset)).decode("ascii")
    encoded = f"=?{charset.upper()}?B?{word}?="
    return (f"From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\n"
            f"To: {user}\n"
            f"Subject: {encoded}\n"
            f"Date: Mon, {number % 28 + 1:02d} Apr 2024 09:00:00 +0900\n"
            f"Message-ID: <seed-{number}@example.co.jp>\n"
            f"MIME-Version: 1.0\n")


def _text_message(user: str, number: int, subject: str, body: str,
                  charset: str) -> bytes:
    if charset == "iso-2022-jp":  # 7bit, as Japanese mailers send it
        payload = (body + "\n").encode("iso-2022-jp")
        cte = "7bit"
    else:
        payload = base64.encodebytes((body + "\n").encode("utf-8"))
        cte = "base64"
    head = (_headers(user, number, subject, charset)
            + f"Content-Type: text/plain; charset={charset.upper()}\n"
            + f"Content-Transfer-Encoding: {cte}\n\n")
    return head.encode("ascii") + payload


def _big_message(user: str, number: int) -> bytes:
    """A multipart message whose base64 attachment is BIG_MESSAGE_BYTES."""
    data = random.Random(number).randbytes(BIG_MESSAGE_BYTES * 3 // 4)
    text = base64.encodebytes("大きな添付ファイルです。\n".encode("utf-8"))
    head = (_headers(user, number, "大容量ファイルの送付", "utf-8")
            + 'Content-Type: multipart/mixed; boundary="seed-boundary"\n\n')
    parts = (
        "--seed-boundary\nContent-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: base64\n\n".encode("ascii") + text
        + b"--seed-boundary\nContent-Type: application/octet-stream; "
        b'name="data.bin"\nContent-Disposition: attachment; '
        b'filename="data.bin"\nContent-Transfer-Encoding: base64\n\n'
        + base64.encodebytes(data) + b"--seed-boundary--\n")
    return head.encode("ascii") + parts
