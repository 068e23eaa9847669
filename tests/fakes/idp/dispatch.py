"""Request routing and injected faults of the simulated identity platform.

Offers :class:`Dispatch`: the route table from method and path to an
``_ep_<name>`` endpoint, ``_handle`` (count, log, apply faults, answer one
request), and the fault controls tests use, ``fail`` (answer HTTP 5xx with
Microsoft's error JSON and Retry-After), ``hang`` (delay, cut short by
``stop()``), ``refuse`` (answer a token request with any error JSON, e.g. a
reported AADSTS text), ``refuse_authorize`` (send the browser back to the
redirect URI with error parameters instead of a code), ``trickle`` (answer
one byte at a time) and ``drop`` (close the connection unanswered).
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import parse_qsl

from .errors import AadError, _fault_body
from .model import HANG_LIMIT_S, TRICKLE_HEADER, Reply
from .replies import _json_reply


class Dispatch:
    """Part of FakeIdentityPlatform: route requests, inject faults.

    Uses the platform's ``_lock``, ``_faults``, ``_stopping``, ``counts`` and
    ``request_log``.
    """

    # ----------------------------------------------------------- faults

    def fail(self, status=500, count=1, path_contains="/token", retry_after=None, html=False):
        """The next ``count`` requests whose path contains ``path_contains``
        answer HTTP ``status`` with Microsoft's error JSON (and Retry-After); with
        ``html``, with a captive portal's page instead."""
        with self._lock:
            self._faults.append({"kind": "fail", "status": status, "count": count,
                                 "path": path_contains, "retry_after": retry_after,
                                 "html": html})

    def hang(self, seconds, count=1, path_contains="/token"):
        """The next ``count`` matching requests wait ``seconds`` (at most
        HANG_LIMIT_S, cut short by stop()) and then answer normally."""
        with self._lock:
            self._faults.append({"kind": "hang", "seconds": min(seconds, HANG_LIMIT_S),
                                 "count": count, "path": path_contains})

    def trickle(self, interval, count=1, path_contains="/token"):
        """The next ``count`` matching requests get their answer one byte per
        ``interval`` seconds (a proxy or load balancer in trouble)."""
        with self._lock:
            self._faults.append({"kind": "trickle", "interval": interval, "count": count,
                                 "path": path_contains})

    def drop(self, count=1, path_contains="/token"):
        """The next ``count`` matching requests lose their connection unanswered."""
        with self._lock:
            self._faults.append({"kind": "drop", "count": count, "path": path_contains})

    def refuse(self, error, code=None, text="", grant_type=None, status=400, count=1):
        """The next ``count`` token requests (of ``grant_type``, if given)
        answer ``status`` with Microsoft's error JSON for ``error``/``code``/
        ``text``; without a code, only ``error`` and ``error_description``."""
        body = AadError(error, code, text, status).as_json() if code else {
            "error": error, "error_description": text}
        with self._lock:
            self._faults.append({"kind": "refuse", "count": count, "path": "/token",
                                 "grant_type": grant_type, "status": status, "body": body})

    def refuse_authorize(self, params, count=1):
        """The next ``count`` authorize requests redirect back with ``params``
        (e.g. error and error_description) instead of a code."""
        with self._lock:
            self._faults.append({"kind": "authorize", "count": count, "path": "/authorize",
                                 "params": dict(params)})

    def _take_fault(self, kind, path, form=None):
        with self._lock:
            for fault in self._faults:
                if fault["kind"] == kind and fault["count"] > 0 and fault["path"] in path \
                        and fault.get("grant_type") in (None, (form or {}).get("grant_type")):
                    fault["count"] -= 1
                    return fault
        return None

    # -------------------------------------------------------- dispatch

    _ROUTES = [
        ("GET", re.compile(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$"), "discovery"),
        ("GET", re.compile(r"^/([^/]+)/oauth2/v2\.0/authorize$"), "authorize"),
        ("POST", re.compile(r"^/([^/]+)/oauth2/v2\.0/token$"), "token"),
        ("POST", re.compile(r"^/([^/]+)/oauth2/v2\.0/devicecode$"), "devicecode"),
        ("GET", re.compile(r"^/([^/]+)/discovery/v2\.0/keys$"), "keys"),
        ("GET", re.compile(r"^/(devicelogin)$"), "devicelogin"),
        ("POST", re.compile(r"^/(introspect)$"), "introspect"),
        ("GET", re.compile(r"^/(introspect)$"), "introspect"),
    ]

    def _route(self, method, path):
        for route_method, pattern, name in self._ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                return name, match.group(1)
        return None, None

    def _handle(self, method, path, query, headers, body) -> Optional[Reply]:
        """Answer one HTTP request; None means "drop the connection" (stopping)."""
        name, segment = self._route(method, path)
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            self.request_log.append((method, path))
            if name is not None:
                self.counts[form.get("grant_type", "") if name == "token" else name] += 1
        hang = self._take_fault("hang", path)
        if hang and self._stopping.wait(hang["seconds"]):
            return None
        if self._take_fault("drop", path):
            return None
        fault = self._take_fault("fail", path)
        if fault is not None and fault.get("html"):
            return Reply(fault["status"], {"Content-Type": "text/html; charset=utf-8"},
                         b"<html><body>Sign in to the hotel Wi-Fi</body></html>")
        if fault is not None:
            extra = {} if fault["retry_after"] is None else {
                "Retry-After": str(fault["retry_after"])}
            return _json_reply(fault["status"], _fault_body(fault["status"]), extra)
        refusal = self._take_fault("refuse", path, form)
        if refusal is not None:
            return _json_reply(refusal["status"], refusal["body"])
        redirect = self._take_fault("authorize", path) if name == "authorize" else None
        if redirect is not None:
            with self._lock:
                return self._auth_response(query, dict(redirect["params"]))
        if name is None:
            return _json_reply(404, {"error": "not_found", "error_description": path})
        trickle = self._take_fault("trickle", path)
        with self._lock:
            reply = getattr(self, "_ep_" + name)(segment, query, form, headers)
        if trickle:
            reply = reply._replace(headers=dict(reply.headers,
                                                **{TRICKLE_HEADER: str(trickle["interval"])}))
        return reply
