"""Runs a Google loopback login with a short timeout in a fresh process.

    python google_driver.py login-localhost JSON

JSON: {"raw": {accounts.conf values}, "store": dir, "login_timeout": s}.  The
CLI (``offlineimap-oauth login NAME``) waits 5 minutes for the browser; this
stands in for it where a test needs the wait cut short (a fresh process:
``webbrowser`` reads BROWSER once per process).  Every other Google test
goes through the real CLI (tests/system/test_google_cli.py).
stdout: the login's result as JSON, stderr: the error message, exit: its code.
"""

import json
import sys


def main(command, spec):
    from offlineimap_oauth.errors import Error
    from offlineimap_oauth.providers.google import flows, settings
    from offlineimap_oauth.store import TokenStore

    account, problems = settings.validate("gmail", spec["raw"])
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        return 3
    if command != "login-localhost":
        sys.stderr.write("unknown command %r\n" % command)
        return 2
    try:
        print(json.dumps(flows.login(account, TokenStore(spec["store"]), flow="localhost",
                                     timeout=spec.get("login_timeout", 60))))
    except Error as error:
        sys.stderr.write(str(error) + "\n")
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], json.loads(sys.argv[2])))
