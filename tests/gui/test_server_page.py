"""The Server page against the rig board: pick the model, Start, see the loading steps, backend and URL, a
completion through the page's tunnel, Stop. Saves docs/screenshots/server-running.png on a real display
(`RPS_TEST_DISPLAY=1` under xvfb-run) or with RPS_SCREENSHOTS=1."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import rig
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from rig import faults, models
from rig.llama_server import find_llama_server, free_port, llama_server_missing_reason
from rig.qt import visible_boxes
from rig.waiting import until

from rubikpi_studio.core import llamacpp, server
from rubikpi_studio.core.chat import probe_server
from rubikpi_studio.core.events import LOG, STEP_DONE, STEP_START, Event
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.core.store import STATUS_COMPLETE
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.bridge import EventBridge
from rubikpi_studio.ui.pages.base import ConnectionState, ServerState
from rubikpi_studio.ui.pages.chat import ChatPage, reach_server
from rubikpi_studio.ui.pages.server import SERVER_STEPS, ServerPage
from rubikpi_studio.ui.widgets import LogPane, StepList, StepState
from rubikpi_studio.ui.wizard import SetupWizard, WizardServices
from rubikpi_studio.ui.wizard_pages.server import ServerStep

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _binary() -> Path | None:
    for pattern in (
        f"/home/{rig.BOARD_USER}/dev/llm/llama.cpp/build*/bin/llama-server",
        "/tmp/rps-home*/dev/llm/llama.cpp/build*/bin/llama-server",
    ):
        found = [Path(p) for p in glob.glob(pattern) if os.access(p, os.X_OK)]
        if found:
            return max(found, key=lambda p: p.stat().st_mtime)
    return find_llama_server()


@pytest.fixture
def served_board(rig_sshd: rig.RigSshd, tmp_known_hosts: Path) -> Iterator[tuple[Board, rig.RigAccount]]:
    binary = _binary()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    account = rig.make_fresh_account()
    board: Board | None = None
    try:
        bindir = account.home / "dev/llm/llama.cpp/build/bin"
        modeldir = account.home / "dev/llm/models"
        bindir.mkdir(parents=True)
        modeldir.mkdir(parents=True)
        shutil.copy2(binary, bindir / "llama-server")
        shutil.copy2(models.smollm2_path(), modeldir / MODEL_NAME)
        subprocess.run(["chown", "-R", f"{account.user}:", str(account.home / "dev")], check=True)
        board = rig.connect(account, rig_sshd.port, tmp_known_hosts)
        yield board, account
    finally:
        if board is not None:
            if board.is_alive:
                server.stop(board)
            board.close()
        rig.run_as(account.user, 'pkill -u "$(id -u)" -x llama-server; true')
        rig.remove_account(account)


def test_start_show_running_and_stop(
    qtbot: QtBot, qrun: Callable[[Any], Any], served_board: tuple[Board, rig.RigAccount]
) -> None:
    board, account = served_board
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1280, 860)
    window.show()
    page = window.page("server")
    assert isinstance(page, ServerPage)
    window.show_page("server")

    async def scenario() -> None:
        studio.state.set_board_name("Rig board")
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(lambda: studio.state.server is ServerState.STOPPED, what="nothing served yet")
        assert page.model_combo.currentText() == MODEL_NAME
        page.port_spin.setValue(free_port())  # the rig board is this shared machine
        page.device_combo.setCurrentIndex(0)  # GPU asked: the rig has none, the page must say CPU
        page.extra_edit.setText("--host 0.0.0.0")
        assert "set by the app" in page.extra_note.text()
        page.extra_edit.setText("--temp 0.7")
        assert page.extra_note.text() == ""
        page.start_button.click()
        await until(lambda: studio.state.server is ServerState.RUNNING, timeout=120, what="running")
        await until(lambda: page.info_values["local"].text().startswith("http://127.0.0.1:"), what="URL")

    qrun(scenario())
    assert page.steps.state_of("check") is StepState.DONE
    assert page.steps.state_of("ready") is StepState.DONE
    # The loading notes of a real start (and of the screenshot): where it listens, what it runs on.
    assert page.steps.text_of("load").endswith(f"Listening on http://127.0.0.1:{page.port_spin.value()}")
    assert page.steps.text_of("ready").startswith("Ready — Running on CPU")
    assert page.info_values["backend"].text().startswith("CPU")  # an OpenCL build on PoCL also says why
    assert page.info_values["context"].text() == "2048 tokens, 1 slot(s), images: no"
    assert MODEL_NAME in page.info_values["model"].text()
    assert "Serving" in page.status_label.text()
    url = page.local_url
    resp = requests.post(
        f"{url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
        timeout=60,
    )
    assert resp.status_code == 200
    page.log_pane.flush()
    assert "listening on" in page.log_pane.toPlainText()
    QApplication.processEvents()
    if os.environ.get("RPS_TEST_DISPLAY") == "1" or os.environ.get("RPS_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SCREENSHOTS / "server-running.png"))

    async def stop() -> None:
        page.stop_button.click()
        await until(lambda: studio.state.server is ServerState.STOPPED, timeout=30, what="stopped")

    qrun(stop())
    assert rig.run_as(account.user, 'pgrep -u "$(id -u)" -x llama-server').stdout.strip() == ""
    assert page.start_button.isEnabled() and not page.stop_button.isEnabled()


def test_share_on_my_network_shows_the_url_and_key_and_the_chat_uses_them(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    served_board: tuple[Board, rig.RigAccount],
    keyring_backend: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "Share on my network" ticked, Start: the page shows the URL and the API key for other devices (the
    key the keyring keeps), and the server at that URL refuses a request without the key (401). The Chat
    page then chats over that URL with the key, not through the SSH forward; where the URL does not answer
    from this computer, it falls back to the forward."""
    board, account = served_board
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.show()
    page = window.page("server")
    assert isinstance(page, ServerPage)
    window.show_page("server")
    port = free_port()

    async def scenario() -> None:
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(lambda: studio.state.server is ServerState.STOPPED, what="nothing served yet")
        assert page.info_values["key"].isHidden()
        page.port_spin.setValue(port)
        page.device_combo.setCurrentIndex(page.device_combo.findData(False))  # CPU
        page.lan_check.click()
        page.start_button.click()
        await until(lambda: studio.state.server is ServerState.RUNNING, timeout=120, what="running")
        await until(lambda: page.info_values["lan"].text().startswith("http://"), what="the LAN URL")

    qrun(scenario())
    lan_url = page.info_values["lan"].text()
    key = page.info_values["key"].text()
    assert lan_url == f"http://{board.target.host}:{port}"
    assert not page.info_values["key"].isHidden() and not page.info_labels["key"].isHidden()
    assert key and key == server.lan_api_key(board, create=False)  # the one the keyring keeps
    assert studio.state.server_api_key == key
    assert requests.get(f"{lan_url}/v1/models", timeout=10).status_code == 401
    answer = requests.post(
        f"{lan_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text

    window.show_page("chat")
    chat = window.page("chat")
    assert isinstance(chat, ChatPage)

    async def chat_over_the_lan() -> None:
        await until(lambda: chat.server_info is not None, timeout=60, what="the chat reached the server")
        chat.max_tokens_spin.setValue(8)
        chat.input.setPlainText("Say hello.")
        await chat.send()

    try:
        qrun(chat_over_the_lan())
        assert chat.endpoint is not None and chat.endpoint.base_url == lan_url and chat.via_lan
        assert chat._handle is not None and chat._handle.forward is None  # no SSH forward opened
        assert f"Reached over your network at {lan_url}" in chat.server_label.text()
        assert chat.store is not None and chat.conversation_id is not None
        reply = chat.store.messages(chat.conversation_id)[-1]
        assert reply.status == STATUS_COMPLETE and reply.content, reply.error  # the key went along

        # A LAN URL that does not answer from here (a firewall, an SSH hop): the chat takes the forward.
        found = server.find(board)
        assert found is not None and found.api_key == key
        closed = free_port()
        monkeypatch.setattr(server.ServerHandle, "lan_url", lambda self: f"http://127.0.0.1:{closed}")
        endpoint, via_lan = reach_server(found)
        with endpoint:
            assert not via_lan and found.forward is not None and endpoint.base_url == found.forward.url
            assert probe_server(endpoint).model  # through the forward, with the key
        found.close_tunnel()
        monkeypatch.undo()

        async def stop() -> None:
            window.show_page("server")
            page.stop_button.click()
            await until(lambda: studio.state.server is ServerState.STOPPED, timeout=30, what="stopped")
            await until(lambda: chat.endpoint is None, what="the chat let the server go")

        qrun(stop())
    finally:
        chat.close_store()
    assert page.info_values["key"].isHidden() and page.info_values["key"].text() == ""
    assert rig.run_as(account.user, 'pgrep -u "$(id -u)" -x llama-server').stdout.strip() == ""


def test_refresh_that_ends_after_the_window_closed_raises_nothing(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    rig_account: rig.RigAccount,
    tmp_path: Path,
) -> None:
    """CI once failed here: the Server page listed the board's models while the window closed; the link
    dropped and the page reported it through a deleted bridge ("Signal source has been deleted")."""
    kh = tmp_path / "kh"
    with rig.FaultProxy(rig_sshd.port) as proxy:
        board = rig.connect(rig_account, proxy.port, faults.pin_for_port(rig_sshd, proxy.port, kh))
        studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
        window = studio.window
        window.show()
        page = window.page("server")
        assert isinstance(page, ServerPage)
        board.home()  # this thread's SFTP session opens before the link stalls

        async def scenario() -> None:
            proxy.stall()  # the page's model listing hangs on the board ...
            studio.state.set_connection(ConnectionState.CONNECTED, board)
            await asyncio.sleep(0.3)
            window.deleteLater()  # ... while the window goes away (close() would quit the test's loop)
            await asyncio.sleep(0.1)
            proxy.cut()  # then the link drops under the listing (if the closing window has not closed it)
            await until(lambda: not board.is_alive, what="link down")
            await asyncio.sleep(0.5)  # the listing's worker returns to a page that no longer exists

        quits = QApplication.quitOnLastWindowClosed()
        QApplication.setQuitOnLastWindowClosed(False)  # the deleted window is the last one
        try:
            qrun(scenario())
        finally:
            QApplication.setQuitOnLastWindowClosed(quits)
        board.close()
    # pytest-qt fails this test by itself if the page's task raised into the Qt event loop


def test_start_at_boot_on_a_board_without_systemd(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
) -> None:
    """ "Start this model when the board boots" on the rig board (no systemd there): the translated reason in
    a message box, the box left unticked, nothing installed on the board."""
    board = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)
    studio = app_module.Studio(paths.app_dirs(), lang="zh_CN", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.show()
    page = window.page("server")
    assert isinstance(page, ServerPage)
    window.show_page("server")

    def shown_boxes() -> list[QMessageBox]:
        return visible_boxes()

    async def scenario() -> None:
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(lambda: studio.state.server is ServerState.STOPPED, what="the page looked at the board")
        assert not page.boot_check.isChecked()  # boot_enabled() read the board: no unit
        page.model_combo.addItem(MODEL_NAME, f"~/dev/llm/models/{MODEL_NAME}")  # the file need not exist
        page.boot_check.click()
        await until(lambda: bool(shown_boxes()), timeout=60, what="the reason")

    try:
        qrun(scenario())
        box = shown_boxes()[0]
        assert "systemd" in box.text() and "开机" in box.text(), box.text()  # E_NO_SYSTEMD, in Chinese
        box.close()
        assert not page.boot_check.isChecked()
        assert page.boot_check.text() == "开发板开机时启动此模型"
        assert not board.exists(f"{board.home()}/.config/systemd/user/{server.UNIT_NAME}")
    finally:
        studio.state.set_connection(ConnectionState.DISCONNECTED, None)
        board.close()


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "en",
            {
                "model": "Load the model — OpenCL device: QUALCOMM Adreno(TM) 635 · offloaded 29/29 layers "
                "to GPU · Vision projector loaded",
                "load": "Start llama-server (run 1) — Listening on http://127.0.0.1:9876",
                "ready": "Ready — Running on GPU: QUALCOMM Adreno(TM) 635, 29/29 layers",
            },
        ),
        (
            "zh_CN",
            {
                "model": "加载模型 — OpenCL 设备：QUALCOMM Adreno(TM) 635 · 已将 29/29 层卸载到 GPU · "
                "视觉投影器已加载",
                "load": "启动 llama-server（第 1 次） — 正在监听 http://127.0.0.1:9876",
                "ready": "就绪 — 运行于 GPU: QUALCOMM Adreno(TM) 635, 29/29 layers",
            },
        ),
    ],
)
def _feed_a_manual_gpu_start(bridge: EventBridge) -> None:
    """A GPU start's events, as `server.start` reports them: the rig has no Adreno GPU, so the manual's
    recorded lines of a RUBIK Pi 3 (tests/data/logs/manual-*.txt) stand in for the server's log, fed through
    the same path as a running server's (`LoadStatus.feed`, then `backend_event` when it is ready)."""
    lines = [
        "srv    load_model: loading model '/home/ubuntu/dev/llm/models/qwen2-1_5b-instruct-q4_0-pure.gguf'",
        *(LOGS / "manual-llama-cli-version-opencl.txt").read_text().splitlines(),
        *(LOGS / "manual-llama-cli-gpu-perf.txt").read_text().splitlines()[:1],
        "srv    load_model: loaded multimodal model, '/home/ubuntu/dev/llm/mmproj-SmolVLM-500M-f16.gguf'",
        "srv  llama_server: model loaded",
        "srv  llama_server: listening on http://127.0.0.1:9876",
    ]
    bridge(Event(STEP_START, step="check", message="Checking model, memory and port"))
    bridge(Event(STEP_DONE, step="check"))
    bridge(Event(STEP_START, step="load", message="Starting llama-server (run 1)"))
    load = server.LoadStatus()
    for line in lines:
        for ev in load.feed(line):
            bridge(ev)
        bridge(Event(LOG, message=line))
    bridge(Event(STEP_DONE, step="load", message="ready on port 9876"))
    bridge(server.backend_event(load.backend_lines, planned_gpu=True))
    bridge(Event(STEP_DONE, step="ready", message="Ready on port 9876"))
    bridge.flush()


