"""The Benchmark page: GPU versus CPU speed of a model on the board (llama-bench).

The benchmark is `core.bench.run` in a worker thread (a detached job on the board); the chart shows
tokens/s with the spread of the repetitions, the table the numbers, the history earlier runs of this board.
The live board monitor is the main window's (View ▸ Board monitor, `ui.monitor_panel`), shown on any page.
"""

from __future__ import annotations

import datetime
import logging
import posixpath

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rubikpi_studio.core import bench, jobs, models
from rubikpi_studio.core.errors import Cancelled, StudioError
from rubikpi_studio.core.events import PROGRESS, WARN, CancelToken, Event
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge, run_in_thread, show_error, widget_slot
from ..i18n import QT_TRANSLATE_NOOP
from ..plots import Bar, BarChart, BarGroup
from .base import ConnectionState, Page, PageContext, register_page

log = logging.getLogger(__name__)


MODE_LABELS = {
    "gpu": QT_TRANSLATE_NOOP("BenchmarkPage", "GPU"),
    "cpu": QT_TRANSLATE_NOOP("BenchmarkPage", "CPU"),
}


def mode_label(mode: str) -> str:
    """ "GPU"/"CPU", translated (the strings are marked above with QT_TRANSLATE_NOOP)."""
    return QCoreApplication.translate("BenchmarkPage", MODE_LABELS[mode]) if mode in MODE_LABELS else mode


HISTORY_COLUMNS = ("when", "build", "model", "settings", "pp", "tg", "speedup")


def _speeds(run: bench.BenchRun, kind: str) -> str:
    """ "GPU / CPU" tokens/s of a run's pp or tg test, "—" where a mode did not run."""
    return " / ".join(
        "—" if r is None else f"{r.avg_ts:.1f}" for r in (run.result("gpu", kind), run.result("cpu", kind))
    )


def settings_text(run: bench.BenchRun) -> str:
    """What makes two runs comparable besides the build: repetitions, test lengths, the threads and batch
    llama-bench used (its own report, else what was asked), each mode's GPU layers, extra flags."""
    s = run.settings
    first = run.results[0] if run.results else None
    threads = first.n_threads if first is not None and first.n_threads else s.get("threads")
    batch = first.n_batch if first is not None and first.n_batch else s.get("batch")
    parts = [
        QCoreApplication.translate("BenchmarkPage", "{n} repetitions").format(n=s.get("repetitions", "?")),
        f"pp{s.get('n_prompt', '?')} / tg{s.get('n_gen', '?')}",
    ]
    if threads:
        parts.append(QCoreApplication.translate("BenchmarkPage", "{n} threads").format(n=threads))
    if batch:
        parts.append(QCoreApplication.translate("BenchmarkPage", "batch {n}").format(n=batch))
    layers: dict[str, int | None] = {}
    for r in run.results:
        layers.setdefault(r.mode, r.n_gpu_layers)
    parts += [
        f"{mode_label(mode)} -ngl {'?' if n is None else n}" for mode, n in sorted(layers.items())[::-1]
    ]
    if layers and "gpu" not in layers:
        parts.append(QCoreApplication.translate("BenchmarkPage", "CPU only"))
    extra = s.get("extra") or []
    if extra:
        parts.append(" ".join(str(a) for a in extra))
    return ", ".join(parts)


def _text_models(board: Board) -> list[str]:
    """Paths of the finished, non-projector GGUF files in the board's models folder."""
    folder = models.models_dir(board, create=False)
    found = models.list_models(board, directory=folder)
    return [m.path for m in found if m.info is not None and not m.partial and not m.is_projector]


