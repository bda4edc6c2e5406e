"""The bundle's entry point (PyInstaller runs this as `__main__`).

One program serves the GUI and the CLI, as `python -m rubikpi_studio` does. On Windows a windowed program has
no standard output, so the bundle there also carries a console twin, `rubikpi-studio-cli.exe`, built from this
same file: started under a name ending in `-cli`, it runs the CLI (or, with `--self-test`, prints the GUI
self-test's report where a terminal or CI can read it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rubikpi_studio.__main__ import main


def bundle_argv(executable: str, argv: list[str]) -> list[str]:
    if Path(executable).stem.endswith("-cli") and "--self-test" not in argv and "--cli" not in argv:
        return ["--cli", *argv]
    return argv


if __name__ == "__main__":
    sys.exit(main(bundle_argv(sys.executable, sys.argv[1:])))
