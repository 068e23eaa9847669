"""The ``offlineimap-oauth`` command: a thin shell over the core modules.

``main(argv=None) -> int``.  ``token NAME`` is recognised before argparse is
even imported: msmtp and offlineimap run it on every send and login, and a
cached token must cost little more than starting Python.  Every other
command imports what it needs when it runs.  One handler turns every error
into a message on stderr that ends with the next step, and an exit code.
"""

from __future__ import annotations

import sys

from offlineimap_oauth.errors import EXIT_FAILURE, EXIT_OK, Error, shown

PROG = "offlineimap-oauth"
INTERRUPTED = 130


def main(argv=None) -> int:
    """Run one command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = _quick_token_args(argv)
    if quick is not None:
        served = _fast_token(quick)
        return served if served is not None else _guarded(cmd_token, quick, verbose=False)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit:  # argparse: --help (0) or a usage error (2)
        return exit.code if isinstance(exit.code, int) else EXIT_FAILURE
    if args.verbose:
        from offlineimap_oauth.redact import enable_debug_logging

        enable_debug_logging(sys.stderr)
    return _guarded(args.handler, args, verbose=args.verbose)


class _Args:
    """The parsed arguments of the argparse-free ``token NAME`` path."""

    def __init__(self, name, config):
        self.name, self.config, self.verbose = name, config, False


def _quick_token_args(argv):
    """``token NAME`` with ``--config FILE`` before or after it, else None
    (argparse handles everything else)."""
    config, rest = None, list(argv)
    for index, word in enumerate(rest):
        if word == "--config" and index + 1 < len(rest):
            config = rest[index + 1]
            del rest[index:index + 2]
            break
        if word.startswith("--config="):
            config = word.split("=", 1)[1]
            del rest[index]
            break
    if len(rest) == 2 and rest[0] == "token" and not rest[1].startswith("-"):
        return _Args(rest[1], config)
    return None


def _guarded(handler, args, verbose: bool) -> int:
    try:
        return handler(args) or EXIT_OK
    except Error as error:
        print("%s: %s" % (PROG, shown(str(error))), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("%s: interrupted." % PROG, file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the one place that reports the unforeseen
        return _report_unexpected(error, verbose)


def _report_unexpected(error: Exception, verbose: bool) -> int:
    import traceback

    from offlineimap_oauth.redact import redact

    if verbose:
        print(shown(redact("".join(traceback.format_exception(type(error), error,
                                                              error.__traceback__)))),
              file=sys.stderr)
    print("%s: unexpected error: %s: %s\nRun the command again with -v for details, and "
          "report it if it persists." % (PROG, type(error).__name__, shown(redact(str(error)))),
          file=sys.stderr)
    return EXIT_FAILURE


def _load_account(args):
    from offlineimap_oauth import accounts, paths

    path = paths.config_path(args.config)
    return accounts.find(accounts.load(path), args.name, path)


def _fast_token(args):
    """EXIT_OK after printing the token from the sidecar (fastpath.py), else None."""
    import time

    from offlineimap_oauth import fastpath, paths

    token = fastpath.read(paths.state_dir(), args.name, paths.config_path(args.config),
                          time.time())
    if token is None:
        return None
    sys.stdout.write(token + "\n")
    sys.stdout.flush()
    return EXIT_OK


def cmd_token(args) -> int:
    """Print a valid access token and a newline on stdout, nothing else."""
    import time

    from offlineimap_oauth import fastpath, paths
    from offlineimap_oauth.hotpath import serve
    from offlineimap_oauth.store import TokenStore

    config = paths.config_path(args.config)
    config_signature = fastpath.signature(config)  # before reading: never newer than the text
    store = TokenStore()
    token, fresh_until, store_signature = serve(_load_account(args), store,
                                               force=getattr(args, "refresh", False))
    sys.stdout.write(token + "\n")
    sys.stdout.flush()
    fastpath.write(store.directory, args.name, config, config_signature, store_signature,
                   token, fresh_until, useful_until=time.time() + 1)
    return EXIT_OK


def cmd_login(args) -> int:
    from offlineimap_oauth.providers.microsoft.flows import login
    from offlineimap_oauth.store import TokenStore

    account = _load_account(args)
    if account.provider == "google":
        from offlineimap_oauth.providers.google import flows

        result = flows.login(account, TokenStore(), flow=args.flow,
                             open_browser=not args.no_browser)
        user = result.get("user")
    else:
        claims = login(account, TokenStore(), flow=args.flow, open_browser=not args.no_browser)
        user = claims.get("preferred_username")
    print("Logged in as %s; tokens for [account %s] saved."
          % (user or account.user, account.name), file=sys.stderr)
    return EXIT_OK


def cmd_logout(args) -> int:
    from offlineimap_oauth.store import TokenStore

    account = _load_account(args)
    store = TokenStore()
    if account.provider == "google":
        return _google_logout(account, store)
    with store.locked(account.name, timeout=30):
        existed = store.delete(account.name)
    if existed:
        print("Forgot the tokens of [account %s] (%s); other accounts are untouched.\n"
              "Microsoft still honours the old refresh token until it expires; to end it now, "
              "sign out of all sessions in your Microsoft account's security settings."
              % (account.name, account.user), file=sys.stderr)
    else:
        print("[account %s] had no stored tokens." % account.name, file=sys.stderr)
    return EXIT_OK


def _google_logout(account, store) -> int:
    import time

    from offlineimap_oauth.providers.google import client

    with store.locked(account.name, timeout=30):
        try:  # the refresh token, also from gpg or the keyring
            state = store.load_secrets(account.name, time.monotonic() + 30)[0]
        except Error:  # damaged or locked: forget it anyway, and say where to revoke
            state = None
        revoked = client.revoke(account, state) if state else False
        existed = store.delete(account.name)
    if not existed:
        print("[account %s] had no stored tokens." % account.name, file=sys.stderr)
    elif revoked:
        print("Forgot the tokens of [account %s] (%s) and revoked them at Google; other "
              "accounts are untouched." % (account.name, account.user), file=sys.stderr)
    else:
        print("Forgot the tokens of [account %s] (%s); other accounts are untouched.\n"
              "Google could not be told to revoke them: to end them now, remove access at "
              "https://myaccount.google.com/permissions" % (account.name, account.user),
              file=sys.stderr)
    return EXIT_OK


def cmd_status(args) -> int:
    from offlineimap_oauth import accounts, paths
    from offlineimap_oauth.errors import EXIT_LOGIN_REQUIRED
    from offlineimap_oauth.status import describe
    from offlineimap_oauth.status_report import needs_login, record
    from offlineimap_oauth.store import TokenStore

    path = paths.config_path(args.config)
    loaded = accounts.load(path)
    names = [args.name] if args.name else sorted(loaded)
    store = TokenStore()
    chosen = [accounts.find(loaded, name, path) for name in names]
    records = [record(account, store) for account in chosen]
    if args.json:
        import json

        print(json.dumps({"accounts_file": path, "accounts": records}, indent=2))
    else:
        print("accounts file: %s" % path)
        for account in chosen:  # one damaged token file must not hide the others
            print("\n".join(_describe(account, store, describe)))
    return EXIT_LOGIN_REQUIRED if needs_login(records) else EXIT_OK


def _describe(account, store, describe) -> list:
    if account.provider != "google":
        return describe(account, store)
    from offlineimap_oauth.providers.google import status

    return status.describe(account, store)


def cmd_refresh(args) -> int:
    from offlineimap_oauth import accounts, paths
    from offlineimap_oauth.renew import renew
    from offlineimap_oauth.store import TokenStore

    path = paths.config_path(args.config)
    loaded = accounts.load(path)
    chosen = [accounts.find(loaded, name, path) for name in (args.names or sorted(loaded))]
    return renew(chosen, TokenStore(), args.older_than,
                 lambda line: print(line, file=sys.stderr))


def cmd_check(args) -> int:
    from offlineimap_oauth.diagnose import default_hosts, run_check
    from offlineimap_oauth.store import TokenStore

    account = _load_account(args)
    imap_host, smtp_host = default_hosts(account)
    return run_check(account, TokenStore(), sys.stdout,
                     imap=(args.imap_host or imap_host, args.imap_port or 993),
                     smtp=(args.smtp_host or smtp_host, args.smtp_port or 587))


def cmd_pythonfile(args) -> int:
    """Print the offlineimap pythonfile (the wheel carries no contrib/)."""
    import os

    from offlineimap_oauth.convert.plan import token_command
    from offlineimap_oauth.hookfile import render_pythonfile

    config = os.path.abspath(args.config) if getattr(args, "config", None) else None
    sys.stdout.write(render_pythonfile(token_command(), config=config))
    return EXIT_OK


def _parser():
    import argparse

    from offlineimap_oauth import __version__

    parser = argparse.ArgumentParser(
        prog=PROG, description="Microsoft OAuth2 tokens for offlineimap, msmtp and Gnus.")
    parser.add_argument("--config", metavar="FILE",
                        help="accounts file (default: $OFFLINEIMAP_OAUTH_CONFIG, then "
                             "$XDG_CONFIG_HOME/offlineimap-oauth/accounts.conf)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logs on stderr, secrets redacted")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    token = commands.add_parser("token", help="print a valid access token (for msmtp, scripts)")
    token.add_argument("name", metavar="NAME")
    token.add_argument("--refresh", action="store_true",
                       help="get a new access token even if the stored one looks valid "
                            "(when a server keeps refusing it)")
    token.set_defaults(handler=cmd_token)

    login = commands.add_parser("login", help="sign in and store the tokens")
    login.add_argument("name", metavar="NAME")
    login.add_argument("--flow", choices=("auto", "paste", "localhost", "device"),
                       help="how to sign in (default: the account's flow, else auto)")
    login.add_argument("--no-browser", action="store_true",
                       help="print the sign-in address without opening a browser")
    login.set_defaults(handler=cmd_login)

    logout = commands.add_parser("logout", help="forget one account's tokens")
    logout.add_argument("name", metavar="NAME")
    logout.set_defaults(handler=cmd_logout)

    status = commands.add_parser("status", help="show accounts and their tokens' state")
    status.add_argument("name", metavar="NAME", nargs="?")
    status.add_argument("--json", action="store_true",
                        help="one JSON document on stdout (for scripts); never a secret")
    status.set_defaults(handler=cmd_status)

    from offlineimap_oauth.renew import DEFAULT_OLDER_THAN_DAYS

    refresh = commands.add_parser(
        "refresh", help="renew refresh tokens before Microsoft's 90-day limit (for a timer)")
    refresh.add_argument("names", metavar="NAME", nargs="*", help="default: every account")
    refresh.add_argument("--older-than", metavar="DAYS", type=float,
                         default=DEFAULT_OLDER_THAN_DAYS,
                         help="renew only logins last renewed more than DAYS ago "
                              "(default: %(default)s; 0 renews all)")
    refresh.set_defaults(handler=cmd_refresh)

    check = commands.add_parser("check", help="prove the account can log in to IMAP and SMTP")
    check.add_argument("name", metavar="NAME")
    check.add_argument("--imap-host", help="default: the account's cloud (outlook.office365.com)")
    check.add_argument("--imap-port", type=int, help="default: 993 (TLS)")
    check.add_argument("--smtp-host", help="default: the account's cloud (smtp.office365.com)")
    check.add_argument("--smtp-port", type=int, help="default: 587 (STARTTLS)")
    check.set_defaults(handler=cmd_check)

    pythonfile = commands.add_parser(
        "pythonfile", help="print offlineimap's pythonfile (redirect it into a file)")
    pythonfile.set_defaults(handler=cmd_pythonfile)

    from offlineimap_oauth.convert import command as convert_command

    convert_command.register(commands)
    for command in commands.choices.values():  # the README puts --config after the command too
        command.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                             help="accounts file (also accepted before the command)")
    return parser
