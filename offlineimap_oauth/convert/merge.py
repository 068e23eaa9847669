"""Merge rendered sections into an existing config file, leaving the rest alone.

``split(text, header_re)`` cuts a file into a preamble and named sections
(an INI ``[name]`` or an msmtp ``account name`` line starts one); comments
and blank lines just before a header belong to the section they introduce.
``merge(text, sections, header_re)`` replaces the sections of the same name
and appends the new ones; everything else stays byte for byte.
``set_keys(section_text, values)`` changes ``key = value`` lines in one INI
section.
"""

from __future__ import annotations

import re

INI_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*$")
MSMTP_HEADER = re.compile(r"^\s*(?:account\s+(\S+)(?:\s*:.*)?|(defaults))\s*$")


class Section:
    """``lead`` (comments introducing it) + ``body`` (header line to its last setting)."""

    def __init__(self, name, lead, body):
        self.name, self.lead, self.body = name, lead, body

    def text(self) -> str:
        return "".join(self.lead + self.body)


def _name(match) -> str:
    return next(group for group in match.groups() if group).strip()


def split(text: str, header_re) -> tuple:
    """(preamble lines, [Section]) of ``text``; lines keep their newlines."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    preamble, sections, current = [], [], None
    for line in lines:
        match = header_re.match(line)
        if match:
            owner = current.body if current else preamble
            lead = _trailing_comments(owner)
            current = Section(_name(match), lead, [line])
            sections.append(current)
        else:
            (current.body if current else preamble).append(line)
    return preamble, sections


def _trailing_comments(lines: list) -> list:
    """Pop the comment and blank lines at the end of ``lines`` and return them."""
    index = len(lines)
    while index > 0 and _comment_or_blank(lines[index - 1]):
        index -= 1
    tail = lines[index:]
    # Keep the blank line that separates sections with the previous one.
    while tail and not tail[0].strip():
        tail.pop(0)
        index += 1
    del lines[index:]
    return tail


def _comment_or_blank(line: str) -> bool:
    text = line.strip()
    return not text or text.startswith(("#", ";"))


def merge(text: str, sections: list, header_re, before: str | None = None) -> str:
    """``text`` with each (name, rendered text) section replaced or added.

    New sections go at the end, or just before the section named ``before``.
    """
    preamble, existing = split(text, header_re)
    by_name = {section.name: section for section in existing}
    for name, rendered in sections:
        lines = rendered.splitlines(keepends=True)
        if name in by_name:
            section = by_name[name]
            section.body = lines + _blank_tail(section.body)
            continue
        new = Section(name, [], lines + ["\n"])
        anchor = by_name.get(before) if before else None
        if anchor is not None:
            existing.insert(existing.index(anchor), new)
        else:
            if existing and existing[-1].body and existing[-1].body[-1].strip():
                existing[-1].body.append("\n")
            elif not existing and preamble and preamble[-1].strip():
                preamble.append("\n")
            existing.append(new)
        by_name[name] = new
    out = "".join(preamble) + "".join(section.text() for section in existing)
    return out.rstrip("\n") + "\n" if out.strip() else ""


def _blank_tail(lines: list) -> list:
    tail = []
    for line in reversed(lines):
        if line.strip():
            break
        tail.append(line)
    return tail or ["\n"]


def set_keys(section_text: str, values: dict) -> str:
    """An INI section with ``key = value`` set for each item (replaced in place or added)."""
    lines = section_text.splitlines(keepends=True)
    for key, value in values.items():
        pattern = re.compile(r"^\s*%s\s*[=:]" % re.escape(key), re.I)
        new = "%s = %s\n" % (key, value)
        for index, line in enumerate(lines):
            if pattern.match(line):
                lines[index] = new
                break
        else:
            last = max(i for i, line in enumerate(lines) if line.strip() and
                       not line.lstrip().startswith(("#", ";")) or i == 0)
            lines.insert(last + 1, new)
    return "".join(lines)


def get_key(section_text: str, key: str):
    """The raw value of ``key`` in an INI section, or None."""
    for line in section_text.splitlines():
        match = re.match(r"^\s*%s\s*[=:]\s*(.*?)\s*$" % re.escape(key), line, re.I)
        if match:
            return match.group(1)
    return None
