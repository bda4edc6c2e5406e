"""First launch to first chat answer: the wizard walked headless against the board rig, cold and warm.

    .venv/bin/python bench/first_chat.py [--only cold|warm]

Cold: a brand-new board account whose password must be changed at first login (like a new board): the
wizard signs in, changes the password, runs the setup job (llama.cpp compiled with the rig's shared compile
cache, CPU), downloads SmolLM2-135M from the Hugging Face stand-in, starts llama-server and asks the first
question on the Chat page. Warm: the long-lived rig account with llama.cpp already built (set up first,
untimed). Prints the wall time of each walk from first launch to the streamed answer, the setup step's share,
what was skipped, and the user actions (clicks and typed fields; also without the two fields a real board's
defaults pre-fill). It is the same walk as tests/gui/test_wizard.py (`walk_to_answer`), run offscreen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "gui"), str(ROOT / "tests"), str(ROOT)]

import qasync  # noqa: E402
import rig  # noqa: E402
from _rig import stop_qasync_threads  # noqa: E402
from rig.build import rig_setup_spec  # noqa: E402
from rig.hf_server import HfServer  # noqa: E402
from test_wizard import (  # noqa: E402  (tests/gui/test_wizard.py)
    REPO,
    RIG_ONLY_FIELDS,
    SMOL,
    Walk,
    _services,
    free_port,
    rig_catalogue,
    walk_to_answer,
)

from rubikpi_studio.core import server as core_server  # noqa: E402
from rubikpi_studio.core.setup import run_setup  # noqa: E402
from rubikpi_studio.core.ssh import Board  # noqa: E402


def _walk(
    loop: asyncio.AbstractEventLoop,
    home: Path,
    sshd: rig.RigSshd,
    account: rig.RigAccount,
    hf: HfServer,
    new_password: str | None,
) -> Walk:
    from rig import models as rig_models

    from rubikpi_studio.ui import app as app_module
    from rubikpi_studio.ui import paths
    from rubikpi_studio.ui import settings as S

    os.environ["RUBIKPI_STUDIO_HOME"] = str(home)
    home.mkdir(parents=True)
    hf.add_file(REPO, SMOL, rig_models.smollm2_path())
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    studio.window.resize(1100, 760)
    studio.window.show()
    studio.settings.set(S.HF_ENDPOINT, hf.endpoint)
    studio.settings.set(S.SERVER_PORT, free_port())
    services = _services(
        sshd.port, setup_spec=lambda facts: rig_setup_spec(gpu="off"), catalogue=rig_catalogue
    )
    try:
        return loop.run_until_complete(
            walk_to_answer(studio, services, account, new_password=new_password, shots=False)
        )
    finally:
        board = studio.state.board
        if isinstance(board, Board):
            core_server.stop(board)
            board.close()
        chat = studio.window.page("chat")
        close_store = getattr(chat, "close_store", None)
        if callable(close_store):
            close_store()
        studio.window.close()


def _build_warm(sshd: rig.RigSshd, account: rig.RigAccount, work: Path) -> None:
    kh = sshd.write_known_hosts(work / "known_hosts")
    with rig.connect(account, sshd.port, kh) as board:
        run_setup(board, rig_setup_spec(gpu="off"), sudo_password=account.password)


def _print(name: str, w: Walk) -> None:
    print(
        f"{name}: {w.seconds:7.1f} s to the streamed answer (setup step {w.setup_seconds:.1f} s); "
        f"{w.actions} actions, {w.actions - RIG_ONLY_FIELDS} with a real board's pre-filled sign-in; "
        f"skipped: {', '.join(w.skipped) or 'nothing'}; answer: {w.answer[:60]!r}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("cold", "warm"))
    args = parser.parse_args()
    reason = rig.rig_unavailable_reason()
    if reason:
        sys.exit(f"bench needs the board rig: {reason}")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    work = Path(tempfile.mkdtemp(prefix="rps-bench-first-chat-"))
    sshd = rig.start_sshd(work / "sshd")
    results: dict[str, Walk] = {}
    try:
        if args.only in (None, "cold"):
            account = rig.make_expired_account()
            try:
                with HfServer() as hf:
                    results["cold"] = _walk(loop, work / "cold", sshd, account, hf, "N3w board pw'$")
            finally:
                rig.remove_account(account)
        if args.only in (None, "warm"):
            account = rig.ensure_account()
            _build_warm(sshd, account, work)
            with HfServer() as hf:
                results["warm"] = _walk(loop, work / "warm", sshd, account, hf, None)
    finally:
        sshd.stop()
        stop_qasync_threads(loop)
    print("\nFirst launch to the first streamed answer (wizard, rig board, CPU build, SmolLM2-135M):")
    for name, w in results.items():
        _print(name, w)
    if "cold" in results and "warm" in results:
        print(f"cold / warm: {results['cold'].seconds / results['warm'].seconds:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
