"""Find the Gnus settings convert needs in read (never evaluated) Emacs Lisp.

``find(files)`` walks the top-level forms of each ``(source, forms)`` pair and
returns a :class:`Found`: the elements of ``gnusimapoauth2-accounts``, the
nnimap select methods, and ``gnus-permanently-visible-groups``.

Recognised setters: setq, setq-default, setopt, defvar, defcustom,
custom-set-variables, customize-set-variable, set, add-to-list and push; at
top level or inside progn, with-eval-after-load, eval-after-load,
use-package (:init, :config, :preface and :custom), when, unless, if, let,
let* and the like.  An assignment inside ``if``/``when``/``unless``/``cond``
(or ``and``/``or``) is still read, and a note names the conditional and the
branch, since convert cannot know which branch Emacs takes.  Every
assignment of any variable is kept in ``Found.assignments`` for the finders
of other setup styles, and ``defun`` bodies in ``Found.functions``.
A value is taken only when it is written out literally
(quoted data, a backquote, self-evaluating atoms, or ``(list ...)``/
``(cons ...)`` of those); anything computed at run time becomes a
:class:`RunTime` node that names the form and its location, in place, so
that every computed element of a list is reported, not only the first.
"""

from __future__ import annotations

from offlineimap_oauth.convert.read.elisp import Float, Int, List, Node, Str, Symbol, Vector, Char

ACCOUNTS_VAR = "gnusimapoauth2-accounts"
SELECT_METHODS_VAR = "gnus-secondary-select-methods"
SELECT_METHOD_VAR = "gnus-select-method"
VISIBLE_VAR = "gnus-permanently-visible-groups"
WATCHED = (ACCOUNTS_VAR, SELECT_METHODS_VAR, SELECT_METHOD_VAR, VISIBLE_VAR)

SETQ_FORMS = ("setq", "setq-default", "setopt", "setq-local")
DEFVAR_FORMS = ("defvar", "defcustom", "defconst")
SET_FORMS = ("customize-set-variable", "set", "set-default", "custom-set-default")
# Forms whose body runs, after skipping this many leading arguments.
BODY_FORMS = {"progn": 0, "prog1": 0, "with-eval-after-load": 1, "let": 1, "let*": 1,
              "save-excursion": 0, "eval-when-compile": 0, "eval-and-compile": 0,
              "with-no-warnings": 0, "ignore-errors": 0, "condition-case": 2,
              "with-demoted-errors": 1, "cl-eval-when": 1}
# Conditionals: each branch is walked, under a note naming it.
CONDITIONALS = ("if", "when", "unless", "cond", "and", "or", "pcase", "cl-case")
MAX_DEPTH = 200  # nesting of backquotes and data compared; deeper is not followed
USE_PACKAGE_BODIES = (":init", ":config", ":preface")


class RunTime(Node):
    """A value only known when Emacs runs the code: never guessed."""

    __slots__ = ("reason", "source")

    def __init__(self, node: Node, reason: str, source: str):
        super().__init__(node.line, node.col)
        self.reason, self.source = reason, source

    def where(self) -> str:
        return "%s:%d:%d" % (self.source, self.line, self.col)

    def __repr__(self):
        return "RunTime(%s: %s)" % (self.where(), self.reason)


class Found:
    """What the finders saw; each element keeps its source file."""

    def __init__(self):
        self.values = {}  # variable -> list of (element node, source), or None
        self.scalars = {}  # variable -> (node, source)
        self.runtime = []  # RunTime nodes for watched variables set to computed values
        self.assignments = []  # every Assignment, of any variable, in load order
        self.functions = {}  # defun name -> (body forms, source)
        self.notes = []  # assignments inside conditionals, code too deep to walk
        self.branches = ()  # the conditionals around the assignment being read
        self.sightings = []  # mailboxes seen in other input files (msmtprc)

    def elements(self, variable: str) -> list:
        return self.values.get(variable) or []

    @property
    def accounts(self) -> list:
        return self.elements(ACCOUNTS_VAR)

    @property
    def select_methods(self) -> list:
        methods = list(self.elements(SELECT_METHODS_VAR))
        if SELECT_METHOD_VAR in self.scalars:
            methods.insert(0, self.scalars[SELECT_METHOD_VAR])
        return methods

    @property
    def visible_groups(self):
        return self.scalars.get(VISIBLE_VAR)


class Assignment:
    """``variable`` set to ``expression`` at ``where``; ``branches`` name the
    conditionals around it (empty when it always runs)."""

    def __init__(self, variable, expression, source, branches):
        self.variable, self.expression, self.source = variable, expression, source
        self.branches = tuple(branches)
        self.where = "%s:%d:%d" % (source, expression.line, expression.col)

    def value(self):
        return constant(self.expression, self.source)


def find(files) -> Found:
    """Walk ``[(source, forms), ...]`` in load order."""
    found = Found()
    for source, forms in files:
        for form in forms:
            try:
                _walk(form, source, found, ())
            except RecursionError:  # code nested deeper than Python's stack: say so
                found.notes.append("%s: code nested too deeply was not searched for settings"
                                   % _where(source, form))
    return found


