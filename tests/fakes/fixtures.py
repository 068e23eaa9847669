"""pytest fixtures for the fakes: ``test_ca``, ``idp`` and ``ca_env``.

Use them with ``from tests.fakes.fixtures import *`` in a test module (or
from a conftest.py).

- ``test_ca`` (session): a :class:`~tests.fakes.tls.TestCA` in a temp dir.
- ``idp`` (function): a started :class:`~tests.fakes.idp.FakeIdentityPlatform`,
  stopped after the test.
- ``ca_env`` (function): REQUESTS_CA_BUNDLE and SSL_CERT_FILE point at the
  test CA bundle (the machine exports both globally, and requests then
  ignores a ``verify=`` given to MSAL); yields the TestCA.
"""

import pytest

from tests.fakes.idp import FakeIdentityPlatform
from tests.fakes.tls import TestCA

__all__ = ["test_ca", "idp", "ca_env"]


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture
def idp(test_ca):
    with FakeIdentityPlatform(test_ca) as platform:
        yield platform


@pytest.fixture
def ca_env(test_ca, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", test_ca.bundle_path)
    monkeypatch.setenv("SSL_CERT_FILE", test_ca.bundle_path)
    yield test_ca
