"""Steps 6 and 7: pick a model from the catalogue, then download it (and quantize it when the catalogue says
so) onto the board.

The model table shows each catalogue model's size, what it needs of the board (RAM, free disk, from the
probe) and whether it is already there; a vision model is marked. The default is the model the board already
serves, else one already downloaded, else the smallest that fits. The download step skips what is present
and re-attaches to a download or quantization still running on the board (jobs keyed by their target file).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from rubikpi_studio.core import models as core_models
from rubikpi_studio.core import server as core_server
from rubikpi_studio.core.catalogue import CatalogueModel
from rubikpi_studio.core.errors import Cancelled, StudioError
from rubikpi_studio.core.events import STEP_SKIP, Event
from rubikpi_studio.core.gguf import GgufInfo, NotGguf
from rubikpi_studio.core.ssh import Board

from ..bridge import run_in_thread
from ..i18n import QT_TRANSLATE_NOOP, describe_error
from ..settings import HF_ENDPOINT, Setting
from .base import Detached, JobFollow, Step, size_text, spawn, wrap

if TYPE_CHECKING:
    from ..wizard import SetupWizard

log = logging.getLogger(__name__)

WIZARD_MODEL = Setting("wizard/model", str, "", "The catalogue model chosen in the wizard (to resume on).")


def served_file(model: CatalogueModel) -> str:
    """The file name the server loads: the quantized output when the catalogue asks for one."""
    name = posixpath.basename(model.model.file)
    return core_models.output_name(name, model.quantization) if model.needs_quantize else name


def projector_file(model: CatalogueModel) -> str:
    return posixpath.basename(model.projector.file) if model.projector else ""


@dataclass(frozen=True)
class BoardModels:
    directory: str  # the models folder on the board (absolute)
    names: frozenset[str]  # finished .gguf files in it
    served: str  # the model file the running server loads, '' when none runs
    # catalogue id → the quantized file found by its header under another name than the app gives it
    # (the manual's hand-made `*-q4_0-pure.gguf`, or any name)
    quantized: Mapping[str, str] = field(default_factory=dict)

    def served_name(self, model: CatalogueModel) -> str:
        """The file the server loads for `model` on this board: the quantized one found here, else the name
        the app gives it."""
        return self.quantized.get(model.id) or served_file(model)

    def has(self, model: CatalogueModel) -> bool:
        proj = projector_file(model)
        return self.served_name(model) in self.names and (not proj or proj in self.names)

    def is_served(self, model: CatalogueModel) -> bool:
        return bool(self.served) and posixpath.basename(self.served) == self.served_name(model)


def read_board_models(board: Board, catalogue: Sequence[CatalogueModel] = ()) -> BoardModels:
    """What is on the board: file names in the models folder and the served model. The headers are read
    only when a catalogue model to be quantized is not there under the app's name: a model quantized by hand
    (the manual names it `*-q4_0-pure.gguf`) is recognised by what its header says, not by its name."""
    directory = core_models.models_dir(board, create=False)
    try:
        names = frozenset(n for n in board.sftp().listdir(directory) if n.lower().endswith(".gguf"))
    except FileNotFoundError:
        names = frozenset()
    handle = core_server.find(board)
    served = core_server.expand_home(handle.model, board.home()) if handle is not None else ""
    wanted = [m for m in catalogue if m.needs_quantize and served_file(m) not in names]
    return BoardModels(directory, names, served, _find_quantized(board, directory, names, wanted))


def _find_quantized(
    board: Board, directory: str, names: frozenset[str], wanted: Sequence[CatalogueModel]
) -> dict[str, str]:
    if not wanted:
        return {}
    headers: dict[str, GgufInfo] = {}
    for name in sorted(names):  # each header once, for every model asked about
        try:
            headers[name] = core_models.inspect(board, f"{directory}/{name}")
        except (NotGguf, core_models.ModelNotFound) as exc:
            log.info("not a model: %s (%s)", name, exc.message)
    found = {}
    for m in wanted:
        source = posixpath.basename(m.model.file)
        match = core_models.match_quantized(source, m.quantization, headers, source_info=headers.get(source))
        if match is not None:
            found[m.id] = match
    return found


def default_choice(
    catalogue: list[CatalogueModel], on_board: BoardModels, fits: dict[str, bool]
) -> CatalogueModel | None:
    """Served > already downloaded > the smallest that fits (by RAM, then download size)."""
    for m in catalogue:
        if on_board.is_served(m):
            return m
    present = [m for m in catalogue if on_board.has(m)]
    if present:
        return min(present, key=lambda m: (m.ram_mb, m.download_size))
    fitting = [m for m in catalogue if fits.get(m.id, True)]
    return min(fitting or catalogue, key=lambda m: (m.ram_mb, m.download_size), default=None)


class ModelStep(Step):
    name = "model"
    title = QT_TRANSLATE_NOOP("Wizard", "Pick a model")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.intro = wrap(QLabel())
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("modelTable")
        self.table.setProperty("i18n_skip", True)  # model names and sizes; the headers are translated
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.description = wrap(QLabel())
        self.description.setObjectName("modelDescription")
        self.description.setProperty("i18n_skip", True)  # from the catalogue, in the user's language
        self.status = wrap(QLabel())
        self.status.setObjectName("modelStatus")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.status)
        self.catalogue: list[CatalogueModel] = []
        self.on_board = BoardModels("", frozenset(), "")
        self.fits: dict[str, core_models.Fit] = {}
        self.loaded = False
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            QCoreApplication.translate(
                "Wizard",
                "Choose the model to chat with. Sizes are what is downloaded; the board needs the disk and "
                "memory shown. The smallest model that fits is chosen for you.",
            )
        )
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("Wizard", "Model"),
                QCoreApplication.translate("Wizard", "Kind"),
                QCoreApplication.translate("Wizard", "Download"),
                QCoreApplication.translate("Wizard", "Disk needed"),
                QCoreApplication.translate("Wizard", "Memory"),
                QCoreApplication.translate("Wizard", "On this board"),
            ]
        )
        if self.loaded:
            self._fill()
            self._on_table_selection_changed()

    def enter(self) -> None:
        if not self.loaded:
            spawn(self._load())

    async def _load(self) -> None:
        board = self.data.board
        if board is None:
            return
        self.show_text(
            self.status, lambda: QCoreApplication.translate("Wizard", "Reading what is on the board…")
        )
        facts = await self.wizard.ensure_facts()
        try:
            self.catalogue = self.wizard.services.catalogue()
            self.on_board = await self.wizard.work(run_in_thread(read_board_models, board, self.catalogue))
        except StudioError as exc:
            error = exc
            self.show_text(self.status, lambda: describe_error(error)[0])
            return
        disk = facts.disk_free_kb * 1024 if facts.disk_free_kb else None
        self.fits = {
            m.id: core_models.catalogue_fit(m, mem_total_kb=facts.mem_total_kb, disk_free_bytes=disk)
            for m in self.catalogue
        }
        self.loaded = True
        self._fill()
        remembered = self.wizard.settings.get(WIZARD_MODEL)
        choice = next((m for m in self.catalogue if m.id == remembered and self.on_board.has(m)), None)
        choice = choice or default_choice(
            self.catalogue, self.on_board, {k: self._fits(k) for k in self.fits}
        )
        if choice is not None:
            self.table.selectRow(self.catalogue.index(choice))
        self.show_text(self.status, None)
        self.wizard.update_buttons()

    def _fits(self, model_id: str) -> bool:
        fit = self.fits.get(model_id)
        return fit is None or (fit.ram is not False and fit.disk is not False)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.catalogue))
        for row, m in enumerate(self.catalogue):
            fit = self.fits.get(m.id)
            present = self.on_board.has(m)
            if m.kind == "vision":
                kind = QCoreApplication.translate("Wizard", "Vision: reads images")
            else:
                kind = QCoreApplication.translate("Wizard", "Text")
            if present and self.on_board.is_served(m):
                where = QCoreApplication.translate("Wizard", "Being served")
            elif present:
                where = QCoreApplication.translate("Wizard", "Downloaded")
            elif fit is not None and fit.ram is False:
                where = QCoreApplication.translate("Wizard", "Does not fit: not enough memory")
            elif fit is not None and fit.disk is False:
                where = QCoreApplication.translate("Wizard", "Does not fit: not enough free disk")
            else:
                where = QCoreApplication.translate("Wizard", "Fits")
            cells = [
                f"{m.name} ({m.parameters})",
                kind,
                size_text(m.download_size),
                size_text(m.disk_needed),
                size_text(m.ram_mb * 1e6),
                where,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (2, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not present and not self._fits(m.id):
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(row, col, item)

    def selected(self) -> CatalogueModel | None:
        rows = self.table.selectionModel().selectedRows()
        return self.catalogue[rows[0].row()] if rows else None

    def _on_table_selection_changed(self) -> None:
        m = self.selected()
        if m is not None:
            text = m.describe(QLocale().name())
            if m.needs_quantize:
                text += " " + QCoreApplication.translate(
                    "Wizard", "After the download the board converts it to {q} for speed (a few minutes)."
                ).format(q=m.quantization)
            self.description.setText(text)
        self.wizard.update_buttons()

    def next_text(self) -> str:
        m = self.selected()
        if m is not None and not self.on_board.has(m):
            return QCoreApplication.translate("Wizard", "Download")
        return QCoreApplication.translate("Wizard", "Next")

    async def advance(self) -> bool:
        m = self.selected()
        if m is None:
            self.show_text(self.status, lambda: QCoreApplication.translate("Wizard", "Choose a model."))
            return False
        if not self.on_board.has(m) and not self._fits(m.id):
            fit = self.fits[m.id]
            self.show_text(
                self.status,
                lambda: QCoreApplication.translate(
                    "Wizard", "This model does not fit the board: {why}"
                ).format(why=fit.why),
            )
            return False
        self.choose(m)
        return True

    def choose(self, m: CatalogueModel) -> None:
        directory = self.on_board.directory
        self.data.model = m
        self.data.model_path = f"{directory}/{self.on_board.served_name(m)}"
        self.data.mmproj_path = f"{directory}/{projector_file(m)}" if m.projector else ""
        self.wizard.settings.set(WIZARD_MODEL, m.id)


class DownloadStep(Step):
    name = "download"
    title = QT_TRANSLATE_NOOP("Wizard", "Download and quantize")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.note = wrap(QLabel())
        self.note.setProperty("i18n_skip", True)  # names the model
        self.build_job_view(self.note, "download")
        self.done_for = ""  # the model id whose files are on the board
        self.running = False
        self.skipped = False

    def _set_titles(self, m: CatalogueModel) -> None:
        # English, as the scripts word them: StepList translates titles as it paints (ui/steps.py), so a
        # language switch before the steps start re-titles them too.
        steps = [("download", f"Download {m.name}")]
        if m.needs_quantize:
            steps.append(("quantize", f"Quantize to {m.quantization}"))
        self.steps.set_steps(steps)

    def enter(self) -> None:
        if not self.running:
            spawn(self._run())

    def next_text(self) -> str:
        if self.outcome.text() and not self.running and not self.done_for:
            return QCoreApplication.translate("Wizard", "Try again")
        return QCoreApplication.translate("Wizard", "Next")

    async def _run(self) -> None:
        m = await self.wizard.ensure_model()
        board = self.data.board
        if m is None or board is None:
            return
        if self.done_for == m.id:
            if self.wizard.going_forward:
                self.wizard.skip_current(self)
            return
        self.running = True
        self.show_outcome(None)
        self.steps.reset()
        self._set_titles(m)
        self.note.setText(m.name)
        endpoint = self.wizard.settings.get(HF_ENDPOINT)
        report = JobFollow(self.bridge, self.wizard.closed)
        try:
            on_board = await self.wizard.work(run_in_thread(read_board_models, board, [m]))
            if on_board.has(m):
                self.done_for = m.id
                self.skipped = True
                for key in ("download", "quantize") if m.needs_quantize else ("download",):
                    self.bridge(Event(STEP_SKIP, step=key))  # the plan's steps: nothing to do
                self.show_outcome(
                    lambda: QCoreApplication.translate("Wizard", "{name} is already on the board.").format(
                        name=m.name
                    )
                )
                if self.wizard.current is self and self.wizard.going_forward:
                    self.wizard.skip_current(self)
                return
            source = posixpath.basename(m.model.file)
            for request in core_models.catalogue_requests(m, endpoint):
                if request.filename in on_board.names:
                    continue
                if request.filename == source and on_board.served_name(m) in on_board.names:
                    continue  # quantized already; the f16 original is not needed again
                await self.wizard.work(
                    run_in_thread(core_models.pull, board, request, report=report, cancel=self.wizard.cancel),
                    job=True,
                )
            if m.needs_quantize and on_board.served_name(m) not in on_board.names:
                await self.wizard.work(
                    run_in_thread(
                        core_models.quantize,
                        board,
                        source,
                        qtype=m.quantization,
                        pure=m.pure,
                        output=served_file(m),
                        report=report,
                        cancel=self.wizard.cancel,
                    ),
                    job=True,
                )
        except Detached:
            return
        except Cancelled:
            self.bridge.flush()
            self.show_outcome(lambda: QCoreApplication.translate("Wizard", "The download was cancelled."))
            return
        except StudioError as exc:
            self.bridge.flush()
            error = exc
            self.show_outcome(
                lambda: QCoreApplication.translate("Wizard", "The download failed: {why}").format(
                    why=describe_error(error)[0]
                )
            )
            return
        finally:
            self.running = False
            self.wizard.update_buttons()
        self.bridge.flush()
        self.done_for = m.id
        self.show_outcome(
            lambda: QCoreApplication.translate("Wizard", "{name} is on the board.").format(name=m.name)
        )
        if self.wizard.current is self:
            self.wizard.go_next()

    async def advance(self) -> bool:
        m = self.data.model
        if m is not None and self.done_for == m.id:
            return True
        if not self.running:
            spawn(self._run())
        return False