def _where(source, node) -> str:
    return "%s:%d:%d" % (source, node.line, node.col)


def _walk(form, source: str, found: Found, branches: tuple) -> None:
    if not isinstance(form, List) or not form.items:
        return
    head, args = form.head(), form.items[1:]
    if head in CONDITIONALS:
        _walk_conditional(form, head, args, source, found, branches)
        return
    if head in ("defun", "cl-defun", "defsubst") and len(args) >= 2 and isinstance(args[0], Symbol):
        found.functions[args[0].name] = (args[2:], source)
    found.branches = branches
    if head in SETQ_FORMS:
        for index in range(0, len(args) - 1, 2):
            _assign(found, args[index], args[index + 1], source, "set")
    elif head in DEFVAR_FORMS and len(args) >= 2:
        _assign(found, args[0], args[1], source, "default")
    elif head in SET_FORMS and len(args) >= 2:
        _assign(found, _quoted_symbol(args[0]), args[1], source, "set")
    elif head == "custom-set-variables":
        for entry in args:
            entry = _quoted(entry)
            if isinstance(entry, List) and len(entry.items) >= 2:
                _assign(found, entry.items[0], entry.items[1], source, "set")
    elif head == "add-to-list" and len(args) >= 2:
        append = len(args) >= 3 and not _is_nil(args[2])
        _assign(found, _quoted_symbol(args[0]), args[1], source, "append" if append else "add")
    elif head == "push" and len(args) >= 2:
        _assign(found, args[1], args[0], source, "push")
    elif head == "eval-after-load" and len(args) >= 2:
        _walk_deferred(args[1], source, found, branches)
    elif head == "use-package":
        _walk_use_package(args[1:], source, found, branches)
    elif head in BODY_FORMS:
        for inner in args[BODY_FORMS[head]:]:
            _walk(inner, source, found, branches)


def _walk_conditional(form, head, args, source, found, branches) -> None:
    """Walk every branch, each under its name ("the else branch of (if ...) at X")."""
    place = "(%s ...) at %s" % (head, _where(source, form))
    if head == "if" and args:
        arms = [("the then branch", [args[1]] if len(args) > 1 else []),
                ("the else branch", args[2:])]
    elif head in ("when", "unless") and args:
        arms = [("its body", args[1:])]
    elif head in ("cond", "pcase", "cl-case"):
        clauses = args if head == "cond" else args[1:]
        arms = [("clause %d" % number, clause.items[1:] if head != "cond" else clause.items)
                for number, clause in enumerate(clauses, 1) if isinstance(clause, List)]
    else:  # and, or: each argument runs only if the ones before allow it
        arms = [("argument %d" % number, [arg]) for number, arg in enumerate(args, 1)]
    for name, body in arms:
        for inner in body:
            _walk(inner, source, found, branches + ("%s of %s" % (name, place),))


def _walk_deferred(body, source, found, branches) -> None:
    """eval-after-load's body: quoted code, or a (lambda () ...) / #'(lambda ...)."""
    inner = _quoted(body)
    if inner is not body:
        _walk(inner, source, found, branches)
        return
    if isinstance(body, List) and body.head() == "function" and len(body.items) == 2:
        body = body.items[1]
    if isinstance(body, List) and body.head() == "lambda":
        for form in body.items[2:]:
            _walk(form, source, found, branches)


def _walk_use_package(args, source, found, branches) -> None:
    section = None
    for arg in args:
        if isinstance(arg, Symbol) and arg.keyword:
            section = arg.name
        elif section in USE_PACKAGE_BODIES:
            _walk(arg, source, found, branches)
        elif section == ":custom" and isinstance(arg, List) and len(arg.items) >= 2:
            found.branches = branches
            _assign(found, arg.items[0], arg.items[1], source, "set")


def _assign(found: Found, variable, expression, source: str, how: str) -> None:
    if not isinstance(variable, Symbol):
        return
    branches = found.branches
    found.assignments.append(Assignment(variable.name, expression, source, branches))
    if variable.name not in WATCHED:
        return
    name = variable.name
    if branches:
        found.notes.append("%s: %s is set inside %s; convert cannot tell whether Emacs takes "
                           "that branch and read it as if it does (check the result)"
                           % (_where(source, expression), name, "; inside ".join(branches)))
    if name in (SELECT_METHOD_VAR, VISIBLE_VAR):
        if how == "default" and name in found.scalars:
            return
        value = constant(expression, source)
        if isinstance(value, RunTime):
            found.runtime.append((name, value))
            found.scalars.pop(name, None)
        else:
            found.scalars[name] = (value, source)
        return
    if how == "default" and name in found.values:
        return
    value = constant(expression, source)
    if isinstance(value, RunTime):
        found.runtime.append((name, value))
        return
    current = list(found.values.get(name) or [])
    if how in ("set", "default"):
        if _is_nil(value):
            current = []
        elif isinstance(value, List) and value.tail is None:
            current = [(item, source) for item in value.items]
        else:
            found.runtime.append((name, RunTime(value, "%s is set to something that is not a "
                                                "list" % name, source)))
            return
    elif how == "push":
        current.insert(0, (value, source))
    elif not any(same(value, old) for old, _ in current):  # add-to-list: only if absent
        current.insert(len(current) if how == "append" else 0, (value, source))
    found.values[name] = current


