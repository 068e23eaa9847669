"""Finders (gnus.py) and the per-account model (model.py)."""

import os

import pytest

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import settings as gnus
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.errors import ConfigError

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "gnus")
PLIST = ('(:user "me@outlook.jp" :oauth2-client-id "11111111-1111-4111-8111-111111111111" '
         ':oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize" '
         ':oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")')


def convert(text, auth="", source="init.el"):
    found = gnus.find([(source, elisp.read_all(text, source))])
    return model.build(found, authinfo.parse(auth, "authinfo"))


def fixture(name):
    path = os.path.join(DATA, name)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("form", [
    "(setq gnusimapoauth2-accounts '(%s))",
    "(setq-default gnusimapoauth2-accounts '(%s))",
    "(defvar gnusimapoauth2-accounts '(%s) \"doc\")",
    "(defcustom gnusimapoauth2-accounts '(%s) \"doc\" :type 'sexp)",
    "(custom-set-variables '(gnusimapoauth2-accounts '(%s)))",
    "(customize-set-variable 'gnusimapoauth2-accounts '(%s))",
    "(add-to-list 'gnusimapoauth2-accounts '%s)",
    "(push '%s gnusimapoauth2-accounts)",
    "(progn (when t (unless nil (setq gnusimapoauth2-accounts '(%s)))))",
    "(with-eval-after-load 'gnus (setq gnusimapoauth2-accounts '(%s)))",
    "(eval-after-load 'gnus '(setq gnusimapoauth2-accounts '(%s)))",
    "(eval-after-load \"gnus\" (lambda () (setq gnusimapoauth2-accounts '(%s))))",
    "(use-package gnus :init (setq gnusimapoauth2-accounts '(%s)))",
    "(use-package gnus :ensure t :config (message \"x\") (setq gnusimapoauth2-accounts '(%s)))",
    "(use-package gnus :custom (gnusimapoauth2-accounts '(%s)))",
    "(setq gnusimapoauth2-accounts `(%s))",
    "(setq gnusimapoauth2-accounts (list (list %s)))",
])
def test_every_setter_and_wrapper_is_found(form):
    plist = PLIST if "(list %s)" not in form else PLIST[1:-1]
    conversion = convert(form % plist)
    [account] = conversion.accounts
    assert (account.name, account.user, account.tenant) == ("me", "me@outlook.jp", "consumers")
    assert account.imap_host == "outlook.office365.com" and account.imap_port == 993
    assert any("no nnimap server" in note for note in conversion.notes)


def test_seed_configuration():
    conversion = convert(fixture("seed.el"), fixture("seed-authinfo"), "seed.el")
    [account] = conversion.accounts
    assert account.name == "outlook" and account.nnimap == "outlook"
    assert account.client_secret == "s3cr3t~Value.From_Portal"
    assert account.scopes == ("https://outlook.office.com/IMAP.AccessAsUser.All",
                              "https://outlook.office.com/POP.AccessAsUser.All",
                              "https://outlook.office.com/SMTP.Send")
    assert account.redirect_uri == "https://login.microsoftonline.com/common/oauth2/nativeclient"
    assert (account.smtp_host, account.smtp_port, account.smtp_starttls) == \
        ("smtp.office365.com", 587, True)
    assert account.authority is None and account.where == "seed.el:12:1"
    assert conversion.visible_groups == r"^nndraft:drafts\|^nnmaildir\+outlook:"
    assert conversion.notes == [] and conversion.skipped == []


def test_multi_account_wrapped_forms():
    conversion = convert(fixture("multi.el"), fixture("multi-authinfo"), "multi.el")
    gmail, outlook, work = conversion.accounts  # the Gmail entry is pushed to the front
    assert (outlook.name, outlook.tenant, outlook.imap_port) == ("outlook", "consumers", 993)
    assert outlook.client_secret == 'a;b "q" c\\d #e ;f'
    assert (work.name, work.tenant, work.client_secret) == \
        ("work", "72f988bf-86f1-41af-91ab-2d7cd011db47", None)
    assert (gmail.provider, gmail.name, gmail.user, gmail.client_id, gmail.client_secret) == \
        ("google", "gmail", "me@gmail.com", "123-abc.apps.googleusercontent.com", "g-secret")
    assert (gmail.imap_host, gmail.imap_port, gmail.smtp_host, gmail.smtp_port) == \
        ("imap.gmail.com", 993, "smtp.gmail.com", 587)
    assert gmail.tenant is None and gmail.redirect_uri is None and gmail.scopes == ()
    assert conversion.skipped == []
    assert any("urn:ietf:wg:oauth:2.0:oob is dropped: Google blocked" in note
               for note in conversion.notes)
    assert conversion.visible_groups.endswith(r"\|^nnmaildir\+work:INBOX")


