"""merge.py: the user's own lines, comments and spacing stay where they were when
convert replaces or adds its sections (issue 17)."""

import pytest

from offlineimap_oauth.convert import merge


def test_a_replaced_section_keeps_the_blank_lines_after_it_or_gets_one():
    user = "[a]\nk = 0\n\n\n[b]\nx = 1\n"
    assert merge.merge(user, [("a", "[a]\nk = 1\n")], merge.INI_HEADER) == \
        "[a]\nk = 1\n\n\n[b]\nx = 1\n"
    user = "[a]\nk = 0\n[b]\nx = 1\n"  # no blank line: one sets the new text apart
    assert merge.merge(user, [("a", "[a]\nk = 1\n")], merge.INI_HEADER) == \
        "[a]\nk = 1\n\n[b]\nx = 1\n"


@pytest.mark.parametrize("user, expected", [
    ("[a]\nk = 0\n\n# about b\n  ; more\n[b]\nx = 1\n",
     "[a]\nk = 1\n\n# about b\n  ; more\n[b]\nx = 1\n"),
    ("[a]\nk = 0\n# about b\n[b]\nx = 1\n",  # no blank line: still b's comment
     "[a]\nk = 1\n\n# about b\n[b]\nx = 1\n"),
])
def test_replacing_a_section_keeps_the_comments_that_introduce_the_next(user, expected):
    assert merge.merge(user, [("a", "[a]\nk = 1\n")], merge.INI_HEADER) == expected


def test_an_account_added_before_the_default_line_goes_above_the_comments_of_that_line():
    user = "# my default\n# (see msmtp(1))\naccount default : mine\n"
    assert merge.merge(user, [("outlook", "account outlook\nhost h\n")], merge.MSMTP_HEADER,
                       before="default") == \
        "account outlook\nhost h\n\n# my default\n# (see msmtp(1))\naccount default : mine\n"


@pytest.mark.parametrize("user, expected", [
    ("# a\n\n# b\n", "# a\n\n# b\n\n[new]\nk = v\n"),  # set apart from the comment
    ("# a\n\n", "# a\n\n[new]\nk = v\n"),  # already apart: no second blank line
])
def test_a_section_added_to_a_file_of_comments_is_set_apart_by_one_blank_line(user, expected):
    assert merge.merge(user, [("new", "[new]\nk = v\n")], merge.INI_HEADER) == expected
