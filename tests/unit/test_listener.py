"""The localhost login listener: one answer with the right state, whatever else arrives."""

import socket
import threading
import urllib.request

from offlineimap_oauth.listener import OneShotListener


def test_idle_connection_does_not_block_the_redirect():
    with OneShotListener("http://localhost", timeout=20) as listener:
        listener.expect_state("s1")
        port = int(listener.redirect_uri.rsplit(":", 1)[1])
        idle = socket.create_connection(("127.0.0.1", port))  # a browser preconnect
        pages = []

        def browser():
            for state in ("old", "s1"):
                url = "http://127.0.0.1:%d/?code=c0de&state=%s" % (port, state)
                try:
                    pages.append(urllib.request.urlopen(url, timeout=20).read().decode())
                except Exception as error:  # noqa: BLE001 - the 400 page of the old state
                    pages.append(str(error))

        thread = threading.Thread(target=browser)
        thread.start()
        response = listener.wait()
        thread.join(timeout=20)
        idle.close()
    assert response == {"code": "c0de", "state": "s1"}
    assert "close this tab" in pages[-1]
