"""Readers: Emacs Lisp and authinfo files as data, with file:line:col."""
