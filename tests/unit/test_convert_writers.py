"""Writers against golden files; accounts.conf round trip; section merging."""

import os

import pytest

from offlineimap_oauth import accounts
from offlineimap_oauth.convert import merge, model
from offlineimap_oauth.convert.find import settings as gnus
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.convert.render import accounts_conf, gnus_el, msmtprc, offlineimaprc

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
GOLDEN = os.path.join(DATA, "convert")
COMMAND = ["/usr/local/bin/offlineimap-oauth"]
PYTHONFILE = "/home/me/.config/offlineimap-oauth/offlineimap-hook.py"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"  # regenerate, then review the diff


def conversion(name):
    def text(file):
        with open(os.path.join(DATA, "gnus", file), encoding="utf-8") as handle:
            return handle.read()
    found = gnus.find([(name + ".el", elisp.read_all(text(name + ".el"), name + ".el"))])
    return model.build(found, authinfo.parse(text(name + "-authinfo")))


def rendered(name):
    conv = conversion(name)
    return {
        "accounts.conf": merge.merge("", accounts_conf.sections(conv), merge.INI_HEADER),
        "offlineimaprc": merge.merge("", offlineimaprc.sections(conv), merge.INI_HEADER),
        "msmtprc": merge.merge("", msmtprc.sections(conv, COMMAND) + [msmtprc.default_line(conv)],
                               merge.MSMTP_HEADER),
        "gnus-accounts.el": gnus_el.render(conv, "/home/me/.config/offlineimap-oauth/gnus-accounts.el"),
    }


@pytest.mark.parametrize("name", ["seed", "multi"])
@pytest.mark.parametrize("output", ["accounts.conf", "offlineimaprc", "msmtprc", "gnus-accounts.el"])
def test_golden(name, output):
    text = rendered(name)[output]
    path = os.path.join(GOLDEN, "%s.%s" % (name, output))
    if UPDATE:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(path, encoding="utf-8") as handle:
        assert text == handle.read()


@pytest.mark.parametrize("secret", [
    'a;b "q" c\\d #e ;f', " leading space", "trail ", "%(x)s", "; x", "#x", "'q'", "日本\\u00e9",
    "plain~Secret.Value_1", "x # y", "tab\there",
])
def test_secrets_round_trip_exactly(secret):
    conv = conversion("seed")
    conv.accounts[0].client_secret = secret
    text = merge.merge("", accounts_conf.sections(conv), merge.INI_HEADER)
    parsed = accounts.parse(text, "accounts.conf")["outlook"]
    assert parsed.client_secret == secret


def test_multi_accounts_conf_reparses_to_the_model():
    conv = conversion("multi")
    parsed = accounts.parse(rendered("multi")["accounts.conf"], "accounts.conf")
    assert [account.provider for account in conv.accounts] == ["google", "microsoft", "microsoft"]
    for account in conv.accounts:
        got = parsed[account.name]
        assert got.provider == account.provider
        if account.provider == "google":  # Google's default scope and endpoints, not written
            assert (got.user, got.client_id, got.client_secret, got.scopes, got.token_uri) == \
                (account.user, account.client_id, account.client_secret,
                 ("https://mail.google.com/",), "https://oauth2.googleapis.com/token")
            assert got.redirect_uri is None  # the oob redirect is dropped
            continue
        assert (got.user, got.client_id, got.client_secret, got.tenant, got.redirect_uri) == \
            (account.user, account.client_id, account.client_secret, account.tenant,
             account.redirect_uri)
        assert got.scopes == account.scopes


def test_only_accounts_conf_holds_secrets():
    conv = conversion("multi")
    outputs = rendered("multi")
    secret = conv.accounts[0].client_secret
    assert accounts_conf.quote(secret) in outputs["accounts.conf"]
    for name in ("offlineimaprc", "msmtprc", "gnus-accounts.el"):
        assert secret not in outputs[name] and "notrecord" not in outputs[name]


FOREIGN_INI = """\
# my offlineimaprc
[general]
accounts = home
maxsyncaccounts = 2

# my home account, keep
[Account home]
localrepository = home-local

[Account outlook]
localrepository = stale
"""


def test_merge_replaces_ours_keeps_foreign_sections_and_comments():
    new = merge.merge(FOREIGN_INI, [("Account outlook", "[Account outlook]\nlocalrepository = x\n"),
                                    ("Account new", "[Account new]\na = b\n")], merge.INI_HEADER)
    assert new == FOREIGN_INI.replace("stale", "x") + "\n[Account new]\na = b\n"
    assert merge.merge(new, [("Account new", "[Account new]\na = b\n")], merge.INI_HEADER) == new


def test_set_keys_in_general():
    _, sections = merge.split(FOREIGN_INI, merge.INI_HEADER)
    general = "".join(sections[0].body)
    changed = merge.set_keys(general, {"accounts": "home, outlook", "pythonfile": "/p.py"})
    assert changed.startswith("[general]\naccounts = home, outlook\nmaxsyncaccounts = 2\n"
                              "pythonfile = /p.py\n")


