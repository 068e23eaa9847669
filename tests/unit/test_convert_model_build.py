"""model.build in-process (issue 17): every problem of every setting is listed at
once, an entry convert leaves alone does not stop the ones after it, and the
visible-groups regexp follows every renamed server, whatever its name holds."""

import pytest

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import settings as gnus
from offlineimap_oauth.convert.read import elisp
from offlineimap_oauth.errors import ConfigError
from tests.unit.test_convert_model import PLIST, convert, problems_of
from tests.unit.test_convert_model_runtime import ACCOUNTS

YOU = PLIST.replace("me@outlook.jp", "you@contoso.com").replace("consumers", "organizations")
FASTMAIL = ('(:user "me@fastmail.com" :oauth2-client-id "abc" '
            ':oauth2-auth-url "https://api.fastmail.com/oauth/authorize" '
            ':oauth2-token-url "https://api.fastmail.com/oauth/refresh")')


def methods(*servers):
    return "(setq gnus-secondary-select-methods '(%s))\n" % " ".join(servers)


def nnimap(name, host="outlook.office365.com", *options):
    return '(nnimap "%s" (nnimap-address "%s") %s)' % (name, host, " ".join(options))


def test_a_bad_port_of_a_microsoft_server_is_a_problem_and_of_another_server_a_note():
    bogus = '(nnimap-server-port "bogus")'
    assert problems_of(methods(nnimap("outlook", "outlook.office365.com", bogus)) + ACCOUNTS) == [
        "init.el:1:39: nnimap 'outlook': nnimap-server-port bogus is not a port number or "
        "service name"]
    conversion = convert(methods(nnimap("home", "imap.example.org", bogus)) + ACCOUNTS)
    assert conversion.notes[0] == ("init.el:1:39: nnimap 'home': nnimap-server-port bogus is "
                                   "not a port number or service name")
    assert [account.user for account in conversion.accounts] == ["me@outlook.jp"]


def test_a_computed_entry_does_not_hide_the_problems_of_the_entries_after_it():
    assert problems_of("(setq gnusimapoauth2-accounts (list (my-account) "
                       "'(:user \"you@outlook.jp\")))") == [
        "init.el:1:37: an element of gnusimapoauth2-accounts is computed (a call to my-account "
        "(its result is only known when Emacs runs)); write the value out literally",
        "account you@outlook.jp (init.el:1:51): :oauth2-auth-url and :oauth2-token-url are "
        "missing; they name the tenant (https://login.microsoftonline.com/TENANT/oauth2/v2.0/"
        "authorize)",
        "account you@outlook.jp (init.el:1:51): :oauth2-client-id is missing"]


def test_an_entry_left_alone_does_not_stop_the_entries_after_it():
    conversion = convert("(setq gnusimapoauth2-accounts '(%s %s))" % (FASTMAIL, PLIST))
    assert [account.user for account in conversion.accounts] == ["me@outlook.jp"]
    assert [skipped.label for skipped in conversion.skipped] == ["me@fastmail.com"]


def test_a_mailbox_that_can_only_take_a_name_already_used_is_refused():
    """An nnimap server "me" for me@contoso.com, completed with --client-id, beside a
    gnusimapoauth2 entry for me@outlook.jp, named me too."""
    text = methods(nnimap("me", "outlook.office365.com", '(nnimap-user "me@contoso.com")'))
    found = gnus.find([("init.el", elisp.read_all(text + ACCOUNTS, "init.el"))])
    completion = model.Completion("22222222-2222-4222-8222-222222222222")
    with pytest.raises(ConfigError) as caught:
        model.build(found, [], completion)
    assert caught.value.problems == ["init.el:1:39: two accounts would both be named 'me'"]


def test_visible_groups_follow_a_server_listed_after_an_account_without_one():
    text = (methods(nnimap("work", "outlook.office365.com", '(nnimap-user "you@contoso.com")'))
            + '(setq gnus-permanently-visible-groups "^nnimap\\\\+work:")\n'
            + "(setq gnusimapoauth2-accounts '(%s %s))" % (PLIST, YOU))
    conversion = convert(text)
    assert [(account.name, account.nnimap) for account in conversion.accounts] == [
        ("me", None), ("work", "work")]
    assert conversion.visible_groups == "^nnmaildir\\+work:"


def test_visible_groups_match_a_server_name_with_regexp_characters_literally():
    """Gnus reads the regexp: a `+` or `.` in the name is quoted in what is written, and
    found whether the user quoted it (as Emacs needs) or not."""
    text = (methods(nnimap("me+work.2", "outlook.office365.com", '(nnimap-user "me@outlook.jp")'))
            + '(setq gnus-permanently-visible-groups '
              '"^nnimap\\\\+me\\\\+work\\\\.2:\\\\|^nnimap+me+work.2:INBOX")' + ACCOUNTS)
    conversion = convert(text)
    assert conversion.accounts[0].name == "me+work.2"
    assert conversion.visible_groups == "^nnmaildir\\+me\\+work\\.2:\\|^nnmaildir\\+me\\+work\\.2:INBOX"


def test_a_name_never_starts_with_punctuation():
    """`-x` would read as an option (`offlineimap-oauth login -x`), `.x` as a hidden file."""
    text = methods(nnimap(".Xchange", "outlook.office365.com", '(nnimap-user "me@outlook.jp")'))
    [account] = convert(text + ACCOUNTS).accounts
    assert (account.name, account.nnimap) == ("Xchange", ".Xchange")
