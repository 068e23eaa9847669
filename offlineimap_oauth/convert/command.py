"""The ``convert`` command: argparse wiring and the handler.

Imports here stay light (argparse runs this module on every command but
``token``); the converter itself is imported when ``convert`` runs.
"""

from __future__ import annotations


def register(commands) -> None:
    """Add the ``convert`` subcommand to the CLI's subparsers."""
    parser = commands.add_parser(
        "convert", help="turn a Gnus OAuth2 setup into accounts.conf, offlineimaprc, msmtprc "
                        "and a Gnus snippet (dry run unless --write)")
    parser.add_argument("files", metavar="FILE", nargs="*",
                        help="Emacs Lisp and authinfo files (default: the init file Emacs "
                             "loads (~/.emacs, ~/.emacs.el, ~/.emacs.d/init.el or "
                             "~/.config/emacs/init.el), ~/.gnus.el or ~/.gnus, and ~/.authinfo, "
                             "~/.authinfo.gpg, ~/.netrc)")
    parser.add_argument("--write", action="store_true",
                        help="write the files (atomically, with timestamped backups)")
    parser.add_argument("--output-dir", metavar="DIR",
                        help="put every output file in DIR instead of the standard locations")
    parser.add_argument("--client-id", metavar="ID",
                        help="app registration for mailboxes found without one (nnimap, "
                             "smtpmail, authinfo): a Microsoft Application (client) ID for "
                             "Microsoft mailboxes, or a Google Desktop app Client ID "
                             "(NNN-xxx.apps.googleusercontent.com) for Gmail ones")
    parser.add_argument("--tenant", metavar="T",
                        help="with a Microsoft --client-id: consumers, organizations, common, "
                             "a GUID or a domain (default: from the mail address)")
    parser.add_argument("--client-secret-command", metavar="CMD",
                        help="with --client-id: a command that prints the client secret "
                             "(needed with a Google client id)")
    parser.set_defaults(handler=run)


def completion(args):
    """The --client-id registration, checked; None without --client-id."""
    from offlineimap_oauth import accounts
    from offlineimap_oauth.convert.model import Completion
    from offlineimap_oauth.errors import UsageError

    if not args.client_id:
        if args.tenant or args.client_secret_command:
            raise UsageError("--tenant and --client-secret-command complete --client-id.",
                             hint="Give the app's client id: convert --client-id ID ...")
        return None
    from offlineimap_oauth.providers.google import settings as google

    if google.CLIENT_ID_RE.match(args.client_id.lower()):
        return _google_completion(args, Completion, UsageError)
    if not accounts.GUID_RE.match(args.client_id):
        raise UsageError("--client-id %r is not a GUID (a Microsoft Application (client) ID) "
                         "nor a Google client ID (NNN-xxx.apps.googleusercontent.com)."
                         % args.client_id,
                         hint="Copy 'Application (client) ID' from the app's Overview page, or "
                              "the Client ID of a Google Desktop app client.")
    if args.tenant and not accounts._valid_tenant(args.tenant):
        raise UsageError("--tenant %r is not a tenant." % args.tenant,
                         hint="Use consumers, organizations, common, a GUID or a domain.")
    return Completion(args.client_id, args.tenant, args.client_secret_command)


def _google_completion(args, Completion, UsageError):
    """A Google Desktop app client for Gmail mailboxes found without one."""
    if args.tenant:
        raise UsageError("--tenant is for a Microsoft --client-id; a Google client has none.",
                         hint="Run convert again without --tenant.")
    if not args.client_secret_command:
        raise UsageError("A Google Desktop app client has a client secret, and Google asks "
                         "for it at every login and refresh.",
                         hint="Add --client-secret-command CMD (a command printing the Client "
                              "secret shown beside the Client ID), e.g. "
                              "--client-secret-command 'pass show google/gmail-client'")
    return Completion(args.client_id, None, args.client_secret_command, provider="google")


def run(args) -> int:
    """Convert; print the diff (dry run) or write and report."""
    import os
    import sys

    from offlineimap_oauth import paths
    from offlineimap_oauth.convert import plan, write
    from offlineimap_oauth.errors import shown

    home = os.path.expanduser("~")
    files = [os.path.expanduser(f) for f in args.files] or plan.default_inputs(home)
    conversion = plan.build(files, completion(args))
    where = plan.targets(home, args.config, args.output_dir)
    config_flag = None
    if os.path.abspath(where["accounts.conf"]) != os.path.abspath(paths.config_path(None)):
        config_flag = where["accounts.conf"]
        conversion.notes.append("accounts.conf is not at its default path: msmtp's "
                                "passwordeval and the offlineimap pythonfile name it (%s)"
                                % config_flag)
    changes = plan.render(conversion, where, plan.token_command(), config_flag)
    if not args.write:
        sys.stdout.write(shown(plan.describe(changes, conversion)))
        print("\nDry run: nothing written. Run again with --write to write these files.")
        return 0
    sys.stdout.write(shown(plan.summary(conversion)))
    written = write.apply(changes)
    for change in changes:
        backup = dict(written).get(change.path, "-")
        if change.path in dict(written):
            print(shown("wrote %s%s" % (change.path, " (backup: %s)" % backup if backup else "")))
        else:
            print(shown("unchanged %s" % change.path))
    print(shown(next_steps(conversion, where)))
    return 0


def next_steps(conversion, where) -> str:
    lines = ["Next:", "  add to the end of ~/.gnus.el: (load \"%s\")" % where["gnus"]]
    lines += ["  offlineimap-oauth login %s" % a.name for a in conversion.accounts]
    lines += ["  offlineimap -o    # first sync into ~/Mail/NAME"]
    return "\n".join(lines)