def _assert_loading_notes_shown(steps: StepList, log_pane: LogPane, texts: dict[str, str]) -> None:
    log_pane.flush()
    assert {step: steps.text_of(step) for step in texts} == texts
    assert all(steps.state_of(step) is StepState.DONE for step, _title in SERVER_STEPS)
    shown = log_pane.toPlainText().splitlines()
    for fact in texts["model"].split(" — ")[1].split(" · "):
        assert f"--> {fact}" in shown
    assert f"--> {texts['ready'].split(' — ')[1]}" in shown
    assert "load_tensors: offloaded 29/29 layers to GPU" in shown  # the server's own line, as it came


LOADING_NOTES = [
    (
        "en",
        {
            "model": "Load the model — OpenCL device: QUALCOMM Adreno(TM) 635 · offloaded 29/29 layers "
            "to GPU · Vision projector loaded",
            "load": "Start llama-server (run 1) — Listening on http://127.0.0.1:9876",
            "ready": "Ready — Running on GPU: QUALCOMM Adreno(TM) 635, 29/29 layers",
        },
    ),
    (
        "zh_CN",
        {
            "model": "加载模型 — OpenCL 设备：QUALCOMM Adreno(TM) 635 · 已将 29/29 层卸载到 GPU · "
            "视觉投影器已加载",
            "load": "启动 llama-server（第 1 次） — 正在监听 http://127.0.0.1:9876",
            "ready": "就绪 — 运行于 GPU: QUALCOMM Adreno(TM) 635, 29/29 layers",
        },
    ),
]


