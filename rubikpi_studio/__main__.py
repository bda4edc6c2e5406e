"""`rubikpi-studio`: the GUI, or with `--cli` / a CLI subcommand the headless CLI over the same core."""

from __future__ import annotations

import sys

CLI_COMMANDS = frozenset({"probe", "key", "setup", "models", "serve", "chat", "bench", "monitor"})


def wants_cli(argv: list[str]) -> bool:
    return "--cli" in argv or (bool(argv) and argv[0] in CLI_COMMANDS)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(args):
        # Imported lazily: the CLI must not pay for (or need) Qt.
        from rubikpi_studio import cli

        return int(cli.main([a for a in args if a != "--cli"]) or 0)
    from rubikpi_studio.ui.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
