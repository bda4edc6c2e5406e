"""The Server page: pick a model, GPU or CPU, context, LAN sharing; start/stop/restart; loading steps,
backend and device, URL (+ key), and the server's log."""

from __future__ import annotations

import asyncio
import logging
import posixpath
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import server
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import FAILED, INFO, STEP_DONE, WARN, CancelToken, Event
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge, guarded, run_in_thread, widget_slot
from ..i18n import QT_TRANSLATE_NOOP
from ..steps import step_note
from ..widgets import I18N_SKIP, LogPane, StepList
from .base import ConnectionState, Page, PageContext, ServerState, register_page

log = logging.getLogger(__name__)


# The steps of a server start, by the step keys core/server.py and remote/server-supervise.sh report. In
# English: StepList translates titles as it paints (ui/steps.py). The wizard's server step shows the same.
SERVER_STEPS = [
    ("check", "Check model, memory and port"),
    ("load", "Start llama-server"),
    ("model", "Load the model"),
    ("ready", "Ready"),
]
# What the server's log says while it loads (core/server.py `LoadStatus.feed`, `backend_event`): the INFO
# event's step → the step whose line shows it. Its English message is translated like a step's note.
LOADING_FACTS = {
    "device": "model",
    "offload": "model",
    "projector": "model",
    "listen": "load",
    "backend": "ready",
}


def show_loading_facts(events: list[Event], steps: StepList, log_pane: LogPane) -> None:
    """The loading facts among `events` on their step's line and in the log, in the user's language: the
    Server page and the wizard's server step show a start the same way."""
    for ev in events:
        if ev.kind == INFO and ev.step in LOADING_FACTS:
            steps.add_fact(LOADING_FACTS[ev.step], ev.message)
            log_pane.append_line(f"--> {step_note(ev.message)}")


def list_board_models(board: Board) -> list[tuple[str, bool]]:
    """(path, is_projector) of the GGUF files in ~/dev/llm/models: the models module when it is there,
    else a plain SFTP listing (projectors recognised by the manual's `mmproj-` name)."""
    try:
        from rubikpi_studio.core import models  # the Models page's module (may be absent in a build)

        return [(m.path, m.is_projector) for m in models.list_models(board) if not m.partial]
    except ImportError:
        pass
    base = f"{board.home()}/{server.MODELS_DIR}"
    try:
        names = board.sftp().listdir(base)
    except FileNotFoundError:
        return []
    return [
        (posixpath.join(base, n), n.lower().startswith("mmproj"))
        for n in sorted(names)
        if n.lower().endswith(".gguf")
    ]


def _look_at_board(
    board: Board,
) -> tuple[list[tuple[str, bool]], bool, server.ServerHandle | None, list[str], server.ServerStatus]:
    """What the page shows of a board, read in one worker-thread call: the models, whether the server starts
    at boot, the server already running there (adopted, not started twice) with its API key, and its log;
    when none runs, how the last one ended (the supervisor's reason when it gave up)."""
    found = list_board_models(board)
    at_boot = server.boot_enabled(board)
    handle = server.find(board)
    tail: list[str] = []
    last = server.ServerStatus("stopped")
    if handle is not None:
        if handle.needs_api_key and handle.api_key is None:
            handle.api_key = server.lan_api_key(board, create=False)
        tail = server.log_tail(board, 200)
    else:
        last = server.last_run(board)
    return found, at_boot, handle, tail, last


