"""A browser stand-in for tests, plugged in through the BROWSER variable.

    BROWSER="/path/to/python /work/main/tests/fakes/browser.py %s"

Python's webbrowser module runs that command (a "%s" in it makes a
GenericBrowser) and waits for it; exit status 0 means "browser opened". If
it exits non-zero, webbrowser tries the next browser it knows (www-browser,
lynx, ... when installed), so tests should not rely on a failure here
reaching the program under test. webbrowser reads BROWSER once per process.

Because the caller waits, delivery to a local listener happens in a
detached background process: MSAL's listener (and most one-shot listeners)
only start serving after the browser command returns, so waiting for the
listener here would deadlock. FAKE_BROWSER_LOG is therefore written shortly
after the listener answers, not before this command exits.

What it does with the URL, like a user who signs in at once:
- GET it (trusting FAKE_BROWSER_CA, else REQUESTS_CA_BUNDLE, else
  SSL_CERT_FILE) without following the redirect;
- a redirect to http://localhost or http://127.0.0.1: GET that URL (in the
  background), so a local listener receives the code, and append the page
  text to the file named by FAKE_BROWSER_LOG (if set);
- a response_mode=form_post page whose form targets localhost: POST the
  fields there, as the page's script would, and log the page likewise;
- any other redirect (e.g. the nativeclient page): write the Location, what
  the address bar shows, to the file named by FAKE_BROWSER_LANDED;
- an error page from the identity platform: its text on stderr, exit 1.

Prints nothing on stdout: the program under test owns it.
"""

import html
import http.client
import os
import re
import ssl
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

LOCAL_HOSTS = ("localhost", "127.0.0.1")
REDIRECTS = (301, 302, 303, 307, 308)
TIMEOUT_S = 30


def _tls_context():
    cafile = (os.environ.get("FAKE_BROWSER_CA") or os.environ.get("REQUESTS_CA_BUNDLE")
              or os.environ.get("SSL_CERT_FILE") or None)
    return ssl.create_default_context(cafile=cafile)


def _request(method, url, body=None):
    """One HTTP exchange, no redirect following: (status, location, text)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, context=_tls_context(), timeout=TIMEOUT_S)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
    headers = {"User-Agent": "fake-browser/1.0"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Location"), text
    finally:
        conn.close()


class _FormParser(HTMLParser):
    """Finds the first form: its method, action and input fields."""

    def __init__(self):
        super().__init__()
        self.method = self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.method = (attrs.get("method") or "GET").upper()
            self.action = attrs.get("action") or ""
        elif tag == "input" and self.action is not None and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def _page_text(text):
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).strip()


def _is_local(url):
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in LOCAL_HOSTS


def _write(variable, text, mode):
    path = os.environ.get(variable)
    if path:
        with open(path, mode, encoding="utf-8") as f:
            f.write(text + "\n")


def _deliver_in_background(method, url, body=""):
    """Reach a local listener from a detached process, so we can exit now."""
    subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--deliver", method, url, body],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True)


def _deliver(method, url, body):
    """The background half: talk to the listener, log what it answered."""
    try:
        _, _, text = _request(method, url, body.encode("ascii") if body else None)
    except (OSError, http.client.HTTPException) as e:
        text = "fake browser: %s %s: %s" % (method, url, e)
    _write("FAKE_BROWSER_LOG", text, "a")
    return 0


def _land(location):
    """Follow a redirect the way the address bar would."""
    if _is_local(location):
        _deliver_in_background("GET", location)
    else:
        _write("FAKE_BROWSER_LANDED", location, "w")
    return 0


def _submit(form):
    """Do what Microsoft's form_post page script does: submit the form."""
    if not _is_local(form.action):
        _write("FAKE_BROWSER_LANDED", form.action, "w")
        return 0
    _deliver_in_background("POST", form.action, urlencode(form.fields))
    return 0


def browse(url):
    """Open ``url``; return the exit status."""
    status, location, text = _request("GET", url)
    if status in REDIRECTS and location:
        return _land(location)
    if status >= 400:
        sys.stderr.write("HTTP %d: %s\n" % (status, _page_text(text)))
        return 1
    form = _FormParser()
    form.feed(text)
    if form.method == "POST" and form.action:
        return _submit(form)
    _write("FAKE_BROWSER_LOG", text, "a")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 4 and argv[0] == "--deliver":
        return _deliver(*argv[1:])
    if len(argv) != 1:
        sys.stderr.write("usage: browser.py URL\n")
        return 2
    try:
        return browse(argv[0])
    except (OSError, http.client.HTTPException) as e:
        sys.stderr.write("fake browser: %s: %s\n" % (argv[0], e))
        return 2


if __name__ == "__main__":
    sys.exit(main())
