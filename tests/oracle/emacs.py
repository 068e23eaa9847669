"""Run Emacs once over many files (or texts) and parse what canonical.el wrote.

``read_files(emacs, paths, workdir)`` and ``read_texts(emacs, texts, workdir)``
(``mode="print"``: also each form as ``prin1`` prints it)
return one :class:`Result` per input: the coding system Emacs decoded it
with (files), the canonical text of every form Emacs read, and Emacs's read
error ("" when it read to the end).
"""

import os
import subprocess

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "canonical.el")


class Result:
    def __init__(self, path=None, coding=None):
        self.path, self.coding, self.forms, self.error = path, coding, [], ""
        self.printed, self.escaped = [], []  # prin1's text of each form (mode "print")


def _command(emacs, mode, input_path, output_path):
    return [emacs, "-Q", "--batch", "-l", SCRIPT, mode, input_path, output_path]


def _env():
    return dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")


def _output(output_path):
    with open(output_path, encoding="utf-8", newline="") as handle:
        return handle.read()


def _run(emacs, mode, input_path, output_path, timeout):
    subprocess.run(_command(emacs, mode, input_path, output_path), check=True,
                   capture_output=True, timeout=timeout, env=_env())
    return _output(output_path)


class Running:
    """An Emacs reading files in the background; ``results()`` waits for it."""

    def __init__(self, emacs, paths, workdir):
        self.paths = list(paths)
        listing = os.path.join(workdir, "files.txt")
        self.output = os.path.join(workdir, "out.txt")
        with open(listing, "w", encoding="utf-8") as handle:
            handle.write("\n".join(self.paths) + "\n")
        self.process = subprocess.Popen(_command(emacs, "files", listing, self.output),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env=_env())

    def results(self, timeout):
        try:
            _out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        assert self.process.returncode == 0, err.decode("utf-8", "replace")[-2000:]
        results = _results(_output(self.output))
        assert [r.path for r in results] == self.paths, "Emacs did not answer for every file"
        return results


def start_files(emacs, paths, workdir):
    """Start one Emacs reading every file in ``paths``."""
    return Running(emacs, paths, workdir)


def _fields(text):
    pos = 0
    while pos < len(text):
        if text[pos] == "\n":
            pos += 1
            continue
        tag = text[pos]
        colon = text.index(":", pos)
        length = int(text[pos + 1:colon])
        yield tag, text[colon + 1:colon + 1 + length]
        pos = colon + 1 + length


def _results(text):
    results, current = [], None
    for tag, value in _fields(text):
        if tag == "F":
            current = Result(path=value)
        elif tag == "C":
            current.coding = value
        elif tag in "PQ":
            if current is None:
                current = Result()
            current.printed.append(value) if tag == "P" else current.escaped.append(value)
        elif tag == "R":
            if current is None:
                current = Result()
            current.forms.append(value)
        elif tag == "X":
            current = current or Result()
            current.error = value
            results.append(current)
            current = None
    return results


def read_files(emacs, paths, workdir, timeout=600):
    return start_files(emacs, paths, workdir).results(timeout)


def read_texts(emacs, texts, workdir, timeout=120, mode="strings"):
    source = os.path.join(workdir, "texts.txt")
    with open(source, "w", encoding="utf-8", newline="") as handle:
        handle.write("".join("%d:%s" % (len(t), t) for t in texts))
    results = _results(_run(emacs, mode, source, os.path.join(workdir, "out.txt"), timeout))
    assert len(results) == len(texts), "Emacs did not answer for every text"
    return results
