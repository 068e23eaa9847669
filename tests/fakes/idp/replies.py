"""HTTP answers of the simulated identity platform.

Offers the :data:`~.model.Reply` builders every endpoint uses: JSON with
Microsoft's no-cache headers (``_json_reply``), HTML (``_html_reply``,
``_html_page``), a 302 redirect (``_redirect_reply``) and Microsoft's
``response_mode=form_post`` auto-submitting page (``_form_post_page``).
"""

from __future__ import annotations

import html
import json

from .model import Reply


def _html_page(title: str, text: str) -> bytes:
    return ("<!DOCTYPE html><html><head><title>%s</title></head><body>"
            "<h1>%s</h1><p>%s</p></body></html>" % (
                html.escape(title), html.escape(title), html.escape(text, quote=False))
            ).encode("utf-8")


def _form_post_page(action: str, fields: dict) -> bytes:
    """Microsoft's response_mode=form_post page: a form a script submits."""
    inputs = "".join('<input type="hidden" name="%s" value="%s" />' % (
        html.escape(k), html.escape(v)) for k, v in fields.items())
    return ('<html><head><title>Working...</title></head><body>'
            '<form method="POST" name="hiddenform" action="%s">%s'
            '<noscript><p>Script is disabled. Click Submit to continue.</p>'
            '<input type="submit" value="Submit" /></noscript></form>'
            '<script language="javascript">document.forms[0].submit();</script>'
            '</body></html>' % (html.escape(action), inputs)).encode("utf-8")


def _json_reply(status: int, obj, extra_headers=None) -> Reply:
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
    headers.update(extra_headers or {})
    return Reply(status, headers, json.dumps(obj).encode("utf-8"))


def _html_reply(status: int, body: bytes) -> Reply:
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, body)


def _redirect_reply(location: str) -> Reply:
    return Reply(302, {"Location": location, "Content-Type": "text/html; charset=utf-8"},
                 b"<html><body>Object moved</body></html>")
