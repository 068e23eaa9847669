"""An HTTP client for MSAL that never outlives a wall-clock deadline.

``requests`` timeouts bound each socket operation, not a request: a server
that accepts and never answers costs the connect and read timeouts of every
request and retry, and one that trickles a byte every few seconds never
times out at all.  msmtp and offlineimap wait on ``token`` with no timeout
of their own, so :class:`DeadlineHttpClient` runs each request in a daemon
thread and stops waiting for it when the deadline comes: the caller gets
``requests.exceptions.Timeout`` naming the host, and the abandoned request
dies with its own socket timeouts (or with the process, which is about to
exit anyway).
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

# The longest a single request may wait for one socket operation; the
# deadline usually cuts in first.
SOCKET_TIMEOUT_S = 10


class DeadlineHttpClient:
    """MSAL's ``http_client``: ``get``/``post``/``close`` bounded by ``deadline``.

    ``deadline`` is a ``time.monotonic()`` value shared by every request of
    one refresh (discovery and token grant).
    """

    def __init__(self, deadline: float, socket_timeout: float = SOCKET_TIMEOUT_S):
        import requests

        self.deadline = deadline
        self.socket_timeout = socket_timeout
        self.session = requests.Session()

    def get(self, url, params=None, headers=None, **kwargs):
        return self._request("GET", url, params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._request("POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self):
        self.session.close()

    def _request(self, method, url, **kwargs):
        import requests

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise requests.exceptions.Timeout("no time left to ask %s" % _host(url))
        kwargs.pop("timeout", None)  # ours, not MSAL's per-request one
        timeout = min(self.socket_timeout, remaining)
        outcome: dict = {}

        def run():
            try:
                outcome["response"] = self.session.request(method, url, timeout=timeout,
                                                           **kwargs)
            except BaseException as error:  # handed to the waiting thread
                outcome["error"] = error

        worker = threading.Thread(target=run, name="http " + _host(url), daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():
            raise requests.exceptions.Timeout(
                "%s did not answer within the %d s deadline" % (_host(url), int(remaining)))
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
