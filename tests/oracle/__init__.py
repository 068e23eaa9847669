"""Emacs as the oracle for our Emacs Lisp reader: one canonical form of data
(canonical.py for our nodes, canonical.el inside Emacs) and a batch runner
(emacs.py) that has one Emacs process read many files or texts."""
