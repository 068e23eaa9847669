"""Runs one Google-account operation in a fresh process, for the system tests.

    python google_driver.py token|refresh|login-localhost|probe JSON

JSON: {"raw": {accounts.conf values}, "store": dir, "login_timeout": s}.  Until
the CLI dispatches on ``provider``, this stands in for ``offlineimap-oauth
token NAME`` / ``login NAME``: ``token`` serves a cached token the hot-path
way (``cache.cached_token``) and refreshes under the lock otherwise.
stdout: the token (or JSON), stderr: the error message, exit: its code.
``probe`` also writes the Google / HTTP modules it imported to stderr.
"""

import json
import sys
import time

HEAVY = ("google", "google_auth_oauthlib", "oauthlib", "requests_oauthlib", "requests",
         "urllib3", "ssl", "http", "offlineimap_oauth.providers.google.client",
         "offlineimap_oauth.providers.google.flows", "offlineimap_oauth.providers.google.explain",
         "msal")


def token(account, store):
    from offlineimap_oauth.providers.google import cache

    started = time.monotonic()
    state, signature = store.load_signed(account.name)
    hit = cache.cached_token(state, account, time.time())
    if hit:
        return hit[0]
    from offlineimap_oauth.providers.google import client

    return client.refresh(account, store, deadline=started + 28)[0]


def main(command, spec):
    from offlineimap_oauth.errors import Error
    from offlineimap_oauth.providers.google import settings
    from offlineimap_oauth.store import TokenStore

    account, problems = settings.validate("gmail", spec["raw"])
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        return 3
    store = TokenStore(spec["store"])
    try:
        if command in ("token", "probe"):
            print(token(account, store), flush=True)
        elif command == "refresh":
            from offlineimap_oauth.providers.google import client

            print(client.refresh(account, store, deadline=time.monotonic() + 28, force=True)[0])
        elif command == "login-localhost":
            from offlineimap_oauth.providers.google import flows

            print(json.dumps(flows.login(account, store, flow="localhost",
                                         timeout=spec.get("login_timeout", 60))))
    except Error as error:
        sys.stderr.write(str(error) + "\n")
        return error.exit_code
    finally:
        if command == "probe":
            loaded = sorted(m for m in sys.modules
                            if m in HEAVY or m.split(".")[0] in HEAVY)
            sys.stderr.write("HEAVY=%s\n" % ",".join(loaded))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], json.loads(sys.argv[2])))