@register_page
class BenchmarkPage(Page):
    name = "benchmark"
    title = QT_TRANSLATE_NOOP("Page", "Benchmark")
    order = 60
    icon = "benchmark"
    needs_board = True

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.history = bench.History()
        self.last_run: bench.BenchRun | None = None
        self.llama_bench_path = ""  # empty: the board's own, found next to its llama-server
        # test lengths and threads (llama-bench's -p/-n/-t); the page offers the repetitions
        self.n_prompt, self.n_gen = 128, 64
        self.threads: int | None = None
        self._token: CancelToken | None = None
        self.board_models: list[str] = []  # the board's models (not projectors), listed on connect

        # --- benchmark controls
        self.bench_box = QGroupBox()
        self.model_label = QLabel()
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.setMinimumWidth(260)
        self.reps_label = QLabel()
        self.reps_spin = QSpinBox()
        self.reps_spin.setRange(1, 20)
        self.reps_spin.setValue(3)
        self.cpu_only_check = QCheckBox()
        self.allow_server_check = QCheckBox()
        self.run_button = QPushButton()
        self.cancel_button = QPushButton()
        self.cancel_button.setEnabled(False)
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self._intro_text = ""  # the introduction as last shown in the status label
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setVisible(False)
        self.chart = BarChart()
        self.results_table = QTableWidget(0, 5)
        self.results_table.verticalHeader().setVisible(False)
        self.results_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.results_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.results_table.setMaximumHeight(130)
        self.history_table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history_table.verticalHeader().setVisible(False)
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HISTORY_COLUMNS.index("settings"), QHeaderView.ResizeMode.Stretch)
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.setMaximumHeight(200)
        self.history_label = QLabel()
        # which model's runs the history shows ("" = every model's)
        self.history_model_combo = QComboBox()
        self.history_model_combo.setObjectName("historyModel")
        self.history_model_combo.currentIndexChanged.connect(
            self._on_history_model_combo_current_index_changed
        )

        controls = QGridLayout()
        controls.addWidget(self.model_label, 0, 0)
        controls.addWidget(self.model_combo, 0, 1, 1, 3)
        controls.addWidget(self.reps_label, 1, 0)
        controls.addWidget(self.reps_spin, 1, 1)
        controls.addWidget(self.cpu_only_check, 1, 2)
        controls.addWidget(self.allow_server_check, 1, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        bench_layout = QVBoxLayout(self.bench_box)
        bench_layout.addLayout(controls)
        bench_layout.addLayout(buttons)
        bench_layout.addWidget(self.status_label)
        bench_layout.addWidget(self.warning_label)
        bench_layout.addWidget(self.chart, 1)
        bench_layout.addWidget(self.results_table)
        history_bar = QHBoxLayout()
        history_bar.addWidget(self.history_label, 1)
        history_bar.addWidget(self.history_model_combo)
        bench_layout.addLayout(history_bar)
        bench_layout.addWidget(self.history_table)

        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self._on_bridge_events_ready)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addWidget(self.bench_box, 1)
        context.state.connection_changed.connect(self._on_state_connection_changed)
        self._fill_models()
        self._update_buttons()
        self.retranslate()

    # ------------------------------------------------------------------ texts
    def retranslate(self) -> None:
        self.bench_box.setTitle(QCoreApplication.translate("BenchmarkPage", "GPU versus CPU (llama-bench)"))
        self.model_label.setText(QCoreApplication.translate("BenchmarkPage", "Model on the board:"))
        edit = self.model_combo.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(
                QCoreApplication.translate("BenchmarkPage", "path of a .gguf file on the board")
            )
        self.reps_label.setText(QCoreApplication.translate("BenchmarkPage", "Repetitions:"))
        self.cpu_only_check.setText(QCoreApplication.translate("BenchmarkPage", "CPU only"))
        self.allow_server_check.setText(
            QCoreApplication.translate("BenchmarkPage", "Run even while llama-server runs")
        )
        self.allow_server_check.setToolTip(
            QCoreApplication.translate(
                "BenchmarkPage",
                "The server and the benchmark would slow each other down; the numbers are marked.",
            )
        )
        self.run_button.setText(QCoreApplication.translate("BenchmarkPage", "Run benchmark"))
        self.cancel_button.setText(QCoreApplication.translate("BenchmarkPage", "Cancel"))
        self.chart.unit = QCoreApplication.translate(
            "BenchmarkPage", "tokens/s (mean ± standard deviation, dots: repetitions)"
        )
        self.chart.empty_text = QCoreApplication.translate(
            "BenchmarkPage", "No results yet: choose a model and run the benchmark."
        )
        self.results_table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("BenchmarkPage", "Mode"),
                QCoreApplication.translate("BenchmarkPage", "Test"),
                QCoreApplication.translate("BenchmarkPage", "Backend"),
                QCoreApplication.translate("BenchmarkPage", "GPU layers"),
                QCoreApplication.translate("BenchmarkPage", "Tokens/s"),
            ]
        )
        self.history_label.setText(QCoreApplication.translate("BenchmarkPage", "Earlier runs on this board"))
        self.history_table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("BenchmarkPage", "When"),
                QCoreApplication.translate("BenchmarkPage", "llama.cpp"),
                QCoreApplication.translate("BenchmarkPage", "Model"),
                QCoreApplication.translate("BenchmarkPage", "Settings"),
                QCoreApplication.translate("BenchmarkPage", "pp GPU / CPU"),
                QCoreApplication.translate("BenchmarkPage", "tg GPU / CPU"),
                QCoreApplication.translate("BenchmarkPage", "GPU speed-up"),
            ]
        )
        self.history_model_combo.setToolTip(
            QCoreApplication.translate("BenchmarkPage", "Show the earlier runs of one model only")
        )
        if self.last_run is not None:
            self._show_run(self.last_run)
        self._fill_history()
        # The introduction shows until a run replaces it; re-set it in the new language while it shows.
        intro = self.status_label.text()
        if not intro or intro == self._intro_text:
            self._intro_text = QCoreApplication.translate(
                "BenchmarkPage",
                "Measures prompt processing (pp) and generation (tg) on the GPU and the CPU.",
            )
            self.status_label.setText(self._intro_text)

    # ------------------------------------------------------------------ board
    @property
    def board(self) -> Board | None:
        b = self.context.state.board
        return b if isinstance(b, Board) else None

    def _on_state_connection_changed(self, state: ConnectionState) -> None:
        self.board_models = []
        if state is ConnectionState.CONNECTED and self.board is not None:
            self._list_board_models()
        self._fill_models()
        self._fill_history()
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self._token is not None
        self.run_button.setEnabled(self.board is not None and not running)
        self.cancel_button.setEnabled(running)
        for w in (self.model_combo, self.reps_spin, self.cpu_only_check, self.allow_server_check):
            w.setEnabled(not running)

    @widget_slot()
    async def _list_board_models(self) -> None:
        """The models in the board's models folder (as the Server page lists them), so a first run needs no
        path typed by hand. A board without the folder lists none; the folder is not created for it."""
        board = self.board
        if board is None:
            return
        try:
            found = await run_in_thread(_text_models, board)
        except StudioError as exc:
            log.warning("could not list the board's models: %s", exc.message)
            return
        if self.board is board:
            self.board_models = found
            self._fill_models()

    def _fill_models(self) -> None:
        """The board's models, then the models of earlier runs on this board (paths on the board)."""
        current = self.model_combo.currentText()
        board = self.board
        used = self.history.models(bench.board_id(board)) if board is not None else []
        names = list(dict.fromkeys([*self.board_models, *used]))
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItems(names)
        default = used[-1] if used else (names[0] if names else "")
        self.model_combo.setCurrentText(current or default)
        self.model_combo.blockSignals(False)

    # ------------------------------------------------------------------ benchmark
    @widget_slot()
    async def _on_run_button_clicked(self) -> None:
        board = self.board
        if board is None or self._token is not None:
            return
        spec = bench.BenchSpec(
            model=self.model_combo.currentText().strip(),
            modes=("cpu",) if self.cpu_only_check.isChecked() else bench.MODES,
            repetitions=self.reps_spin.value(),
            n_prompt=self.n_prompt,
            n_gen=self.n_gen,
            threads=self.threads,
        )
        self._token = CancelToken()
        self._update_buttons()
        self.warning_label.setVisible(False)
        self.progress.setValue(0)
        self.status_label.setText(
            QCoreApplication.translate("BenchmarkPage", "Running llama-bench on the board…")
        )
        try:
            run = await run_in_thread(
                bench.run,
                board,
                spec,
                report=self.bridge,
                cancel=self._token,
                llama_bench=self.llama_bench_path,
                allow_server=self.allow_server_check.isChecked(),
                history=self.history,
                # A dropped connection: reconnect and follow the same llama-bench job on, not an error.
                reconnect=jobs.reconnector(board),
            )
        except bench.ServerRunning:
            self.status_label.setText(QCoreApplication.translate("BenchmarkPage", "Not started."))
            self._warn(
                QCoreApplication.translate(
                    "BenchmarkPage",
                    "llama-server is running on this board. Stop it first for clean numbers, or tick "
                    "“Run even while llama-server runs”.",
                )
            )
        except Cancelled:
            self.status_label.setText(
                QCoreApplication.translate(
                    "BenchmarkPage", "Cancelled; nothing is left running on the board."
                )
            )
        except StudioError as exc:
            self.status_label.setText(QCoreApplication.translate("BenchmarkPage", "The benchmark failed."))
            show_error(self, exc)
        else:
            self.last_run = run
            self.progress.setValue(1000)
            self._show_run(run)
            self._fill_models()
            self._fill_history()
        finally:
            self.bridge.flush()
            self._token = None
            self._update_buttons()

    def _on_cancel_button_clicked(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def _warn(self, text: str) -> None:
        self.warning_label.setText("⚠ " + text)
        self.warning_label.setVisible(True)

    def _on_bridge_events_ready(self, events: list[Event]) -> None:
        for ev in events:
            if ev.kind == PROGRESS and ev.fraction is not None:
                self.progress.setValue(int(ev.fraction * 1000))
                if ev.message:
                    self.status_label.setText(ev.message)
            elif ev.kind == WARN and "GPU backend" in ev.message:
                self._warn(
                    QCoreApplication.translate(
                        "BenchmarkPage", "This llama.cpp build has no GPU backend: only the CPU was measured."
                    )
                )

    def _show_run(self, run: bench.BenchRun) -> None:
        groups: dict[str, BarGroup] = {}
        rows = sorted(run.results, key=lambda r: (r.kind, r.mode != "gpu"))
        for r in rows:
            label = mode_label(r.mode)
            groups.setdefault(r.test, BarGroup(r.test)).bars.append(
                Bar(label, r.avg_ts, r.stddev_ts, r.samples_ts)
            )
        self.chart.set_groups(list(groups.values()))
        self.results_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [
                mode_label(r.mode),
                r.test,
                r.backends,
                "" if r.n_gpu_layers is None else str(r.n_gpu_layers),
                f"{r.avg_ts:.2f} ± {r.stddev_ts:.2f}",
            ]
            for j, text in enumerate(cells):
                self.results_table.setItem(i, j, QTableWidgetItem(text))
        parts = [
            QCoreApplication.translate("BenchmarkPage", "{model}, llama.cpp {build}.").format(
                model=run.model_name, build=run.build
            )
        ]
        tg = run.speedup("tg")
        if tg is not None:
            parts.append(
                QCoreApplication.translate(
                    "BenchmarkPage", "Generation on the GPU: {ratio:.2f}× the CPU."
                ).format(ratio=tg)
            )
        if run.gpu_backend is False:
            parts.append(
                QCoreApplication.translate("BenchmarkPage", "CPU only: this build has no GPU backend.")
            )
        if run.server_was_running:
            parts.append(
                QCoreApplication.translate("BenchmarkPage", "llama-server was running during the run.")
            )
        self.status_label.setText(" ".join(parts))

    def _fill_history_models(self, runs: list[bench.BenchRun]) -> None:
        """The filter's choices: every model, then each model of the board's runs (kept when still there)."""
        chosen = self.history_model_combo.currentData()
        self.history_model_combo.blockSignals(True)
        self.history_model_combo.clear()
        self.history_model_combo.addItem(QCoreApplication.translate("BenchmarkPage", "All models"), "")
        for path in sorted({r.model for r in runs}, key=posixpath.basename):
            self.history_model_combo.addItem(posixpath.basename(path), path)
            self.history_model_combo.setItemData(
                self.history_model_combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole
            )
        index = self.history_model_combo.findData(chosen) if chosen else 0
        self.history_model_combo.setCurrentIndex(max(index, 0))
        self.history_model_combo.blockSignals(False)

    def _on_history_model_combo_current_index_changed(self, _index: int) -> None:
        self._fill_history()

    def show_history_of(self, model: str) -> None:
        """Show only `model`'s earlier runs (its path on the board; "" for every model's)."""
        self.history_model_combo.setCurrentIndex(max(self.history_model_combo.findData(model), 0))

    def _fill_history(self) -> None:
        board = self.board
        runs = self.history.runs(board=bench.board_id(board)) if board is not None else []
        self._fill_history_models(runs)
        model = self.history_model_combo.currentData()
        if model:
            runs = [r for r in runs if r.model == model]
        runs = runs[-50:][::-1]
        self.history_table.setRowCount(len(runs))
        for i, run in enumerate(runs):
            ratio = run.speedup("tg")
            settings = settings_text(run)
            cells = [
                datetime.datetime.fromtimestamp(run.started).strftime("%Y-%m-%d %H:%M"),
                run.build,
                run.model_name,
                settings,
                _speeds(run, "pp"),
                _speeds(run, "tg"),
                "—" if ratio is None else f"{ratio:.2f}×",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if HISTORY_COLUMNS[j] in ("settings", "model"):
                    item.setToolTip(settings if HISTORY_COLUMNS[j] == "settings" else run.model)
                self.history_table.setItem(i, j, item)
