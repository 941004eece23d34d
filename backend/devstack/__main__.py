"""`python -m devstack [up|migrate]`: see devstack.stack."""

import argparse
import sys
from collections.abc import Sequence

from devstack.stack import migrate, up


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description="Run the local development stack.")
    parser.add_argument(
        "command",
        nargs="?",
        choices=("up", "migrate"),
        default="up",
        help="up (default): run everything until Ctrl-C; migrate: apply database migrations and exit",
    )
    args = parser.parse_args(argv)
    return up() if args.command == "up" else migrate()


if __name__ == "__main__":
    sys.exit(main())