def test_sovereign_cloud_authority_and_default_hosts():
    text = PLIST.replace("login.microsoftonline.com/consumers", "login.microsoftonline.us/contoso.us")
    conversion = convert("(setq gnusimapoauth2-accounts '(%s))" % text)
    [account] = conversion.accounts
    assert account.authority == "https://login.microsoftonline.us/contoso.us"
    assert (account.imap_host, account.smtp_host) == ("outlook.office365.us", "smtp.office365.us")


def test_imap_service_port_and_nnimap_user_and_starttls():
    text = ("(setq gnus-secondary-select-methods '((nnimap \"Mail Box\" (nnimap-address \"imap.x\")"
            " (nnimap-server-port \"imap\") (nnimap-stream starttls) (nnimap-user \"me@outlook.jp\"))))"
            "(setq gnusimapoauth2-accounts '(%s))" % PLIST)
    [account] = convert(text).accounts
    assert (account.name, account.imap_host, account.imap_port, account.imap_ssl) == \
        ("Mail_Box", "imap.x", 143, False)


def test_later_setq_replaces_and_defvar_does_not():
    text = ("(setq gnusimapoauth2-accounts '((:user \"old@x.com\")))"
            "(setq gnusimapoauth2-accounts '(%s))"
            "(defvar gnusimapoauth2-accounts '((:user \"other@x.com\")))" % PLIST)
    assert [a.user for a in convert(text).accounts] == ["me@outlook.jp"]


def problems_of(text, auth=""):
    with pytest.raises(ConfigError) as caught:
        convert(text, auth)
    return caught.value.problems


def test_missing_client_id_names_account_and_key():
    [problem] = problems_of("(setq gnusimapoauth2-accounts '(%s))"
                            % PLIST.replace(':oauth2-client-id "11111111-1111-4111-8111-111111111111"', ""))
    assert "account me@outlook.jp (init.el:1:33)" in problem and ":oauth2-client-id is missing" in problem


def test_disagreeing_urls_name_both_keys():
    [problem] = problems_of("(setq gnusimapoauth2-accounts '(%s))"
                            % PLIST.replace("consumers/oauth2/v2.0/token", "organizations/oauth2/v2.0/token"))
    assert ":oauth2-auth-url" in problem and ":oauth2-token-url" in problem and "disagree" in problem
    assert "me@outlook.jp" in problem


@pytest.mark.parametrize("text, where, words", [
    ("(setq gnusimapoauth2-accounts my-accounts)", "init.el:1:31", "the variable my-accounts"),
    ("(setq gnusimapoauth2-accounts (my-accounts))", "init.el:1:31", "a call to my-accounts"),
    ("(setq gnusimapoauth2-accounts `((:user ,u)))", "init.el:1:40", "unquote"),
    ("(setq gnusimapoauth2-accounts (list (list :user \"a@b.c\" :oauth2-client-id id)))",
     "init.el:1:75", "the variable id"),
])
def test_run_time_values_are_reported_never_guessed(text, where, words):
    problems = problems_of(text)
    assert any(where in p and words in p for p in problems), problems


def test_seed_placeholders_are_refused_with_the_key():
    problems = problems_of(fixture("seed-literal.el"), fixture("seed-literal-authinfo"))
    assert any(":oauth2-client-id" in p and "not a GUID" in p for p in problems)
    assert any(":user" in p and "not a mail address" in p for p in problems)


def test_no_accounts_at_all():
    assert "no gnusimapoauth2-accounts" in problems_of("(setq x 1)")[0]


def test_two_mailboxes_with_the_same_local_part_get_distinct_names():
    other = PLIST.replace("me@outlook.jp", "me@contoso.com")
    conversion = convert("(setq gnusimapoauth2-accounts '(%s %s))" % (PLIST, other))
    assert [(a.name, a.user) for a in conversion.accounts] == [
        ("me", "me@outlook.jp"), ("me@contoso.com", "me@contoso.com")]
    # Sent by msmtp with STARTTLS on 587, IMAP over TLS on 993, unless the setup says otherwise.
    assert {(a.smtp_port, a.smtp_starttls, a.imap_port, a.imap_ssl)
            for a in conversion.accounts} == {(587, True, 993, True)}
    with pytest.raises(ConfigError) as caught:
        convert("(setq gnusimapoauth2-accounts '(%s %s %s))" % (PLIST, PLIST, PLIST))
    assert caught.value.message == "Cannot convert: 1 problem(s)."
    assert caught.value.problems == ["init.el:1:529: two accounts would both be named "
                                     "'me@outlook.jp'"]
    assert caught.value.hint == ("Fix them in your Emacs files and run convert again; nothing "
                                 "was written.")
