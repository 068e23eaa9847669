"""Offers `require_binary(name)`: the path of an external program a test needs.

Outside CI a missing program skips the test; in CI (`CI=true`) it fails it,
because there a missing component means the test stack is broken.
"""

import os
import shutil

import pytest

# Where Debian puts daemons that are not on an unprivileged PATH.
_EXTRA_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def in_ci() -> bool:
    """True when running under CI (the CI variable set to a true value)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_binary(name: str) -> str:
    """Return the absolute path of `name`; fail (CI) or skip if missing."""
    path = shutil.which(name)
    if path is None:
        extra = os.pathsep.join(_EXTRA_DIRS)
        path = shutil.which(name, path=extra)
    if path is not None:
        return path
    missing_component(f"required program {name!r} not found on PATH")


def missing_component(message: str):
    """Fail the test under CI (the stack is broken there), else skip it."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing component is a failure)")
    pytest.skip(message)
    raise AssertionError("unreachable")