@pytest.mark.parametrize(("lang", "texts"), LOADING_NOTES)
def test_loading_notes_from_the_manuals_adreno_log(qtbot: QtBot, lang: str, texts: dict[str, str]) -> None:
    """The loading facts of a GPU start (the OpenCL device, offloaded layers, projector, listening, what it
    runs on) on the steps' lines and in the log, in the user's language."""
    studio = app_module.Studio(paths.app_dirs(), lang=lang, strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("server")
    assert isinstance(page, ServerPage)
    page.steps.set_steps(SERVER_STEPS)
    _feed_a_manual_gpu_start(page.bridge)
    _assert_loading_notes_shown(page.steps, page.log_pane, texts)


@pytest.mark.parametrize(("lang", "texts"), LOADING_NOTES)
def test_wizard_server_step_shows_the_same_loading_notes(
    qtbot: QtBot, lang: str, texts: dict[str, str]
) -> None:
    """The wizard's server step uses the Server page's steps: it shows the same loading facts too."""
    studio = app_module.Studio(paths.app_dirs(), lang=lang, strict_pages=True)
    qtbot.addWidget(studio.window)
    try:
        wizard = SetupWizard(
            settings=studio.settings,
            state=studio.state,
            services=WizardServices(discover=lambda on_found, cancel: None),
            parent=studio.window,
        )
        step = wizard.step("server")
        assert isinstance(step, ServerStep)
        step.steps.set_steps(SERVER_STEPS)
        _feed_a_manual_gpu_start(step.bridge)
        _assert_loading_notes_shown(step.steps, step.log_pane, texts)
        wizard.close()
    finally:
        studio.translations.apply("en")


def test_settings_form_reaches_the_spec_and_the_command_line(qtbot: QtBot) -> None:
    """Batch size, threads, slots and flash attention: the manual's defaults until changed, then what the
    user set, in the spec and in llama-server's command line."""
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("server")
    assert isinstance(page, ServerPage)
    page.model_combo.addItem(MODEL_NAME, f"/home/u/dev/llm/models/{MODEL_NAME}")
    assert page.spec() == server.ServerSpec(model=f"/home/u/dev/llm/models/{MODEL_NAME}")
    assert page.threads_spin.text() == "Automatic"
    assert [page.flash_attn_combo.itemData(i) for i in range(page.flash_attn_combo.count())] == [
        "",
        "on",
        "off",
        "auto",
    ]

    page.batch_spin.setValue(256)
    page.threads_spin.setValue(4)
    page.slots_spin.setValue(2)
    page.flash_attn_combo.setCurrentIndex(page.flash_attn_combo.findData("auto"))
    spec = page.spec()
    assert (spec.batch, spec.threads, spec.parallel, spec.flash_attn) == (256, 4, 2, "auto")
    features = llamacpp.features(llamacpp.LlamaVersion(11434, "8a98145c", "0.6.0-dev"))
    argv = list(server.build_argv(spec, "llama-server", features=features, has_gpu=True).argv)
    assert [argv[argv.index(f) + 1] for f in ("-b", "-t", "-np", "-fa")] == ["256", "4", "2", "auto"]


def test_a_server_that_gave_up_earlier_shows_why(
    qtbot: QtBot, qrun: Callable[[Any], Any], served_board: tuple[Board, rig.RigAccount]
) -> None:
    """The supervisor gave up (here: llama-server could not load a cut-short model) while no app watched;
    opening the page later says it failed and why, instead of "No model is being served"."""
    board, account = served_board
    broken = f"{account.home}/dev/llm/models/truncated.gguf"
    shutil.copy2(models.truncated_gguf_path("data"), broken)
    subprocess.run(["chown", f"{account.user}:", broken], check=True)
    spec = server.ServerSpec(model=broken, gpu=False, port=free_port(), threads=2)
    with pytest.raises(server.ServerFailed) as failed:
        server.start(board, spec, check_model=False)
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("server")
    assert isinstance(page, ServerPage)

    async def scenario() -> None:
        studio.state.set_connection(ConnectionState.CONNECTED, board)
        await until(lambda: studio.state.server is ServerState.FAILED, what="the last run's failure")

    qrun(scenario())
    assert page.status_label.text() == f"The server failed: {failed.value.message}"
    assert "before it was ready" in page.status_label.text()
    assert page.info_values["model"].text() == broken and page.info_values["backend"].text() == ""
    assert page.start_button.isEnabled()
