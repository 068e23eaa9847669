"""The ``convert`` command's argparse wiring (placeholder until it is built)."""


def register(commands) -> None:
    """Add the ``convert`` subcommand to the CLI's subparsers."""