def test_msmtp_merge_keeps_default_and_foreign_accounts():
    text = "defaults\ntls on\n\naccount mine\nhost h\n\naccount default : mine\n"
    new = merge.merge(text, [("outlook", "account outlook\nhost smtp\n")], merge.MSMTP_HEADER,
                      before="default")
    assert new == ("defaults\ntls on\n\naccount mine\nhost h\n\naccount outlook\nhost smtp\n\n"
                   "account default : mine\n")


def test_msmtp_lines_stay_short():
    conv = conversion("seed")
    with pytest.raises(Exception, match="msmtp accepts"):
        msmtprc.render_account(conv.accounts[0], ["/" + "x" * 600])


# ------------------------------------------- the user's files stay as they were (issue 17)

def test_merge_keeps_the_users_bytes_and_ends_every_line():
    user = "[a]\nk = v\n[b]\nx = y X"  # no newline at the end of the user's last line
    merged = merge.merge(user, [("c", "[c]\nn = 1\n")], merge.INI_HEADER)
    assert merged == "[a]\nk = v\n[b]\nx = y X\n\n[c]\nn = 1\n"
    # Replacing a section in place leaves the rest byte for byte, trailing blanks included.
    for tail in ("x = y  \n", "x = yX\n"):
        user = "[c]\nn = 0\n\n[b]\n" + tail
        assert merge.merge(user, [("c", "[c]\nn = 1\n")], merge.INI_HEADER) == \
            "[c]\nn = 1\n\n[b]\n" + tail


def test_a_new_section_after_a_preamble_only_file_is_set_apart():
    assert merge.merge("# my settings\nlogfile ~/.msmtp.log", [("a", "account a\nhost h\n")],
                       merge.MSMTP_HEADER) == \
        "# my settings\nlogfile ~/.msmtp.log\n\naccount a\nhost h\n"


def test_set_keys_finds_the_key_in_any_case_and_adds_new_ones_before_trailing_comments():
    assert merge.set_keys("[general]\nAccounts = home\n", {"accounts": "home, a"}) == \
        "[general]\naccounts = home, a\n"
    assert merge.set_keys("[general]\nui = ttyui\n  # one\n  ; two\n\n", {"pythonfile": "p"}) == \
        "[general]\nui = ttyui\npythonfile = p\n  # one\n  ; two\n\n"
    assert merge.set_keys("[general]\n# only a comment\n", {"pythonfile": "p"}) == \
        "[general]\npythonfile = p\n# only a comment\n"


def test_an_unchanged_file_does_not_stop_the_changed_ones_being_written(tmp_path):
    from offlineimap_oauth.convert import write

    same, changed = tmp_path / "same", tmp_path / "changed"
    same.write_text("s\n")
    changes = [write.Change("same", str(same), "s\n"), write.Change("changed", str(changed), "c\n")]
    assert write.apply(changes) == [(str(changed), None)]
    assert changed.read_text() == "c\n" and same.read_text() == "s\n"


def test_comments_just_before_a_section_stay_with_it():
    user = "[a]\nk = v\n\n# about b\n  ; and more\n[b]\nx = 1\n\n# about c\n[c]\ny = 2\n"
    merged = merge.merge(user, [("b", "[b]\nx = 2\n")], merge.INI_HEADER)
    assert merged == "[a]\nk = v\n\n# about b\n  ; and more\n[b]\nx = 2\n\n# about c\n[c]\ny = 2\n"
    assert [(s.name, "".join(s.lead)) for s in merge.split(user, merge.INI_HEADER)[1]] == [
        ("a", ""), ("b", "# about b\n  ; and more\n"), ("c", "# about c\n")]
    assert merge.get_key("[general]\nPythonFile = ~/x.py \n", "pythonfile") == "~/x.py"


@pytest.mark.parametrize("name, expected", [
    (".netrc", True), ("netrc", True), ("work.netrc", True), (".authinfo.gpg", True),
    ("AuthInfo", True), ("init.el", False), (".gnus.el", False)])
def test_authinfo_files_are_told_by_their_name(name, expected):
    from offlineimap_oauth.convert import plan

    assert plan.is_authinfo("/home/me/" + name) is expected


def test_every_input_is_read_whatever_comes_before_it(tmp_path):
    from offlineimap_oauth.convert import plan

    (tmp_path / ".authinfo").write_text("machine m login me@x.com password p\n")
    (tmp_path / "msmtprc").write_text("account a\nhost smtp.office365.com\nfrom me@x.com\n")
    (tmp_path / "init.el").write_text("(setq x 1)\n")
    lisp, entries, sightings = plan.read_inputs(
        [str(tmp_path / ".authinfo"), str(tmp_path / "msmtprc"), str(tmp_path / "init.el")])
    assert [path for path, _forms in lisp] == [str(tmp_path / "init.el")]
    assert len(entries) == 1 and len(sightings) == 1
