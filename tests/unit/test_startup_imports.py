"""Start-up stays cheap: the GUI's window comes up without importing the SSH and HTTP stacks, nor the pages
it does not show (issue 8).

paramiko (with invoke) and requests (with urllib3 and http.cookiejar) cost ~350 ms of imports, while nothing
needs them before the first connection or download. This runs the real `--self-test` (window, every page
visited, translations, a worker-thread call) in a fresh interpreter and lists which of them it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("paramiko", "invoke", "requests", "urllib3", "http.cookiejar")

PROBE = """
import json, sys
from rubikpi_studio.ui.app import run
status = run(["--self-test"])
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
# The stand-ins import on first use: the core still works once a connection needs paramiko.
from rubikpi_studio.core import chat, ssh
ssh.paramiko.Transport
chat.requests.Session
print(json.dumps({{"status": status, "heavy": heavy,
                  "later": [m for m in ("paramiko", "requests") if m in sys.modules]}}))
"""


def run_probe(tmp_path: Path, code: str) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RUBIKPI_STUDIO_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_self_test_imports_no_ssh_or_http_stack(tmp_path: Path) -> None:
    result = run_probe(tmp_path, PROBE.format(heavy=HEAVY))
    assert result["status"] == 0
    assert result["heavy"] == [], f"imported at start-up: {result['heavy']}"
    assert result["later"] == ["paramiko", "requests"]


@pytest.mark.parametrize("eager", ["import paramiko", "import rubikpi_studio.core.chat_transport"])
def test_probe_sees_an_eager_import(tmp_path: Path, eager: str) -> None:
    """The check can fail: paramiko imported, or the module that subclasses urllib3's classes, is seen."""
    result = run_probe(tmp_path, eager + "\n" + PROBE.format(heavy=HEAVY))
    assert result["heavy"], result


def test_version_matches_the_installed_metadata() -> None:
    """`__version__` comes from the .dist-info folder's name (no importlib.metadata at start-up): it must be
    what importlib.metadata reads."""
    from importlib import metadata

    import rubikpi_studio

    assert rubikpi_studio.__version__ == metadata.version("rubikpi-studio")


def test_start_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    code = (
        "import json, sys\nfrom rubikpi_studio.ui.app import run\nstatus = run(['--quit-when-shown'])\n"
        "print(json.dumps({'status': status, 'metadata': 'importlib.metadata' in sys.modules}))\n"
    )
    assert run_probe(tmp_path, code) == {"status": 0, "metadata": False}


# Loaded when first used, not for the first window (pages are built on first show): the other pages and
# what only they use (chat view, markdown, the chat store's sqlite, plots), the wizard and its discovery,
# the settings dialog, and the core modules behind them.
LATER = (
    "rubikpi_studio.ui.pages.setup",
    "rubikpi_studio.ui.pages.models",
    "rubikpi_studio.ui.pages.server",
    "rubikpi_studio.ui.pages.chat",
    "rubikpi_studio.ui.pages.benchmark",
    "rubikpi_studio.ui.chat_view",
    "rubikpi_studio.ui.markdown",
    "rubikpi_studio.ui.plots",
    "rubikpi_studio.ui.wizard",
    "rubikpi_studio.ui.settings_dialog",
    "rubikpi_studio.core.discovery",
    "zeroconf",
    "rubikpi_studio.core.store",
    "sqlite3",
    "rubikpi_studio.core.server",
    "rubikpi_studio.core.chat",
    "rubikpi_studio.core.models",
    "rubikpi_studio.core.setup",
    "rubikpi_studio.core.bench",
    "rubikpi_studio.core.monitor",
    "http.client",
    # The SSH core (and hashlib's OpenSSL) until the user connects; the keyring's worker pool until it is
    # asked; logging.handlers (socket, pickle) at all: the log file rolls over by itself (ui.app.RotatingLog).
    "rubikpi_studio.core.ssh",
    "rubikpi_studio.core.probe",
    "_hashlib",
    "concurrent.futures",
    "logging.handlers",
    # The Board page's Connect dialog (its module creates eight Qt classes) until it is opened.
    "rubikpi_studio.ui.connect_dialog",
)

FIRST_WINDOW = """
import json, sys
from rubikpi_studio.ui.app import run
status = run(["--quit-when-shown"])
print(json.dumps({{"status": status, "later": sorted(m for m in {later!r} if m in sys.modules),
                  "board_page": "rubikpi_studio.ui.pages.board" in sys.modules,
                  "loop": sorted(m for m in ("asyncio", "qasync") if m in sys.modules)}}))
"""


def test_first_window_builds_only_the_page_it_shows(tmp_path: Path) -> None:
    result = run_probe(tmp_path, FIRST_WINDOW.format(later=LATER))
    assert result["status"] == 0
    assert result["board_page"] is True  # the page shown first (a new user's: Board) is built
    assert result["later"] == [], f"imported for the first window: {result['later']}"
    # The window is painted before the event loop exists: asyncio and qasync (~50 ms) load after it.
    assert result["loop"] == [], f"imported before the first paint: {result['loop']}"


def test_first_window_probe_sees_the_last_page_shown(tmp_path: Path) -> None:
    """The check can fail: when the app opens on the Chat page, its modules load at start-up."""
    (tmp_path / "settings.ini").write_text("[ui]\nlast_page=chat\n", encoding="utf-8")
    result = run_probe(tmp_path, FIRST_WINDOW.format(later=LATER))
    assert result["status"] == 0
    assert {"rubikpi_studio.ui.pages.chat", "rubikpi_studio.ui.chat_view", "sqlite3"} <= set(
        result["later"]  # type: ignore[arg-type]
    )


def test_first_window_probe_sees_asyncio(tmp_path: Path) -> None:
    """The check can fail: asyncio imported before the window is seen."""
    result = run_probe(tmp_path, "import asyncio\n" + FIRST_WINDOW.format(later=LATER))
    assert result["loop"] == ["asyncio"]


def test_quit_when_ready_runs_the_event_loop(tmp_path: Path) -> None:
    """`--quit-when-ready` (bench/bundle.py's "ready") exits from inside the running qasync loop."""
    code = (
        "import json, sys\nfrom rubikpi_studio.ui.app import run\nstatus = run(['--quit-when-ready'])\n"
        "print(json.dumps({'status': status, 'loop': 'qasync' in sys.modules}))\n"
    )
    assert run_probe(tmp_path, code) == {"status": 0, "loop": True}


def test_self_test_names_a_gui_module_that_does_not_import(tmp_path: Path) -> None:
    """The self-test imports every module of the GUI package (a bundle missing one would otherwise fail only
    when the user first opens, say, the Connect dialog); the check sees a module that fails to import."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "broken_page.py").write_text("raise ImportError('libfoo.so.1: cannot open')\n")
    code = (
        "import json\nfrom rubikpi_studio import ui\n"
        f"ui.__path__.append({str(extra)!r})\n"
        "from rubikpi_studio.ui.app import run\nraise SystemExit(run(['--self-test']))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RUBIKPI_STUDIO_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and report["modules_ok"] is False
    assert report["missing_modules"] == [
        "rubikpi_studio.ui.broken_page: ImportError: libfoo.so.1: cannot open"
    ]
