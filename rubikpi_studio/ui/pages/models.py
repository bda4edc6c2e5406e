"""The Models page: the catalogue, a pasted Hugging Face link, downloads with progress, the board's models.

Everything here is a thin front end over `core.models`: downloads and quantization are jobs on the board, so a
closed window does not stop them; the page shows their events (bytes, speed, ETA) and offers Cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import jobs, secrets
from rubikpi_studio.core import models as core
from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.catalogue import (
    DEFAULT_ENDPOINT,
    BadModelRef,
    CatalogueError,
    CatalogueModel,
    load_catalogue,
    normalise_endpoint,
    parse_model_ref,
)
from rubikpi_studio.core.errors import Cancelled, StudioError
from rubikpi_studio.core.events import FAILED, LOG, PROGRESS, STEP_START, WARN, CancelToken, Event
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge, guarded, run_in_thread, show_error, widget_slot
from ..dialogs import dialog_result
from ..i18n import QT_TRANSLATE_NOOP
from ..settings import HF_ENDPOINT, LANGUAGE, Setting
from ..widgets import I18N_SKIP, LogPane, event_note
from .base import Page, PageContext, register_page

log = logging.getLogger(__name__)

QUANTIZE_AFTER = Setting(
    "models/quantize_after_download", bool, True, "Quantize catalogue models as recommended after download."
)


def _item(text: str, *, data: object = None, align_right: bool = False, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def _table(columns: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class QuantizeDialog(QDialog):
    """Type (default Q4_0), --pure, and whether to delete the source afterwards."""

    def __init__(self, model: core.BoardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("ModelsPage", "Quantize a model"))
        self.type_combo = QComboBox()
        self.type_combo.addItems(list(core.QUANT_TYPES))
        self.pure_check = QCheckBox(
            QCoreApplication.translate(
                "ModelsPage", "Pure: every weight matrix in the same type (fast on the GPU)"
            )
        )
        self.pure_check.setChecked(True)
        self.delete_check = QCheckBox(
            QCoreApplication.translate("ModelsPage", "Delete the source file afterwards")
        )
        self.delete_check.setChecked(False)
        self.output_label = QLabel()
        self.output_label.setProperty(I18N_SKIP, True)
        self.type_combo.currentTextChanged.connect(
            lambda t: self.output_label.setText(core.output_name(model.name, t))
        )
        self.output_label.setText(core.output_name(model.name, "Q4_0"))
        source = QLabel(model.name)
        source.setProperty(I18N_SKIP, True)
        form = QFormLayout()
        form.addRow(QCoreApplication.translate("ModelsPage", "Source"), source)
        form.addRow(QCoreApplication.translate("ModelsPage", "Type"), self.type_combo)
        form.addRow(QCoreApplication.translate("ModelsPage", "Output"), self.output_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            QCoreApplication.translate("ModelsPage", "Quantize")
        )
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            QCoreApplication.translate("ModelsPage", "Cancel")
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.pure_check)
        layout.addWidget(self.delete_check)
        layout.addWidget(buttons)


@register_page
class ModelsPage(Page):
    name = "models"
    title = QT_TRANSLATE_NOOP("Page", "Models")
    order = 30
    icon = "models"
    needs_board = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # What llama-server on the board uses (model, projector): marked in the table, never deleted. Read
        # with the listing in refresh()'s worker call, and again right before a delete or quantize.
        self.served: list[str] = []
        self.is_stale = False  # the server changed while the page was hidden: read the board on activate
        # Downloads running on the board that this window did not start (it was restarted meanwhile): file
        # names; each is followed once (`followed`), so a failure to follow does not loop.
        self.downloading: list[str] = []
        self.followed: set[str] = set()
        self.catalogue: list[CatalogueModel] = []
        self.board_models: list[core.BoardModel] = []
        self.mem_total_kb = 0
        self.disk_free: int | None = None
        self.folder = ""
        self.cancel_token: CancelToken | None = None
        self.busy_text = ""
        self.message_box: QMessageBox | None = None
        self.quantize_dialog: QuantizeDialog | None = None
        self._tasks: set[asyncio.Future[None]] = set()

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # --- get a model
        self.get_group = QGroupBox()
        self.catalogue_table = _table(6)
        self.catalogue_table.setObjectName("catalogueTable")
        self.catalogue_table.itemSelectionChanged.connect(self._update_buttons)
        self.catalogue_table.itemDoubleClicked.connect(lambda _i: self._on_download_button_clicked())
        self.quantize_after_check = QCheckBox()
        self.quantize_after_check.setChecked(context.settings.get(QUANTIZE_AFTER))
        self.quantize_after_check.toggled.connect(lambda on: context.settings.set(QUANTIZE_AFTER, on))
        self.download_button = QPushButton()
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("linkEdit")
        self.link_edit.returnPressed.connect(self._on_link_button_clicked)
        self.link_button = QPushButton()
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.endpoint_label = QLabel()
        self.endpoint_edit = QLineEdit(context.settings.get(HF_ENDPOINT))
        self.endpoint_edit.setProperty(I18N_SKIP, True)
        self.endpoint_edit.editingFinished.connect(self._on_endpoint_edit_finished)
        self.token_button = QPushButton()
        self.token_button.clicked.connect(self._on_token_button_clicked)

        cat_buttons = QHBoxLayout()
        cat_buttons.addWidget(self.quantize_after_check)
        cat_buttons.addStretch(1)
        cat_buttons.addWidget(self.download_button)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link_edit, 1)
        link_row.addWidget(self.link_button)
        endpoint_row = QHBoxLayout()
        endpoint_row.addWidget(self.endpoint_label)
        endpoint_row.addWidget(self.endpoint_edit, 1)
        endpoint_row.addWidget(self.token_button)
        get_layout = QVBoxLayout(self.get_group)
        get_layout.addWidget(self.catalogue_table, 1)
        get_layout.addLayout(cat_buttons)
        get_layout.addLayout(link_row)
        get_layout.addLayout(endpoint_row)

        # --- the running transfer
        self.transfer_box = QWidget()
        self.transfer_title = QLabel()
        self.transfer_title.setProperty(I18N_SKIP, True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.transfer_detail = QLabel()
        self.transfer_detail.setProperty(I18N_SKIP, True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        t_row = QHBoxLayout()
        t_row.addWidget(self.progress_bar, 1)
        t_row.addWidget(self.cancel_button)
        t_layout = QVBoxLayout(self.transfer_box)
        t_layout.setContentsMargins(0, 0, 0, 0)
        t_layout.addWidget(self.transfer_title)
        t_layout.addLayout(t_row)
        t_layout.addWidget(self.transfer_detail)
        self.transfer_box.setVisible(False)

        # --- on the board
        self.board_group = QGroupBox()
        self.models_table = _table(7)
        self.models_table.setObjectName("modelsTable")
        self.models_table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.quantize_button = QPushButton()
        self.quantize_button.setObjectName("quantizeButton")
        self.quantize_button.clicked.connect(self._on_quantize_button_clicked)
        self.delete_button = QPushButton()
        self.delete_button.setObjectName("deleteButton")
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.upload_button = QPushButton()
        self.upload_button.clicked.connect(self._on_upload_button_clicked)
        b_row = QHBoxLayout()
        b_row.addWidget(self.refresh_button)
        b_row.addStretch(1)
        b_row.addWidget(self.upload_button)
        b_row.addWidget(self.quantize_button)
        b_row.addWidget(self.delete_button)
        board_layout = QVBoxLayout(self.board_group)
        board_layout.addWidget(self.models_table, 1)
        board_layout.addLayout(b_row)

        self.log_pane = LogPane(max_lines=2000)
        self.log_pane.setMaximumHeight(110)
        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self.log_pane.apply_events)
        self.bridge.events_ready.connect(self._on_events)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.get_group)
        splitter.addWidget(self.board_group)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.folder_label)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.transfer_box)
        layout.addWidget(self.log_pane)

        context.state.connection_changed.connect(self._on_connection_changed)
        context.state.server_changed.connect(self._on_server_changed)
        self.retranslate()
        self._update_buttons()

    # --------------------------------------------------------------- texts
    def retranslate(self) -> None:
        self.heading.setText(QCoreApplication.translate("ModelsPage", "Models"))
        self.get_group.setTitle(QCoreApplication.translate("ModelsPage", "Get a model"))
        self.catalogue_table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("ModelsPage", "Model"),
                QCoreApplication.translate("ModelsPage", "Kind"),
                QCoreApplication.translate("ModelsPage", "Parameters"),
                QCoreApplication.translate("ModelsPage", "Download"),
                QCoreApplication.translate("ModelsPage", "Memory"),
                QCoreApplication.translate("ModelsPage", "Fits the board"),
            ]
        )
        self.quantize_after_check.setText(
            QCoreApplication.translate("ModelsPage", "Quantize as recommended after the download")
        )
        self.download_button.setText(QCoreApplication.translate("ModelsPage", "Download to the board"))
        self.link_edit.setPlaceholderText(
            QCoreApplication.translate(
                "ModelsPage", "Or paste a Hugging Face link or owner/repo/file.gguf, then press Download"
            )
        )
        self.link_button.setText(QCoreApplication.translate("ModelsPage", "Download"))
        self.endpoint_label.setText(QCoreApplication.translate("ModelsPage", "Download from"))
        self.endpoint_edit.setToolTip(
            QCoreApplication.translate("ModelsPage", "Hugging Face or a mirror such as https://hf-mirror.com")
        )
        self.token_button.setText(QCoreApplication.translate("ModelsPage", "Access token…"))
        self.token_button.setToolTip(
            QCoreApplication.translate(
                "ModelsPage", "A Hugging Face token for gated models, kept in the system keyring"
            )
        )
        self.cancel_button.setText(QCoreApplication.translate("ModelsPage", "Cancel"))
        self.board_group.setTitle(QCoreApplication.translate("ModelsPage", "On the board"))
        self.models_table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("ModelsPage", "File"),
                QCoreApplication.translate("ModelsPage", "Size"),
                QCoreApplication.translate("ModelsPage", "Architecture"),
                QCoreApplication.translate("ModelsPage", "Parameters"),
                QCoreApplication.translate("ModelsPage", "Quantization"),
                QCoreApplication.translate("ModelsPage", "Context"),
                QCoreApplication.translate("ModelsPage", "Notes"),
            ]
        )
        self.refresh_button.setText(QCoreApplication.translate("ModelsPage", "Refresh"))
        self.quantize_button.setText(QCoreApplication.translate("ModelsPage", "Quantize…"))
        self.delete_button.setText(QCoreApplication.translate("ModelsPage", "Delete…"))
        self.upload_button.setText(QCoreApplication.translate("ModelsPage", "Upload from this computer…"))
        self._fill_catalogue()
        self._fill_models()

    # --------------------------------------------------------------- state
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine on the loop, keeping a reference until it ends."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("models page task failed", exc_info=exc)

    @property
    def board(self) -> Board | None:
        b = self.context.state.board
        return b if isinstance(b, Board) else None

    @property
    def is_busy(self) -> bool:
        return self.cancel_token is not None

    def load(self) -> None:
        try:
            self.catalogue = load_catalogue()
        except CatalogueError as exc:
            log.warning("catalogue: %s", exc)
            self.catalogue = []
        self._fill_catalogue()  # activate() (called next) reads the board

    def activate(self) -> None:
        if self.board is not None and not self.is_busy and (not self.board_models or self.is_stale):
            self._spawn(self.refresh())

    def _on_server_changed(self, _state: object) -> None:
        """A server started or stopped: which model is "being served" changed."""
        if self.board is None:
            return
        if self.isVisible() and not self.is_busy:
            self._spawn(self.refresh())
        else:
            self.is_stale = True

    def _on_connection_changed(self, _state: object) -> None:
        if self.board is None:
            self.board_models = []
            self.served = []
            self.downloading = []
            self.followed = set()
            self.disk_free = None
            self.mem_total_kb = 0
            self.folder = ""
            self._fill_models()
            self._fill_catalogue()
        elif self.is_loaded or self.isVisible():
            self._spawn(self.refresh())
        self._update_buttons()

    def _update_buttons(self) -> None:
        connected = self.board is not None
        idle = not self.is_busy
        selected = self.selected_model()
        self.download_button.setEnabled(connected and idle and self.selected_catalogue() is not None)
        self.link_button.setEnabled(connected and idle)
        self.refresh_button.setEnabled(connected and idle)
        self.upload_button.setEnabled(connected and idle)
        self.quantize_button.setEnabled(
            connected and idle and selected is not None and not selected.partial and not selected.is_projector
        )
        self.delete_button.setEnabled(connected and idle and selected is not None)

    def selected_catalogue(self) -> CatalogueModel | None:
        rows = self.catalogue_table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.catalogue_table.item(rows[0].row(), 0)
        model_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((m for m in self.catalogue if m.id == model_id), None)

    def selected_model(self) -> core.BoardModel | None:
        rows = self.models_table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.models_table.item(rows[0].row(), 0)
        path = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((m for m in self.board_models if m.path == path), None)

    # --------------------------------------------------------------- tables
    def _fill_catalogue(self) -> None:
        selected = self.selected_catalogue() if self.catalogue_table.rowCount() else None
        self.catalogue_table.setRowCount(len(self.catalogue))
        language = self.context.settings.get(LANGUAGE) or QLocale.system().name()
        for row, m in enumerate(self.catalogue):
            fit = core.catalogue_fit(m, mem_total_kb=self.mem_total_kb, disk_free_bytes=self.disk_free)
            if fit.ram is None and fit.disk is None:
                fits = QCoreApplication.translate("ModelsPage", "connect to check")
            elif fit.ram is False or fit.disk is False:
                fits = QCoreApplication.translate("ModelsPage", "no:") + " " + fit.why
            else:
                fits = QCoreApplication.translate("ModelsPage", "yes")
            kind = (
                QCoreApplication.translate("ModelsPage", "vision (with image projector)")
                if m.kind == "vision"
                else QCoreApplication.translate("ModelsPage", "text")
            )
            name = m.name + (
                "  (" + QCoreApplication.translate("ModelsPage", "from the RUBIK Pi guide") + ")"
                if m.source == "manual"
                else ""
            )
            cells = [
                _item(name, data=m.id, tip=m.describe(language)),
                _item(kind),
                _item(m.parameters, align_right=True),
                _item(core.format_bytes(m.download_size), align_right=True),
                _item(f"~{m.ram_mb / 1024:.1f} GB", align_right=True),
                _item(fits),
            ]
            for col, cell in enumerate(cells):
                self.catalogue_table.setItem(row, col, cell)
            if selected is not None and selected.id == m.id:
                self.catalogue_table.selectRow(row)

    def _fill_models(self) -> None:
        selected = self.selected_model() if self.models_table.rowCount() else None
        served = set(self.served)
        self.models_table.setRowCount(len(self.board_models))
        for row, m in enumerate(self.board_models):
            notes: list[str] = []
            if m.partial and m.name.removesuffix(".part") in self.downloading:
                notes.append(QCoreApplication.translate("ModelsPage", "downloading now"))
            elif m.partial:
                notes.append(
                    QCoreApplication.translate(
                        "ModelsPage", "unfinished transfer: downloading it again continues it"
                    )
                )
            if m.is_projector:
                notes.append(
                    QCoreApplication.translate("ModelsPage", "vision projector for %s") % ", ".join(m.pairs)
                    if m.pairs
                    else QCoreApplication.translate("ModelsPage", "vision projector (no matching model here)")
                )
            elif m.pairs:
                notes.append(QCoreApplication.translate("ModelsPage", "images with %s") % ", ".join(m.pairs))
            if m.served or m.path in served:
                notes.append(QCoreApplication.translate("ModelsPage", "being served"))
            if m.warning:
                notes.append("⚠ " + m.warning)
            cells = [
                _item(m.name, data=m.path, tip=m.path),
                _item(core.format_bytes(m.size), align_right=True),
                _item(m.architecture),
                _item(core.format_params(m.parameters), align_right=True),
                _item(m.quantization),
                _item(str(m.context_length or ""), align_right=True),
                _item("; ".join(notes), tip="\n".join(notes)),
            ]
            for col, cell in enumerate(cells):
                self.models_table.setItem(row, col, cell)
            if selected is not None and selected.path == m.path:
                self.models_table.selectRow(row)
        if self.folder:
            free = core.format_bytes(self.disk_free) if self.disk_free is not None else "?"
            self.folder_label.setText(
                f"{self.folder}  ·  {free} " + QCoreApplication.translate("ModelsPage", "free")
            )
        elif self.board is None:
            self.folder_label.setText(
                QCoreApplication.translate(
                    "ModelsPage", "Connect to a board on the Board page to see and add its models."
                )
            )
        else:
            self.folder_label.setText("")

    # --------------------------------------------------------------- refresh
    @widget_slot()
    async def _on_refresh_button_clicked(self) -> None:
        await self.refresh()

    @guarded("refresh_button")
    async def refresh(self) -> None:
        board = self.board
        if board is None:
            return

        def work() -> tuple[str, list[str], list[core.BoardModel], list[str], int, int]:
            folder = core.models_dir(board)
            served = core_server.served_paths(board)
            listed = core.list_models(board, directory=folder, served=served)
            downloading = core.running_downloads(board, listed)
            free = core.disk_free(board, folder)
            mem = board.quick("awk '/^MemTotal:/{print $2}' /proc/meminfo").stdout.strip()
            return folder, served, listed, downloading, free, int(mem or 0)

        self.is_stale = False
        result = await run_in_thread(work)
        self.folder, self.served, self.board_models, self.downloading = result[:4]
        self.disk_free, self.mem_total_kb = result[4:]
        self._fill_models()
        self._fill_catalogue()
        self._update_buttons()
        pending = [n for n in self.downloading if n not in self.followed]
        if pending and not self.is_busy:
            self._spawn(self.follow_download(pending[0]))

    async def follow_download(self, filename: str) -> None:
        """Show a download that runs on the board without this window (the app was restarted) with its
        progress and Cancel, as if started here; then read the board again."""
        board = self.board
        if board is None or self.is_busy:
            return
        self.followed.add(filename)
        await self._run_op(
            QCoreApplication.translate("ModelsPage", "Downloading %s") % filename,
            lambda cancel: core.follow_download(
                board, filename, report=self.bridge, cancel=cancel, reconnect=jobs.reconnector(board)
            ),
        )
        if self.board is not None:
            await self.refresh()

    # --------------------------------------------------------------- downloads
    def _on_endpoint_edit_finished(self) -> None:
        text = self.endpoint_edit.text().strip() or DEFAULT_ENDPOINT
        try:
            endpoint = normalise_endpoint(text)
        except BadModelRef as exc:
            show_error(self, exc)
            self.endpoint_edit.setText(self.context.settings.get(HF_ENDPOINT))
            return
        self.endpoint_edit.setText(endpoint)
        self.context.settings.set(HF_ENDPOINT, endpoint)

    @property
    def endpoint(self) -> str:
        try:
            return normalise_endpoint(self.endpoint_edit.text().strip() or DEFAULT_ENDPOINT)
        except BadModelRef:
            return DEFAULT_ENDPOINT

    @widget_slot()
    async def _on_token_button_clicked(self) -> None:
        usable, why = secrets.status()
        if not usable:
            box = QMessageBox(QMessageBox.Icon.Information, "RUBIK Pi Studio", why, parent=self)
            box.open()
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle(QCoreApplication.translate("ModelsPage", "Hugging Face access token"))
        dialog.setLabelText(
            QCoreApplication.translate("ModelsPage", "Token for %s (leave empty to remove it):")
            % self.endpoint
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        if await dialog_result(dialog) != QDialog.DialogCode.Accepted:
            return
        token = dialog.textValue().strip()
        endpoint = self.endpoint
        if token:
            await run_in_thread(secrets.put, "hf_token", endpoint, token)
        else:
            with contextlib.suppress(Exception):
                await run_in_thread(secrets.delete, "hf_token", endpoint)
        self.bridge(
            Event(
                LOG,
                message=QCoreApplication.translate("ModelsPage", "Access token saved.")
                if token
                else QCoreApplication.translate("ModelsPage", "Access token removed."),
            )
        )

    async def _token(self) -> str | None:
        usable, _ = await run_in_thread(secrets.status)
        if not usable:
            return None
        try:
            return await run_in_thread(secrets.get, "hf_token", self.endpoint)
        except secrets.KeyringUnavailable:
            return None

    @widget_slot()
    async def _on_download_button_clicked(self) -> None:
        model = self.selected_catalogue()
        if model is None or self.is_busy:
            return
        requests = core.catalogue_requests(model, self.endpoint)
        quantize_to = model if self.quantize_after_check.isChecked() and model.needs_quantize else None
        delete_source = False
        if quantize_to is not None:
            # Asked now, while the user is here: the download and the quantization then run unattended.
            delete_source = await self._confirm(
                QCoreApplication.translate(
                    "ModelsPage",
                    "After quantizing to %s, delete the downloaded %s (about %s) to free disk space? "
                    "Only the quantized model stays on the board.",
                )
                % (model.quantization, requests[0].filename, core.format_bytes(model.model.size)),
                QCoreApplication.translate("ModelsPage", "Delete it afterwards"),
                no=QCoreApplication.translate("ModelsPage", "Keep it"),
            )
        await self.download(requests, quantize_to=quantize_to, delete_source=delete_source)

    @widget_slot()
    async def _on_link_button_clicked(self) -> None:
        text = self.link_edit.text().strip()
        if not text or self.is_busy:
            return
        try:
            ref = parse_model_ref(text, self.endpoint)
        except BadModelRef as exc:
            show_error(self, exc)
            return
        await self.download([core.DownloadRequest.from_ref(ref)])

    async def download(
        self,
        requests: list[core.DownloadRequest],
        *,
        quantize_to: CatalogueModel | None = None,
        delete_source: bool = False,
    ) -> None:
        """Download `requests` in turn; then quantize the first as `quantize_to` recommends, deleting the
        downloaded source afterwards when `delete_source`."""
        board = self.board
        if board is None:
            return
        token = await self._token()
        done: list[core.BoardModel] = []
        for i, request in enumerate(requests):
            title = QCoreApplication.translate("ModelsPage", "Downloading %s") % request.filename
            if len(requests) > 1:
                title += f"  ({i + 1}/{len(requests)})"

            def pull(cancel: CancelToken, request: core.DownloadRequest = request) -> None:
                # A dropped connection: reconnect and follow the same download job on, not an error.
                done.append(
                    core.pull(
                        board,
                        request,
                        token=token,
                        report=self.bridge,
                        cancel=cancel,
                        reconnect=jobs.reconnector(board),
                    )
                )

            ok = await self._run_op(title, pull)
            if not ok:
                break
        else:
            if quantize_to is not None and done and quantize_to.needs_quantize:
                await self.quantize(
                    done[0],
                    qtype=quantize_to.quantization,
                    pure=quantize_to.pure,
                    delete_source=delete_source,
                )
                return
        await self.refresh()

    async def _run_op(self, title: str, fn: Callable[[CancelToken], object]) -> bool:
        """Run a core operation in a worker thread with the transfer panel and Cancel. True on success."""
        token = CancelToken()
        self.cancel_token = token
        self.busy_text = title
        self.transfer_title.setText(title)
        self.transfer_detail.setText(QCoreApplication.translate("ModelsPage", "Starting…"))
        self.progress_bar.setRange(0, 0)  # busy until the first progress event
        self.progress_bar.setFormat("")
        self.cancel_button.setEnabled(True)
        self.transfer_box.setVisible(True)
        self._update_buttons()
        try:
            await run_in_thread(fn, token)
            return True
        except Cancelled:
            self.bridge(Event(LOG, message=QCoreApplication.translate("ModelsPage", "Cancelled.")))
            return False
        except StudioError as exc:
            self.bridge(Event(FAILED, code=exc.code, message=exc.message))
            show_error(self, exc)
            return False
        finally:
            self.bridge.flush()
            self.cancel_token = None
            self.transfer_box.setVisible(False)
            self._update_buttons()

    def _on_cancel_button_clicked(self) -> None:
        if self.cancel_token is not None:
            self.cancel_button.setEnabled(False)
            self.transfer_detail.setText(QCoreApplication.translate("ModelsPage", "Stopping…"))
            self.cancel_token.cancel()

    def _on_events(self, events: list[Event]) -> None:
        for ev in events:
            if ev.kind == PROGRESS and ev.fraction is not None:
                self.progress_bar.setRange(0, 1000)
                self.progress_bar.setValue(int(ev.fraction * 1000))
                self.progress_bar.setFormat(f"{ev.fraction * 100:.1f} %")
                self.transfer_detail.setText(self._progress_text(ev))
            elif ev.kind == STEP_START and ev.step in ("verify", "probe", "disk", "check"):
                self.progress_bar.setRange(0, 0)
                self.transfer_detail.setText(self._step_text(ev.step))
            elif ev.kind == WARN:
                self.transfer_detail.setText("⚠ " + event_note(ev))

    def _step_text(self, step: str) -> str:
        return {
            "probe": QCoreApplication.translate("ModelsPage", "Looking up the file…"),
            "disk": QCoreApplication.translate("ModelsPage", "Checking free disk space…"),
            "verify": QCoreApplication.translate("ModelsPage", "Checking the sha256 of the download…"),
            "check": QCoreApplication.translate("ModelsPage", "Checking the input and the disk…"),
        }.get(step, "")

    def _progress_text(self, ev: Event) -> str:
        d = ev.data
        if "bytes" in d:
            if "retry_in" in d:
                return QCoreApplication.translate("ModelsPage", "%s of %s · no data, retrying in %d s") % (
                    core.format_bytes(d["bytes"]),
                    core.format_bytes(d["total"]),
                    d["retry_in"],
                )
            text = QCoreApplication.translate("ModelsPage", "%s of %s") % (
                core.format_bytes(d["bytes"]),
                core.format_bytes(d.get("total") or 0),
            )
            if d.get("speed"):
                text += f"  ·  {core.format_bytes(d['speed'])}/s"
            eta = d.get("eta")
            if eta is not None and d["bytes"] < (d.get("total") or 0):
                text += "  ·  " + QCoreApplication.translate("ModelsPage", "%s left") % _eta_text(float(eta))
            return text
        return ev.message

    # --------------------------------------------------------------- quantize
    @widget_slot()
    async def _on_quantize_button_clicked(self) -> None:
        model = self.selected_model()
        if model is None or self.board is None:
            return
        if model.is_projector:
            show_error(
                self, core.ProjectorNotQuantized("Vision projectors stay f16; quantize the text model.")
            )
            return
        dialog = QuantizeDialog(model, self)
        self.quantize_dialog = dialog
        if await dialog_result(dialog) != QDialog.DialogCode.Accepted:
            return
        await self.quantize(
            model,
            qtype=dialog.type_combo.currentText(),
            pure=dialog.pure_check.isChecked(),
            delete_source=dialog.delete_check.isChecked(),
        )

    async def quantize(
        self,
        model: core.BoardModel,
        *,
        qtype: str = "Q4_0",
        pure: bool = True,
        delete_source: bool = False,
        allow_requantize: bool = False,
    ) -> None:
        board = self.board
        if board is None:
            return
        overwrite = False
        while True:  # each question the plan raises is asked once; a yes goes round again
            try:
                await run_in_thread(
                    core.plan_quantize,
                    board,
                    model.path,
                    qtype=qtype,
                    pure=pure,
                    allow_requantize=allow_requantize,
                    overwrite=overwrite,
                )
                break
            except core.NeedsRequantize as exc:
                if not await self._confirm(
                    QCoreApplication.translate(
                        "ModelsPage",
                        "%s is already quantized (%s). Requantizing loses quality. Quantize it anyway?",
                    )
                    % (model.name, exc.data.get("quantization", "")),
                    QCoreApplication.translate("ModelsPage", "Requantize"),
                ):
                    return
                allow_requantize = True
            except core.ModelExists as exc:
                if overwrite or not await self._confirm(
                    QCoreApplication.translate(
                        "ModelsPage", "%s is already on the board. Replace it with the new quantization?"
                    )
                    % posixpath.basename(str(exc.data.get("path", ""))),
                    QCoreApplication.translate("ModelsPage", "Replace"),
                ):
                    return
                overwrite = True
            except StudioError as exc:
                show_error(self, exc)
                return
        await self._run_op(
            QCoreApplication.translate("ModelsPage", "Quantizing %s to %s") % (model.name, qtype),
            lambda cancel: core.quantize(
                board,
                model.path,
                qtype=qtype,
                pure=pure,
                allow_requantize=allow_requantize,
                delete_source=delete_source,
                overwrite=overwrite,
                served=core_server.served_paths(board),  # as it is now, not at the last refresh
                report=self.bridge,
                cancel=cancel,
                reconnect=jobs.reconnector(board),
            ),
        )
        await self.refresh()

    # --------------------------------------------------------------- delete, upload
    async def _confirm(self, text: str, yes: str, *, no: str = "") -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "RUBIK Pi Studio", text, parent=self)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(
            no or QCoreApplication.translate("ModelsPage", "Cancel"), QMessageBox.ButtonRole.RejectRole
        )
        self.message_box = box
        await dialog_result(box)
        self.message_box = None
        return box.clickedButton() is yes_button

    async def _tell(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "RUBIK Pi Studio", text, parent=self)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.message_box = box
        await dialog_result(box)
        self.message_box = None

    @widget_slot()
    @guarded("delete_button")
    async def _on_delete_button_clicked(self) -> None:
        model = self.selected_model()
        board = self.board
        if model is None or board is None:
            return
        if model.served:
            await self._tell(
                QCoreApplication.translate(
                    "ModelsPage",
                    "%s is being served by llama-server. Stop the server on the Server page first, "
                    "then delete it.",
                )
                % model.name
            )
            return
        if not await self._confirm(
            QCoreApplication.translate("ModelsPage", "Delete %s (%s) from the board? This cannot be undone.")
            % (model.name, core.format_bytes(model.size)),
            QCoreApplication.translate("ModelsPage", "Delete"),
        ):
            return
        # The server may have started since the last refresh: ask the board again (ModelInUse is shown).
        await run_in_thread(lambda: core.delete(board, model.path, served=core_server.served_paths(board)))
        self.bridge(Event(LOG, message=QCoreApplication.translate("ModelsPage", "Deleted %s.") % model.name))
        await self.refresh()

    def _on_upload_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("ModelsPage", "Upload a GGUF model"),
            str(Path.home()),
            QCoreApplication.translate("ModelsPage", "GGUF models (*.gguf)"),
        )
        if path:
            self._spawn(self.upload(Path(path)))

    async def upload(self, local: Path) -> None:
        board = self.board
        if board is None:
            return
        ok = await self._run_op(
            QCoreApplication.translate("ModelsPage", "Uploading %s") % local.name,
            lambda cancel: core.push(board, local, report=self.bridge, cancel=cancel),
        )
        if ok:
            await self.refresh()


def _eta_text(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return QCoreApplication.translate("ModelsPage", "%d s") % s
    if s < 3600:
        return QCoreApplication.translate("ModelsPage", "%d min %02d s") % (s // 60, s % 60)
    return QCoreApplication.translate("ModelsPage", "%d h %02d min") % (s // 3600, (s % 3600) // 60)
