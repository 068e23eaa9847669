"""What convert says about values only Emacs can compute (a variable, a
call, an unquote): each message names where, what is computed and what
convert does or what to write instead, whole, because that is the user's
next step.  Pinned in-process (mutation testing sees model.build)."""

import pytest

from tests.unit.test_convert_model import PLIST, convert, problems_of

ACCOUNTS = "\n(setq gnusimapoauth2-accounts '(%s))" % PLIST
LATER = "(its value is only known when Emacs runs)"


@pytest.mark.parametrize("setting, note", [
    ('(setq gnus-permanently-visible-groups (concat "^nnimap" x))',
     "init.el:1:39: gnus-permanently-visible-groups is computed (a call to concat (its result is "
     "only known when Emacs runs)); not adapted"),
    ("(setq gnus-secondary-select-methods my-methods)",
     "init.el:1:37: gnus-secondary-select-methods is computed (the variable my-methods %s), so "
     "its servers are unknown; convert uses the default Microsoft hosts "
     "(outlook.office365.com:993, smtp.office365.com:587)" % LATER),
    ("(setq gnus-secondary-select-methods (list (list 'nnimap \"outlook\" "
     "(list 'nnimap-address host))))",
     "init.el:1:89: part of a select method is computed (the variable host %s); convert uses "
     "the default Microsoft hosts where it needs them" % LATER),
])
def test_a_computed_setting_is_noted_with_what_convert_uses_instead(setting, note):
    conversion = convert(setting + ACCOUNTS)
    assert note in conversion.notes
    assert [account.user for account in conversion.accounts] == ["me@outlook.jp"]


@pytest.mark.parametrize("text, problem", [
    ("(setq gnusimapoauth2-accounts my-accounts)",
     "init.el:1:31: gnusimapoauth2-accounts: the variable my-accounts %s; write the value out "
     "literally" % LATER),
    ("(setq gnusimapoauth2-accounts (list (my-account)))",
     "init.el:1:37: an element of gnusimapoauth2-accounts is computed (a call to my-account (its "
     "result is only known when Emacs runs)); write the value out literally"),
])
def test_computed_accounts_are_refused_with_what_to_write(text, problem):
    assert problems_of(text) == [problem]


def test_nothing_to_convert_says_whether_something_else_was_seen():
    assert problems_of("(setq x 1)") == [
        "no Microsoft mailbox can be converted: no gnusimapoauth2-accounts setting was found"]
    seen = problems_of("(setq gnus-secondary-select-methods '((nnimap \"outlook\" "
                       "(nnimap-address \"outlook.office365.com\"))))")
    assert seen[0] == ("no Microsoft mailbox can be converted: no gnusimapoauth2-accounts "
                       "setting was found, and nothing else that was seen has an app registration")
