"""Each setup style that holds a Microsoft mailbox, found with file:line:col
(snippets written for these tests)."""

import pytest

from offlineimap_oauth.convert import model
from offlineimap_oauth.convert.find import settings as finder
from offlineimap_oauth.convert.read import authinfo, elisp
from offlineimap_oauth.errors import ConfigError

CLIENT = "22222222-2222-4222-8222-222222222222"
MS_URLS = (':auth-url "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize" '
           ':token-url "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"')
PLIST = ('(:user "me@outlook.jp" :oauth2-client-id "11111111-1111-4111-8111-111111111111" '
         ':oauth2-auth-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize" '
         ':oauth2-token-url "https://login.microsoftonline.com/consumers/oauth2/v2.0/token")')


def convert(text, auth="", completion=None):
    found = finder.find([("init.el", elisp.read_all(text, "init.el"))])
    return model.build(found, authinfo.parse(auth, "authinfo"), completion)


def problems_of(text, auth="", completion=None):
    with pytest.raises(ConfigError) as caught:
        convert(text, auth, completion)
    return caught.value.problems


NNIMAP = ("(setq gnus-secondary-select-methods\n"
          "      '((nnimap \"work\" (nnimap-address \"outlook.office365.com\")\n"
          "                (nnimap-server-port 993) (nnimap-stream ssl))))\n")
WORK_AUTHINFO = "machine work login me@contoso.com password hunter2\n"


def test_nnimap_server_with_a_password_is_named_with_what_is_missing():
    problems = problems_of(NNIMAP, WORK_AUTHINFO)
    assert "no Microsoft mailbox can be converted" in problems[0]
    [seen] = [p for p in problems if "seen, not converted" in p]
    assert "me@contoso.com" in seen and "init.el:2:9" in seen and "nnimap 'work'" in seen
    assert "missing: an app registration (client id)" in seen and "--client-id" in seen


def test_client_id_completes_the_nnimap_mailbox():
    conversion = convert(NNIMAP, WORK_AUTHINFO,
                         model.Completion(CLIENT, "contoso.com", "pass show azure"))
    [account] = conversion.accounts
    assert (account.name, account.user, account.client_id, account.tenant) == \
        ("work", "me@contoso.com", CLIENT, "contoso.com")
    assert (account.imap_host, account.imap_port, account.nnimap) == \
        ("outlook.office365.com", 993, "work")
    assert account.client_secret_command == "pass show azure"
    assert account.smtp_host == "smtp.office365.com"  # default, said in a note
    assert any("no SMTP server seen" in note for note in conversion.notes)


def test_tenant_defaults_from_the_address_and_says_so():
    text = NNIMAP.replace("outlook.office365.com", "imap-mail.outlook.com")
    conversion = convert(text, "machine work login me@hotmail.com password x\n",
                         model.Completion(CLIENT))
    [account] = conversion.accounts
    assert account.tenant == "consumers" and account.imap_host == "imap-mail.outlook.com"
    assert any("using consumers" in note for note in conversion.notes)


def test_smtpmail_at_office365_is_a_mailbox():
    text = ('(setq smtpmail-smtp-server "smtp.office365.com"\n'
            '      smtpmail-smtp-service 587\n      smtpmail-smtp-user "me@contoso.com")\n')
    problems = problems_of(text)
    assert any("smtpmail me@contoso.com at smtp.office365.com (init.el:1:28)" in p
               for p in problems)
    [account] = convert(text, completion=model.Completion(CLIENT)).accounts
    assert (account.smtp_host, account.smtp_port, account.tenant) == \
        ("smtp.office365.com", 587, "organizations")


def test_posting_style_smtp_method_is_a_mailbox():
    text = ("(setq gnus-posting-styles\n"
            "      '((\".*\" (\"X-Message-SMTP-Method\" \"smtp smtp-mail.outlook.com 587 "
            "me@outlook.com\"))))\n")
    problems = problems_of(text)
    assert any("X-Message-SMTP-Method me@outlook.com at smtp-mail.outlook.com (init.el:2:40)"
               in p for p in problems)


def test_authinfo_xoauth2_lines():
    auth = ("machine outlook.office365.com login me@contoso.com port 993 auth xoauth2\n"
            "machine imap.gmail.com login me@gmail.com port 993 auth xoauth2\n")
    problems = problems_of("(setq x 1)", auth)
    assert any("authinfo auth xoauth2 me@contoso.com" in p and "authinfo:1:1" in p
               for p in problems)
    assert any("me@gmail.com (authinfo:2:1): Gmail is not converted" in p for p in problems)


def test_auth_source_xoauth2_plist_gives_the_registration():
    text = ("(setq auth-source-xoauth2-creds\n"
            "      '(:token-url \"https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token\""
            "\n        :client-id \"%s\" :client-secret \"s3cret\" :refresh-token \"r\"))\n"
            % CLIENT)
    auth = "machine outlook.office365.com login me@contoso.com port 993 auth xoauth2\n"
    conversion = convert(text, auth)
    [account] = conversion.accounts
    assert (account.client_id, account.tenant, account.client_secret) == \
        (CLIENT, "contoso.com", "s3cret")
    assert any("uses the app registration of auth-source-xoauth2-creds at init.el:2:8" in n
               for n in conversion.notes)


