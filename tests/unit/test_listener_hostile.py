"""The login listener against slow, rude and squatting local clients (issue 16, item 5).

Unit layer by exception: the listener is a socket server, so these tests
talk to it over the loopback, each with bounded timeouts.
"""

import socket
import struct
import threading
import time
import urllib.request

import pytest

from offlineimap_oauth import listener as listener_module
from offlineimap_oauth.errors import ConfigError
from offlineimap_oauth.listener import OneShotListener

TRICKLE_EVERY_S = 4  # under the 5 s read timeout: a per-read timeout never fires


def ipv6_loopback_available():
    """Whether this machine can listen on ::1 at all (a container may not)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def port_of(listener):
    return int(listener.redirect_uri.rsplit(":", 1)[1].split("/")[0])


def redirect(host, port, state, timeout=10):
    url = "http://%s:%d/?code=c0de&state=%s" % (host, port, state)
    return urllib.request.urlopen(url, timeout=timeout).read().decode()


def serve_in_background(listener):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("response", listener.wait()))
    thread.start()
    return thread, result


def test_a_trickling_client_does_not_delay_the_redirect():
    with OneShotListener("http://127.0.0.1", timeout=30) as listener:
        listener.expect_state("s1")
        port = port_of(listener)
        thread, result = serve_in_background(listener)
        stop = threading.Event()
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)

        def trickle():
            for byte in b"GET /?state=s1&code=slow HTTP/1.1\r\n":
                if stop.wait(TRICKLE_EVERY_S):
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return

        trickler = threading.Thread(target=trickle)
        trickler.start()
        time.sleep(0.5)  # the trickler is accepted first
        started = time.monotonic()
        page = redirect("127.0.0.1", port, "s1")
        elapsed = time.monotonic() - started
        thread.join(timeout=10)
        stop.set()
        trickler.join(timeout=10)
        slow.close()
    assert "close this tab" in page
    assert elapsed < 3, elapsed  # not after the trickler's 4 s bytes
    assert result["response"] == {"code": "c0de", "state": "s1"}


def test_a_connection_is_closed_at_its_total_deadline_however_it_trickles(monkeypatch):
    monkeypatch.setattr(listener_module, "CONNECTION_DEADLINE_S", 1)
    with OneShotListener("http://127.0.0.1", timeout=8) as listener:
        listener.expect_state("s1")
        port = port_of(listener)
        thread, _ = serve_in_background(listener)
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /?state=s1 HTTP/1.1\r\nX-Slow: " + b"a" * 40:
            time.sleep(0.2)
            try:
                slow.send(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
        slow.close()
        redirect("127.0.0.1", port, "s1")  # ends the wait
        thread.join(timeout=10)
    assert closed_after is not None and closed_after < 4, closed_after


def test_a_client_hanging_up_is_no_traceback_and_the_redirect_still_arrives(capfd):
    with OneShotListener("http://127.0.0.1", timeout=20) as listener:
        listener.expect_state("s1")
        port = port_of(listener)
        thread, result = serve_in_background(listener)
        for request in (b"GET /?state=s1&co", b"GET /?state=old HTTP/1.1\r\n\r\n"):
            rude = socket.create_connection(("127.0.0.1", port), timeout=10)
            rude.sendall(request)
            # Close with a reset, not a goodbye: the listener's next read or write fails.
            rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            rude.close()
        time.sleep(0.5)
        redirect("127.0.0.1", port, "s1")
        thread.join(timeout=10)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err, err
    assert result["response"] == {"code": "c0de", "state": "s1"}


def test_localhost_is_served_on_both_loopbacks_when_the_machine_has_ipv6():
    with OneShotListener("http://localhost/", timeout=20) as listener:
        listener.expect_state("s1")
        port = port_of(listener)
        hosts = {host for host, _ in listener.addresses}
        ports = {p for _, p in listener.addresses}
        assert ports == {port}
        if not ipv6_loopback_available():
            assert hosts == {"127.0.0.1"}  # nothing else to take: 127.0.0.1 alone
            return
        assert hosts == {"127.0.0.1", "::1"}
        thread, result = serve_in_background(listener)
        assert "belongs to an older login" in _get("[::1]", port, "old")
        redirect("[::1]", port, "s1")
        thread.join(timeout=10)
    assert result["response"] == {"code": "c0de", "state": "s1"}


def test_an_ip_redirect_listens_on_that_address_only():
    with OneShotListener("http://127.0.0.1", timeout=1) as listener:
        assert [host for host, _ in listener.addresses] == ["127.0.0.1"]


def _get(host, port, state):
    try:
        return redirect(host, port, state)
    except urllib.error.HTTPError as error:
        return error.read().decode()


@pytest.mark.parametrize("family,host", [(socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")])
def test_a_port_held_by_another_program_on_either_loopback_stops_the_login(family, host):
    if family == socket.AF_INET6 and not ipv6_loopback_available():
        with OneShotListener("http://localhost/", timeout=1) as listener:
            assert [h for h, _ in listener.addresses] == ["127.0.0.1"]
        return
    squatter = socket.socket(family, socket.SOCK_STREAM)
    try:
        if family == socket.AF_INET6:
            squatter.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        squatter.bind((host, 0))
        squatter.listen(1)
        port = squatter.getsockname()[1]
        with pytest.raises(ConfigError, match=r"Another program listens on .*port %d" % port):
            OneShotListener("http://localhost:%d/" % port, timeout=1)
    finally:
        squatter.close()


def test_with_a_free_port_asked_a_squatted_ipv6_port_is_avoided(monkeypatch):
    if not ipv6_loopback_available():
        return  # covered by the test above: 127.0.0.1 alone
    squatter = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    squatter.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    squatter.bind(("::1", 0))
    squatter.listen(1)
    taken = squatter.getsockname()[1]
    real_listen = listener_module._listen
    first = []

    def listen(family, host, port):  # the kernel's first free port is the squatted one
        if family == socket.AF_INET and not first:
            first.append(True)
            return real_listen(family, host, taken)
        return real_listen(family, host, port)

    monkeypatch.setattr(listener_module, "_listen", listen)
    try:
        with OneShotListener("http://localhost/", timeout=1) as listener:
            assert port_of(listener) != taken
            assert {host for host, _ in listener.addresses} == {"127.0.0.1", "::1"}
    finally:
        squatter.close()
