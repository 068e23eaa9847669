"""Our reader's nodes in the canonical form canonical.el prints for Emacs's data.

Tokens are separated by one space; strings and symbol names are
length-prefixed (``"3:abc``, ``y3:foo``, ``u3:foo`` for an uninterned symbol);
integers and characters are ``i<n>``; finite floats ``f`` + ``%.17g``, others
as Emacs prints them (``f1.0e+INF``, ``f-0.0e+NaN``); lists ``( ... . tail )``,
vectors ``[ ]``, byte-code ``#[ ]``, records ``#s( )``, hash tables
``#h(TEST k v ...)``, bool-vectors ``&<len>:0101``.  Shared nodes (``#1=``)
are labelled ``#N=`` when first printed and ``#N#`` after.
"""

import math
import struct

from offlineimap_oauth.convert.read.elisp import (BoolVector, ByteCode, Char, CharTable, Float,
                                                  Int, List, LoadFileName, Record, Str, Symbol,
                                                  Vector)

_SHAREABLE = (List, Vector)


def _float(value: float) -> str:
    if math.isnan(value):
        bits = struct.unpack("<Q", struct.pack("<d", value))[0]
        sign = "-" if bits >> 63 else ""
        return "f%s%d.0e+NaN" % (sign, bits & ((1 << 51) - 1))
    if math.isinf(value):
        return "f-1.0e+INF" if value < 0 else "f1.0e+INF"
    return "f%.17g" % value


def _counts(root) -> dict:
    counts, todo = {}, [root]
    while todo:
        node = todo.pop()
        if not isinstance(node, _SHAREABLE) or (isinstance(node, List) and not node.items):
            continue
        seen = counts.get(id(node), 0)
        counts[id(node)] = seen + 1
        if seen == 0:
            todo.extend(reversed(node.items))
            if isinstance(node, List) and node.tail is not None:
                todo.append(node.tail)
    return counts


def canonical(root) -> str:
    """The canonical text of one datum (iterative: any depth)."""
    counts = _counts(root)
    labels = {key: True for key, count in counts.items() if count > 1}
    out, todo, next_label = [], [root], 0
    while todo:
        node = todo.pop()
        if isinstance(node, str):  # a literal token queued by a container
            out.append(node)
            continue
        if isinstance(node, List) and not node.items:
            out.append("y3:nil")
            continue
        label = labels.get(id(node)) if isinstance(node, _SHAREABLE) else None
        if label is not None and label is not True:
            out.append("#%d#" % label)
            continue
        if label is True:
            labels[id(node)] = next_label
            out.append("#%d=" % next_label)
            next_label += 1
        out.extend(_atom(node, todo, labels))
    return " ".join(out)


def _atom(node, todo, labels) -> list:
    """Tokens for an atom, or the opening token of a container (its parts queued)."""
    if isinstance(node, (Int, Char)):
        return ["i%d" % node.value]
    if isinstance(node, Float):
        return [_float(node.value)]
    if isinstance(node, Symbol):
        return ["%s%d:%s" % ("y" if node.interned else "u", len(node.value), node.value)]
    if isinstance(node, Str):
        return ['"%d:%s' % (len(node.value), node.value)]
    if isinstance(node, LoadFileName):
        return ["y3:nil"]  # the oracle reads with load-file-name bound to nil
    if isinstance(node, BoolVector):
        return ["&%d:%s" % (node.length, "".join("1" if b else "0" for b in node.flags()))]
    if isinstance(node, List):
        parts, tail = list(node.items), node.tail
        while isinstance(tail, List) and tail.items and id(tail) not in labels:
            parts.extend(tail.items)
            tail = tail.tail
        queued = ["("] + parts + ([".", tail] if tail is not None and not _nil(tail) else []) + [")"]
        todo.extend(reversed(queued[1:]))
        return ["("]
    if isinstance(node, CharTable):
        return ["#^?"]
    if isinstance(node, Record) and node.items and isinstance(node.items[0], Symbol) \
            and node.items[0].name == "hash-table":
        return _hash_table(node, todo)
    if isinstance(node, Vector):
        opener, closer = {Record: ("#s(", ")"), ByteCode: ("#[", "]")}.get(type(node), ("[", "]"))
        todo.extend(reversed(list(node.items) + [closer]))
        return [opener]
    raise TypeError("no canonical form for %r" % (node,))


def _nil(node) -> bool:
    return isinstance(node, Symbol) and node.interned and node.name == "nil"


def _hash_table(node, todo) -> list:
    items = node.items[1:]
    options = {items[i].name: items[i + 1] for i in range(0, len(items) - 1, 2)
               if isinstance(items[i], Symbol)}
    test = options.get("test")
    data = options.get("data")
    pairs = list(data.items) if isinstance(data, List) else []
    todo.extend(reversed(pairs + [")"]))
    return ["#h(%s" % (test.name if isinstance(test, Symbol) else "eql")]