def test_auth_source_xoauth2_lambda_body_and_named_function():
    body = ('(list :token-url "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"'
            ' :client-id "%s" :client-secret (my-secret) :refresh-token "r")' % CLIENT)
    auth = "machine outlook.office365.com login me@contoso.com port 993 auth xoauth2\n"
    for text in ("(setq auth-source-xoauth2-creds (lambda (host user port) (when t %s)))" % body,
                 "(defun my-creds (host user port) %s)\n"
                 "(setq auth-source-xoauth2-creds 'my-creds)" % body):
        [account] = convert(text, auth).accounts
        assert (account.client_id, account.tenant, account.client_secret) == \
            (CLIENT, "organizations", None)


def test_oauth_plist_under_another_name_with_a_user():
    text = ('(defvar my-mail-oauth\n  (list :user "me@contoso.com" :client-id "%s"\n'
            '        :client-secret "x" %s\n        :scope "https://outlook.office.com/IMAP.'
            'AccessAsUser.All"))' % (CLIENT, MS_URLS))
    [account] = convert(text).accounts
    assert (account.user, account.tenant, account.scopes) == \
        ("me@contoso.com", "contoso.com", ("https://outlook.office.com/IMAP.AccessAsUser.All",))
    assert account.where == "init.el:2:3"


def test_oauth_plist_without_a_user_is_never_borrowed():
    text = ('(setq my-oauth (list :client-id "%s" %s))\n' % (CLIENT, MS_URLS)) + NNIMAP
    problems = problems_of(text, WORK_AUTHINFO)
    assert any("OAuth plist in my-oauth names an app registration" in p and "init.el:1:16" in p
               for p in problems)
    assert any("missing: an app registration" in p for p in problems)


def test_gmail_plist_and_nnimap_are_listed_not_converted():
    text = ("(setq gnus-secondary-select-methods '((nnimap \"g\" (nnimap-address "
            "\"imap.gmail.com\"))))\n(setq gnusimapoauth2-accounts '(%s))" % PLIST)
    conversion = convert(text, "machine g login me@gmail.com password x\n")
    assert [s.label for s in conversion.skipped] == ["me@gmail.com"]
    assert [a.user for a in conversion.accounts] == ["me@outlook.jp"]


def test_sovereign_cloud_host():
    text = NNIMAP.replace("outlook.office365.com", "outlook.office365.us")
    [account] = convert(text, WORK_AUTHINFO, model.Completion(CLIENT, "contoso.us")).accounts
    assert account.authority == "https://login.microsoftonline.us/contoso.us"
    assert account.smtp_host == "smtp.office365.us"


def test_computed_select_methods_are_a_note_and_the_account_converts():
    text = ("(setq gnus-secondary-select-methods (mapcar #'my-method my-servers))\n"
            "(setq gnusimapoauth2-accounts '(%s))" % PLIST)
    conversion = convert(text)
    [account] = conversion.accounts
    assert account.imap_host == "outlook.office365.com"
    assert any("init.el:1:37: gnus-secondary-select-methods is computed" in n
               and "default Microsoft hosts" in n for n in conversion.notes)


def test_every_computed_key_of_an_account_is_reported():
    text = ("(setq gnusimapoauth2-accounts\n"
            "  `((:user ,user :oauth2-client-id ,id\n"
            "     :oauth2-auth-url ,auth :oauth2-token-url \"https://login.microsoftonline.com/"
            "consumers/oauth2/v2.0/token\")))")
    problems = problems_of(text)
    assert any(":user is an unquote" in p and "init.el:2:12" in p for p in problems)
    assert any(":oauth2-client-id is an unquote" in p and "init.el:2:36" in p for p in problems)
    assert any(":oauth2-auth-url is an unquote" in p and "init.el:3:23" in p for p in problems)


def test_assignments_inside_conditionals_are_noted_by_branch():
    text = ("(if (eq system-type 'darwin)\n"
            "    (setq gnusimapoauth2-accounts '(%s))\n"
            "  (setq gnusimapoauth2-accounts nil))\n"
            "(cond ((getenv \"WORK\") (setq gnus-secondary-select-methods nil)))" % PLIST)
    conversion = problems_of(text)  # the else branch (read last) empties the list
    assert "no Microsoft mailbox" in conversion[0]
    notes = [p for p in conversion if p.startswith("note:")]
    assert any("init.el:2:35: gnusimapoauth2-accounts is set inside the then branch of (if ...)"
               " at init.el:1:1" in n for n in notes)
    assert any("init.el:3:33" in n and "the else branch of (if ...) at init.el:1:1" in n
               for n in notes)
    assert any("clause 1 of (cond ...) at init.el:4:1" in n for n in notes)


def test_no_account_says_so_first_then_lists_what_was_seen():
    auth = "machine smtp.office365.com login me@contoso.com port 587 password x\n"
    text = '(setq smtpmail-smtp-server "smtp.office365.com" smtpmail-smtp-user "me@contoso.com")'
    problems = problems_of(text, auth)
    assert problems[0].startswith("no Microsoft mailbox can be converted")
    assert any(p.startswith("seen, not converted: me@contoso.com") for p in problems[1:])


def test_authinfo_value_missing_is_reported_not_repaired():
    with pytest.raises(ConfigError) as caught:
        authinfo.parse("machine a login\nmachine b login me password x\n"
                       "machine c login \"machine\" password y\n", "auth")
    problem = str(caught.value)
    assert problem.startswith("auth:1:11: 'login' has no value") and "'machine'" in problem
    assert problem.count("has no value") == 1  # reading resumes at the keyword: one report
    with pytest.raises(ConfigError) as caught:
        authinfo.parse("machine a login\nmachine b port\n", "auth")
    assert [p[:10] for p in caught.value.problems] == ["auth:1:11:", "auth:2:11:"]