@register_page
class ServerPage(Page):
    name = "server"
    title = QT_TRANSLATE_NOOP("Page", "Server")
    order = 40
    icon = "server"
    needs_board = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.board: Board | None = None
        self.handle: server.ServerHandle | None = None
        self.last_status: server.ServerStatus | None = None
        self.cancel: CancelToken | None = None
        self._watch_cancel: CancelToken | None = None
        self._watch_task: asyncio.Future[Any] | None = None

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.status_label = QLabel()
        self.status_label.setObjectName("serverStatus")
        self.status_label.setWordWrap(True)

        # -- settings
        self.settings_box = QGroupBox()
        self.model_combo = QComboBox()
        self.model_combo.setProperty(I18N_SKIP, True)  # file names
        self.model_combo.setMinimumContentsLength(30)
        self.mmproj_combo = QComboBox()
        self.mmproj_combo.setProperty(I18N_SKIP, True)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.device_combo = QComboBox()
        self.ctx_spin = QSpinBox()
        self.ctx_spin.setRange(256, 131072)
        self.ctx_spin.setSingleStep(512)
        self.ctx_spin.setValue(2048)
        defaults = server.ServerSpec(model="")  # the manual's settings
        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSize")
        self.batch_spin.setRange(1, 8192)
        self.batch_spin.setSingleStep(32)
        self.batch_spin.setValue(defaults.batch)
        self.threads_spin = QSpinBox()
        self.threads_spin.setObjectName("threads")
        self.threads_spin.setRange(0, 64)  # 0: llama.cpp's own choice
        self.threads_spin.setValue(defaults.threads)
        self.slots_spin = QSpinBox()
        self.slots_spin.setObjectName("slots")
        self.slots_spin.setRange(1, 16)
        self.slots_spin.setValue(defaults.parallel)
        self.flash_attn_combo = QComboBox()
        self.flash_attn_combo.setObjectName("flashAttention")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1024, 65535)
        self.port_spin.setValue(server.DEFAULT_PORT)
        self.lan_check = QCheckBox()
        self.boot_check = QCheckBox()
        self.boot_check.setObjectName("startAtBoot")
        self.boot_check.clicked.connect(self._on_boot_check_clicked)
        self.extra_edit = QLineEdit()
        self.extra_edit.setProperty(I18N_SKIP, True)
        self.extra_edit.setMaxLength(server.MAX_EXTRA_CHARS)
        self.extra_edit.textChanged.connect(self._on_extra_edit_changed)
        self.extra_note = QLabel()
        self.extra_note.setProperty(I18N_SKIP, True)
        self.extra_note.setWordWrap(True)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.refresh_button)
        self.form = QFormLayout(self.settings_box)
        # The settings in form order; one list for the form and for enabling them (connected and idle).
        self.settings_widgets: tuple[QWidget, ...] = (
            self.model_combo,
            self.mmproj_combo,
            self.device_combo,
            self.ctx_spin,
            self.batch_spin,
            self.threads_spin,
            self.slots_spin,
            self.flash_attn_combo,
            self.port_spin,
            self.lan_check,
            self.boot_check,
            self.extra_edit,
        )
        self.form_labels = [QLabel() for _ in self.settings_widgets]
        fields: list[QWidget | QHBoxLayout] = [model_row, *self.settings_widgets[1:]]
        for label, field_item in zip(self.form_labels, fields, strict=True):
            self.form.addRow(label, field_item)
        self.form.addRow(self.extra_note)

        self.start_button = QPushButton()
        self.start_button.setObjectName("startServer")
        self.start_button.clicked.connect(self._on_start_button_clicked)
        self.stop_button = QPushButton()
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.restart_button = QPushButton()
        self.restart_button.clicked.connect(self._on_restart_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.restart_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)

        # -- what runs
        self.steps_box = QGroupBox()
        self.steps = StepList()
        self.steps.cancel_requested.connect(self._on_steps_cancel_requested)
        QVBoxLayout(self.steps_box).addWidget(self.steps)
        self.info_box = QGroupBox()
        self.info_grid = QGridLayout(self.info_box)
        self.info_labels: dict[str, QLabel] = {}
        self.info_values: dict[str, QLabel] = {}
        for row, key in enumerate(("backend", "model", "context", "local", "lan", "key")):
            label, value = QLabel(), QLabel()
            value.setProperty(I18N_SKIP, True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.info_labels[key], self.info_values[key] = label, value
            self.info_grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            self.info_grid.addWidget(value, row, 1)
        self.info_grid.setColumnStretch(1, 1)

        self.log_box = QGroupBox()
        self.log_pane = LogPane(max_lines=2000)
        QVBoxLayout(self.log_box).addWidget(self.log_pane)

        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self.steps.apply_events)
        self.bridge.events_ready.connect(self.log_pane.apply_events)
        self.bridge.events_ready.connect(self._on_bridge_events)

        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.settings_box)
        left.addLayout(buttons)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.info_box)
        right.addWidget(self.steps_box, 1)
        top.addLayout(left, 1)
        top.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.heading)
        layout.addWidget(self.status_label)
        layout.addLayout(top, 3)
        layout.addWidget(self.log_box, 2)

        context.state.connection_changed.connect(self._on_state_connection_changed)
        self.retranslate()
        self._update_buttons()
        if context.state.is_connected:  # built after the board connected: find its server now
            self._on_state_connection_changed(context.state.connection)

    # ------------------------------------------------------------------ texts
    def retranslate(self) -> None:
        self.heading.setText(QCoreApplication.translate("ServerPage", "Model server"))
        self.settings_box.setTitle(QCoreApplication.translate("ServerPage", "What to serve"))
        labels = [
            QCoreApplication.translate("ServerPage", "Model"),
            QCoreApplication.translate("ServerPage", "Vision projector"),
            QCoreApplication.translate("ServerPage", "Run on"),
            QCoreApplication.translate("ServerPage", "Context (tokens)"),
            QCoreApplication.translate("ServerPage", "Batch size"),
            QCoreApplication.translate("ServerPage", "Threads"),
            QCoreApplication.translate("ServerPage", "Slots (parallel requests)"),
            QCoreApplication.translate("ServerPage", "Flash attention"),
            QCoreApplication.translate("ServerPage", "Port on the board"),
            QCoreApplication.translate("ServerPage", "Network"),
            QCoreApplication.translate("ServerPage", "At boot"),
            QCoreApplication.translate("ServerPage", "Extra flags"),
        ]
        for label, text in zip(self.form_labels, labels, strict=True):
            label.setText(text)
        self.refresh_button.setText(QCoreApplication.translate("ServerPage", "Refresh"))
        current = self.device_combo.currentIndex()
        self.device_combo.clear()
        self.device_combo.addItem(QCoreApplication.translate("ServerPage", "GPU (Adreno, OpenCL)"), True)
        self.device_combo.addItem(QCoreApplication.translate("ServerPage", "CPU"), False)
        self.device_combo.setCurrentIndex(max(0, current))
        self.threads_spin.setSpecialValueText(QCoreApplication.translate("ServerPage", "Automatic"))
        self.slots_spin.setToolTip(
            QCoreApplication.translate(
                "ServerPage",
                "How many requests the server answers at once. The context is shared between the slots.",
            )
        )
        current = self.flash_attn_combo.currentIndex()
        self.flash_attn_combo.clear()
        for text, value in (
            (QCoreApplication.translate("ServerPage", "Default (off on the GPU, as in the manual)"), ""),
            (QCoreApplication.translate("ServerPage", "On"), "on"),
            (QCoreApplication.translate("ServerPage", "Off"), "off"),
            (QCoreApplication.translate("ServerPage", "Automatic"), "auto"),
        ):
            self.flash_attn_combo.addItem(text, value)
        self.flash_attn_combo.setCurrentIndex(max(0, current))
        if self.mmproj_combo.count() == 0:
            self.mmproj_combo.addItem(QCoreApplication.translate("ServerPage", "None (text only)"), "")
        else:
            self.mmproj_combo.setItemText(0, QCoreApplication.translate("ServerPage", "None (text only)"))
        self.lan_check.setText(
            QCoreApplication.translate("ServerPage", "Share on my network (with an API key)")
        )
        self.lan_check.setToolTip(
            QCoreApplication.translate(
                "ServerPage",
                "Other devices on your network can use the model with the key shown here. "
                "Off: only this app.",
            )
        )
        self.boot_check.setText(
            QCoreApplication.translate("ServerPage", "Start this model when the board boots")
        )
        self.boot_check.setToolTip(
            QCoreApplication.translate(
                "ServerPage",
                "The board starts the server by itself after a reboot, with these settings (a systemd "
                "user service). Shared on the network, its API key is then kept in a file on the board "
                "that only your account can read.",
            )
        )
        self.extra_edit.setPlaceholderText("--temp 0.7 --top-k 40")
        self.start_button.setText(QCoreApplication.translate("ServerPage", "Start"))
        self.stop_button.setText(QCoreApplication.translate("ServerPage", "Stop"))
        self.restart_button.setText(QCoreApplication.translate("ServerPage", "Restart"))
        self.steps_box.setTitle(QCoreApplication.translate("ServerPage", "Loading"))
        self.info_box.setTitle(QCoreApplication.translate("ServerPage", "Running"))
        names = {
            "backend": QCoreApplication.translate("ServerPage", "Runs on"),
            "model": QCoreApplication.translate("ServerPage", "Model"),
            "context": QCoreApplication.translate("ServerPage", "Context"),
            "local": QCoreApplication.translate("ServerPage", "URL for this app"),
            "lan": QCoreApplication.translate("ServerPage", "URL for other devices"),
            "key": QCoreApplication.translate("ServerPage", "API key"),
        }
        for key, label in self.info_labels.items():
            label.setText(names[key])
        self.log_box.setTitle(QCoreApplication.translate("ServerPage", "Server log"))
        self._show_status()

    def _show_status(self) -> None:
        st = self.last_status
        if self.board is None:
            text = QCoreApplication.translate("ServerPage", "Connect to a board first.")
        elif st is None or st.state == "stopped":
            text = QCoreApplication.translate("ServerPage", "No model is being served.")
        elif st.state == "running":
            text = QCoreApplication.translate("ServerPage", "Serving {model} on port {port}.").format(
                model=posixpath.basename(st.model), port=st.port
            )
            if not st.managed:
                text += " " + QCoreApplication.translate(
                    "ServerPage", "It was started outside the app; Stop ends it."
                )
        elif st.state == "loading":
            text = QCoreApplication.translate("ServerPage", "Loading the model…")
        elif st.state == "restarting":
            text = QCoreApplication.translate("ServerPage", "The server stopped and is being restarted…")
        else:
            text = QCoreApplication.translate("ServerPage", "The server failed: {why}").format(why=st.message)
        self.status_label.setText(text)
        values = dict.fromkeys(self.info_values, "")
        if st is not None and st.state == "failed":
            values["model"] = st.model  # it runs on nothing and has no URL
        elif st is not None and st.state != "stopped":
            values["backend"] = st.backend or QCoreApplication.translate(
                "ServerPage", "unknown (not started by the app)"
            )
            values["model"] = st.model
            if st.info is not None:
                vision = (
                    QCoreApplication.translate("ServerPage", "yes")
                    if st.info.has_vision
                    else QCoreApplication.translate("ServerPage", "no")
                )
                values["context"] = QCoreApplication.translate(
                    "ServerPage", "{n} tokens, {slots} slot(s), images: {vision}"
                ).format(n=st.info.n_ctx, slots=st.info.total_slots, vision=vision)
            values["local"] = st.local_url
            values["lan"] = st.lan_url or QCoreApplication.translate("ServerPage", "not shared")
            if st.lan_url and self.handle is not None and self.handle.api_key:
                values["key"] = self.handle.api_key
        for key, value in values.items():
            self.info_values[key].setText(value)
        show_key = bool(values["key"])
        self.info_labels["key"].setVisible(show_key)
        self.info_values["key"].setVisible(show_key)

    def _update_buttons(self) -> None:
        connected = self.board is not None
        running = self.handle is not None
        busy = self.cancel is not None
        self.start_button.setEnabled(connected and not running and not busy)
        self.stop_button.setEnabled(connected and (running or busy))
        self.restart_button.setEnabled(connected and running and not busy)
        self.refresh_button.setEnabled(connected and not busy)
        for w in self.settings_widgets:
            w.setEnabled(connected and not busy)
        self.steps.set_cancellable(busy)

    # ------------------------------------------------------------------ state
    @property
    def local_url(self) -> str:
        """Where the chat reaches the server (the tunnel's local end), or ''."""
        return self.last_status.local_url if self.last_status else ""

    def spec(self) -> server.ServerSpec:
        return server.ServerSpec(
            model=str(self.model_combo.currentData() or self.model_combo.currentText()),
            mmproj=str(self.mmproj_combo.currentData() or ""),
            gpu=bool(self.device_combo.currentData()),
            ctx=self.ctx_spin.value(),
            batch=self.batch_spin.value(),
            threads=self.threads_spin.value(),
            parallel=self.slots_spin.value(),
            flash_attn=str(self.flash_attn_combo.currentData() or ""),
            port=self.port_spin.value(),
            lan=self.lan_check.isChecked(),
            extra=server.parse_extra_flags(self.extra_edit.text()),
        )

    def chosen_spec(self) -> server.ServerSpec | None:
        """`spec()`, or None with a warning in the log when no model is chosen."""
        spec = self.spec()
        if spec.model:
            return spec
        self.bridge(
            Event(
                WARN,
                message=QCoreApplication.translate(
                    "ServerPage", "Choose a model first (put GGUF files in ~/dev/llm/models)."
                ),
            )
        )
        return None

    def _on_extra_edit_changed(self, text: str) -> None:
        try:
            server.parse_extra_flags(text)
            self.extra_note.setText("")
        except server.ExtraFlagsInvalid as exc:
            self.extra_note.setText(exc.message)

    @widget_slot(object)
    async def _on_state_connection_changed(self, state: ConnectionState) -> None:
        board = self.context.state.board
        if state is ConnectionState.CONNECTED and isinstance(board, Board):
            self.board = board
            self._update_buttons()
            await self._refresh()
        else:
            self._stop_watching()
            if self.handle is not None:
                self.handle.close_tunnel()
            self.board = None
            self.handle = None
            self.last_status = None
            self.context.state.set_server(ServerState.UNKNOWN)
            self._update_buttons()
            self._show_status()

    @widget_slot()
    async def _on_refresh_button_clicked(self) -> None:
        await self._refresh()

    async def _refresh(self) -> None:
        """Models on the board and the server that may already run there (adopted, not started twice)."""
        board = self.board
        if board is None:
            return
        try:
            found, at_boot, handle, tail, last = await run_in_thread(_look_at_board, board)
            self._fill_models(found)
            self.boot_check.setChecked(at_boot)
            if handle is not None:
                self.handle = handle
                self.log_pane.append_lines(tail)
                await self._after_running()
            else:
                self.last_status = last
                failed = last.state == "failed"
                self.context.state.set_server(ServerState.FAILED if failed else ServerState.STOPPED)
        except StudioError as exc:
            reason = str(getattr(exc, "reason", "") or "")
            self.bridge(Event(WARN, message=exc.message, code=exc.code, data={"reason": reason}))
        self._update_buttons()
        self._show_status()

    def _fill_models(self, found: list[tuple[str, bool]]) -> None:
        keep = self.model_combo.currentData()
        self.model_combo.clear()
        while self.mmproj_combo.count() > 1:
            self.mmproj_combo.removeItem(1)
        for path, is_projector in found:
            combo = self.mmproj_combo if is_projector else self.model_combo
            combo.addItem(posixpath.basename(path), path)
        if keep:
            idx = self.model_combo.findData(keep)
            if idx >= 0:
                self.model_combo.setCurrentIndex(idx)

    # ------------------------------------------------------------------ actions
    @widget_slot()
    @guarded()
    async def _on_start_button_clicked(self) -> None:
        await self._start(restart=False)

    @widget_slot()
    @guarded()
    async def _on_restart_button_clicked(self) -> None:
        await self._start(restart=True)

    async def _start(self, *, restart: bool) -> None:
        board = self.board
        if board is None:
            return
        spec = self.chosen_spec()
        if spec is None:
            return
        api_key = None
        if spec.lan:
            api_key = await run_in_thread(server.lan_api_key, board)
        self._stop_watching()
        self.steps.reset()
        self.steps.set_steps(SERVER_STEPS)
        self.cancel = CancelToken()
        self.context.state.set_server(ServerState.STARTING)
        self._update_buttons()
        try:
            if restart:
                current = self.handle
                if current is not None:
                    await run_in_thread(server.stop, board, current, report=self.bridge)
                    self.handle = None
            self.handle = await run_in_thread(
                server.start, board, spec, report=self.bridge, cancel=self.cancel, api_key=api_key
            )
        except StudioError:
            self.context.state.set_server(ServerState.FAILED)
            self.last_status = None
            raise
        finally:
            self.cancel = None
            self.bridge.flush()
            self._update_buttons()
        await self._after_running()

    async def _after_running(self) -> None:
        board, handle = self.board, self.handle
        if board is None or handle is None:
            return
        await run_in_thread(handle.open_tunnel)
        self.last_status = await run_in_thread(server.status, board, handle)
        state = {
            "running": ServerState.RUNNING,
            "loading": ServerState.STARTING,
            "restarting": ServerState.STARTING,
        }.get(self.last_status.state, ServerState.FAILED)
        self.context.state.set_server(state, url=self.last_status.local_url, api_key=handle.api_key)
        self._show_status()
        self._update_buttons()
        self._start_watching()

    @widget_slot()
    @guarded()
    async def _on_stop_button_clicked(self) -> None:
        board = self.board
        if board is None:
            return
        if self.cancel is not None:  # still starting: cancel stops what was started
            self.cancel.cancel()
            return
        self._stop_watching()
        await run_in_thread(server.stop, board, self.handle, report=self.bridge)
        self.handle = None
        self.last_status = server.ServerStatus("stopped")
        self.context.state.set_server(ServerState.STOPPED)
        self._show_status()
        self._update_buttons()

    @widget_slot()
    @guarded("boot_check")
    async def _on_boot_check_clicked(self) -> None:
        board = self.board
        if board is None:
            return
        on = self.boot_check.isChecked()  # what the click asked for
        self.boot_check.setChecked(not on)  # shown once the board has done it
        if on:
            spec = self.chosen_spec()
            if spec is None:
                return
            api_key = await run_in_thread(server.lan_api_key, board) if spec.lan else None
            await run_in_thread(server.enable_boot, board, spec, api_key=api_key)
            self.log_pane.append_line(
                QCoreApplication.translate("ServerPage", "{model} will start when the board boots.").format(
                    model=posixpath.basename(spec.model)
                )
            )
        else:
            await run_in_thread(server.disable_boot, board)
            self.log_pane.append_line(
                QCoreApplication.translate("ServerPage", "The server will not start at boot any more.")
            )
        self.boot_check.setChecked(on)

    def _on_steps_cancel_requested(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()

    # ------------------------------------------------------------------ watching a running server
    def _start_watching(self) -> None:
        board, handle = self.board, self.handle
        if board is None or handle is None or handle.job is None:
            return
        self._watch_cancel = token = CancelToken()
        self._watch_task = asyncio.ensure_future(
            run_in_thread(server.watch, board, handle, report=self.bridge, cancel=token, interval=1.0)
        )

    def _stop_watching(self) -> None:
        if self._watch_cancel is not None:
            self._watch_cancel.cancel()
        self._watch_cancel = None
        self._watch_task = None

    def _on_bridge_events(self, events: list[Event]) -> None:
        for ev in events:
            if ev.kind == FAILED and self.cancel is None and self.handle is not None:
                self.last_status = server.ServerStatus(
                    "failed", managed=True, port=self.handle.port, model=self.handle.model, message=ev.message
                )
                self.handle = None
                self.context.state.set_server(ServerState.FAILED)
                self._update_buttons()
                self._show_status()
            elif ev.kind == WARN and ev.step == "server" and self.last_status is not None:
                self.context.state.set_server(ServerState.STARTING)
                self.status_label.setText(
                    QCoreApplication.translate("ServerPage", "The server stopped and is being restarted…")
                )
            elif ev.kind == STEP_DONE and ev.step == "load" and self.cancel is None:
                self.context.state.set_server(
                    ServerState.RUNNING,
                    url=self.local_url or None,
                    api_key=self.handle.api_key if self.handle is not None else None,
                )
                self._show_status()
        show_loading_facts(events, self.steps, self.log_pane)

    def deactivate(self) -> None:
        pass