def constant(expression, source: str):
    """The datum an expression evaluates to when that is written out, else RunTime."""
    if isinstance(expression, (Str, Int, Float, Char, Vector)):
        return expression
    if isinstance(expression, Symbol):
        if expression.keyword or expression.name in ("nil", "t"):
            return expression
        return RunTime(expression, "the variable %s (its value is only known when Emacs runs)"
                       % expression.name, source)
    if not isinstance(expression, List) or not expression.items:
        return expression  # () is nil
    head = expression.head()
    if head in ("quote", "function") and len(expression.items) == 2:
        return expression.items[1]
    if head == "`" and len(expression.items) == 2:
        return _backquoted(expression.items[1], source, 0)
    if head in ("list", "cons") and expression.tail is None:
        items = [constant(item, source) for item in expression.items[1:]]
        if head == "cons" and len(items) == 2:
            if isinstance(items[1], List) and items[1].tail is None:
                return List([items[0]] + items[1].items, expression.line, expression.col)
            if _is_nil(items[1]):
                return List([items[0]], expression.line, expression.col)
            return List([items[0]], expression.line, expression.col, tail=items[1])
        if head == "list":
            return List(items, expression.line, expression.col)
    return RunTime(expression, "a call to %s (its result is only known when Emacs runs)"
                   % (head or "a function"), source)


UNQUOTE_REASON = "an unquote (,) inside a backquote is computed when Emacs runs"


def _backquoted(node, source: str, depth: int):
    """A backquote template with each unquote replaced by a RunTime node in place."""
    if depth > MAX_DEPTH:
        return RunTime(node, "a backquote nested too deeply to read", source)
    if isinstance(node, List) and node.head() in (",", ",@") and len(node.items) == 2:
        return RunTime(node, UNQUOTE_REASON, source)
    if isinstance(node, List):
        items = [_backquoted(item, source, depth + 1) for item in node.items]
        tail = _backquoted(node.tail, source, depth + 1) if node.tail is not None else None
        if not any(isinstance(x, RunTime) for x in items) and not isinstance(tail, RunTime) \
                and all(a is b for a, b in zip(items, node.items)):
            return node
        return List(items, node.line, node.col, tail)
    return node


def runtime_parts(node, limit: int = 100) -> list:
    """Every RunTime node inside a (partly) constant value, in order."""
    out, todo, seen = [], [node], set()
    while todo and len(out) < limit:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, RunTime):
            out.append(current)
        elif isinstance(current, (List, Vector)):
            children = list(current.items)
            if isinstance(current, List) and current.tail is not None:
                children.append(current.tail)
            todo.extend(reversed(children))
    return out


def _quoted(node):
    if isinstance(node, List) and node.head() in ("quote", "`") and len(node.items) == 2:
        return node.items[1]
    return node


def _quoted_symbol(node):
    inner = _quoted(node)
    return inner if isinstance(inner, Symbol) else None


def _is_nil(node) -> bool:
    if isinstance(node, Symbol):
        return node.name == "nil"
    return isinstance(node, List) and not node.items and node.tail is None


def same(left, right, depth: int = 0) -> bool:
    """Structural equality of two data (add-to-list compares with equal)."""
    if depth > MAX_DEPTH:
        return left is right
    if isinstance(left, (List, Vector)) and type(left) is type(right):
        if len(left.items) != len(right.items):
            return False
        if isinstance(left, List) and not (left.tail is None) == (right.tail is None):
            return False
        pairs = list(zip(left.items, right.items))
        if isinstance(left, List) and left.tail is not None:
            pairs.append((left.tail, right.tail))
        return all(same(a, b, depth + 1) for a, b in pairs)
    return type(left) is type(right) and getattr(left, "value", None) == getattr(right, "value", None)


def plist(node, source: str):
    """A plist's (key name -> value node) and the problems found reading it."""
    if not isinstance(node, List) or node.tail is not None:
        return None, ["%s:%d:%d: an account must be a plist (:user \"...\" :oauth2-client-id "
                      "\"...\" ...)" % (source, node.line, node.col)]
    values, problems = {}, []
    items = node.items
    for index in range(0, len(items), 2):
        key = items[index]
        if not (isinstance(key, Symbol) and key.keyword):
            problems.append("%s:%d:%d: expected a :keyword in the account plist, found %s"
                            % (source, key.line, key.col, _describe(key)))
            continue
        if index + 1 >= len(items):
            problems.append("%s:%d:%d: %s has no value" % (source, key.line, key.col, key.name))
            continue
        values.setdefault(key.name, items[index + 1])
    return values, problems


def _describe(node) -> str:
    if isinstance(node, Symbol):
        return "the symbol %s" % node.name
    if isinstance(node, Str):
        return "the string %r" % node.value
    return type(node).__name__.lower()
