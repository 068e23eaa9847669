"""Messages are safe for a terminal: text from a user's files or a server
cannot change colours, retitle the window, clear the screen or reorder what is
displayed, while newlines, tabs and Japanese stay as they are."""

import pytest

from offlineimap_oauth.errors import shown


@pytest.mark.parametrize("char,escape", [
    ("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\x00", "\\x00"), ("\r", "\\x0d"), ("\x7f", "\\x7f"),
    ("\x9b", "\\x9b"), ("\u2028", "\\u2028"), ("\u202e", "\\u202e"), ("\u2066", "\\u2066"),
])
def test_characters_a_terminal_acts_on_are_escaped(char, escape):
    assert shown("a%sb" % char) == "a%sb" % escape


def test_lines_tabs_and_japanese_are_kept():
    text = "受信トレイ:\n\t- アカウント 'work'"
    assert shown(text) == text
