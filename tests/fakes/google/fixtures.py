"""pytest fixtures for the simulated Google: ``google`` and ``gmail``.

Use them with ``from tests.fakes.google.fixtures import *`` in a test module
(they build on ``test_ca`` and ``ca_env`` from ``tests/fakes/fixtures.py``).

- ``google``: a started :class:`~tests.fakes.google.FakeGoogle`, stopped after the test.
- ``gmail``: a :class:`GmailSetup`: a Desktop app client in "Testing" with the
  user as test user, the account's accounts.conf values pointing at the
  fake, a validated account and a private token store.
"""

import pytest

from offlineimap_oauth.providers.google import settings
from offlineimap_oauth.store import TokenStore
from tests.fakes.google import FakeGoogle

__all__ = ["google", "gmail", "GmailSetup", "USER"]

USER = "me@gmail.com"


@pytest.fixture
def google(test_ca):
    with FakeGoogle(test_ca) as fake:
        yield fake


class GmailSetup:
    """The fake with one registered client and user, and the account that uses them."""

    def __init__(self, google, tmp_path):
        self.google = google
        google.add_user(USER)
        self.client = google.register_client(test_users=(USER,))
        self.store = TokenStore(str(tmp_path / "state"))
        self.raw = {"provider": "google", "user": USER, "client_id": self.client.client_id,
                    "client_secret": self.client.secret, "auth_uri": google.auth_uri,
                    "token_uri": google.token_uri}
        self.account = self.make_account()

    def make_account(self, name="gmail", **changes):
        raw = dict(self.raw, **changes)
        account, problems = settings.validate(name, {k: v for k, v in raw.items()
                                                     if v is not None})
        assert not problems, problems
        return account

    def section(self, name="gmail"):
        body = "".join("%s = %s\n" % item for item in self.raw.items())
        return "[account %s]\n%s\n" % (name, body)


@pytest.fixture
def gmail(google, ca_env, tmp_path):
    return GmailSetup(google, tmp_path)
