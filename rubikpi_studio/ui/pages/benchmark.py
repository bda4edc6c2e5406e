"""The Benchmark page: GPU versus CPU speed of a model on the board (llama-bench), and a live board monitor.

The benchmark is `core.bench.run` in a worker thread (a detached job on the board); the chart shows
tokens/s with the spread of the repetitions, the table the numbers, the history earlier runs of this board.
The monitor samples once a second through the board's quick shell (`core.monitor`), only while this page
is shown and the window is not minimised: no hidden polling.
"""

from __future__ import annotations

import datetime
import logging

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
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

from rubikpi_studio.core import bench, jobs, models, monitor
from rubikpi_studio.core.errors import Cancelled, StudioError
from rubikpi_studio.core.events import PROGRESS, WARN, CancelToken, Event
from rubikpi_studio.core.ssh import Board

from ..bridge import EventBridge, run_in_thread, show_error, widget_slot
from ..i18n import QT_TRANSLATE_NOOP
from ..plots import Bar, BarChart, BarGroup, Sparkline
from .base import ConnectionState, Page, PageContext, register_page

log = logging.getLogger(__name__)


MODE_LABELS = {
    "gpu": QT_TRANSLATE_NOOP("BenchmarkPage", "GPU"),
    "cpu": QT_TRANSLATE_NOOP("BenchmarkPage", "CPU"),
}


def mode_label(mode: str) -> str:
    """ "GPU"/"CPU", translated (the strings are marked above with QT_TRANSLATE_NOOP)."""
    return QCoreApplication.translate("BenchmarkPage", MODE_LABELS[mode]) if mode in MODE_LABELS else mode


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
        self._monitor: monitor.Monitor | None = None
        self._monitor_board: object | None = None
        self._sampling = False
        self.samples_taken = 0
        self.board_models: list[str] = []  # the board's models (not projectors), listed on connect
        self.last_sample: monitor.Sample | None = None

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
        self.history_table = QTableWidget(0, 5)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.setMaximumHeight(120)
        self.history_label = QLabel()

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
        bench_layout.addWidget(self.history_label)
        bench_layout.addWidget(self.history_table)

        # --- monitor
        self.monitor_box = QGroupBox()
        self.cpu_plot = Sparkline(y_max=100, unit=" %")
        self.cpu_plot.setMinimumHeight(80)
        self.mem_plot = Sparkline(unit=" GiB", decimals=1)
        self.swap_plot = Sparkline(unit=" GiB", decimals=1)
        self.gpu_plot = Sparkline(y_max=100, unit=" %")
        self.clock_plot = Sparkline(unit=" MHz")
        self.temp_plot = Sparkline(unit=" °C", decimals=1)
        self.server_plot = Sparkline(unit=" MiB")
        self.plots = [
            self.cpu_plot,
            self.mem_plot,
            self.swap_plot,
            self.gpu_plot,
            self.clock_plot,
            self.temp_plot,
            self.server_plot,
        ]
        self.temps_label = QLabel()
        self.temps_label.setWordWrap(True)
        self.monitor_state_label = QLabel()
        self.monitor_state_label.setWordWrap(True)
        mon_layout = QVBoxLayout(self.monitor_box)
        for plot in self.plots:
            mon_layout.addWidget(plot)
        mon_layout.addWidget(self.temps_label)
        mon_layout.addStretch(1)
        mon_layout.addWidget(self.monitor_state_label)
        self.monitor_box.setMinimumWidth(300)
        self.monitor_box.setMaximumWidth(380)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._on_timer_timeout)

        self.bridge = EventBridge(self)
        self.bridge.events_ready.connect(self._on_bridge_events_ready)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addWidget(self.bench_box, 1)
        layout.addWidget(self.monitor_box)
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
                QCoreApplication.translate("BenchmarkPage", "tg GPU / CPU"),
                QCoreApplication.translate("BenchmarkPage", "GPU speed-up"),
            ]
        )
        self.monitor_box.setTitle(QCoreApplication.translate("BenchmarkPage", "Board monitor"))
        self.cpu_plot.title = QCoreApplication.translate("BenchmarkPage", "CPU per core")
        self.mem_plot.title = QCoreApplication.translate("BenchmarkPage", "Memory used")
        self.swap_plot.title = QCoreApplication.translate("BenchmarkPage", "Swap used")
        self.gpu_plot.title = QCoreApplication.translate("BenchmarkPage", "Adreno GPU busy")
        self.clock_plot.title = QCoreApplication.translate("BenchmarkPage", "GPU clock")
        self.temp_plot.title = QCoreApplication.translate("BenchmarkPage", "Hottest sensor")
        self.server_plot.title = QCoreApplication.translate("BenchmarkPage", "llama-server memory")
        for plot in self.plots:
            plot.missing_text = QCoreApplication.translate("BenchmarkPage", "not available")
            plot.update()
        if self.last_sample is not None:
            self._show_sample(self.last_sample, add=False)
        if self.last_run is not None:
            self._show_run(self.last_run)
        self._fill_history()
        self._show_monitor_state()
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
        if state is not ConnectionState.CONNECTED:
            self._monitor = None
            self._monitor_board = None
            for plot in self.plots:
                plot.clear()
        elif self.board is not None:
            self._list_board_models()
        self._fill_models()
        self._fill_history()
        self._update_buttons()
        self._update_timer()

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

    def _fill_history(self) -> None:
        board = self.board
        runs = self.history.runs(board=bench.board_id(board)) if board is not None else []
        runs = runs[-20:][::-1]
        self.history_table.setRowCount(len(runs))
        for i, run in enumerate(runs):
            gpu, cpu = run.result("gpu", "tg"), run.result("cpu", "tg")
            speeds = " / ".join("—" if r is None else f"{r.avg_ts:.1f}" for r in (gpu, cpu))
            ratio = run.speedup("tg")
            cells = [
                datetime.datetime.fromtimestamp(run.started).strftime("%Y-%m-%d %H:%M"),
                run.build,
                run.model_name,
                speeds,
                "—" if ratio is None else f"{ratio:.2f}×",
            ]
            for j, text in enumerate(cells):
                self.history_table.setItem(i, j, QTableWidgetItem(text))

    # ------------------------------------------------------------------ monitor
    @property
    def is_sampling_paused(self) -> bool:
        """Sampling only while the page is shown and the window is not minimised."""
        return not self.isVisible() or self.window().isMinimized() or self.board is None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_timer()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_timer()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self._update_timer()

    def activate(self) -> None:
        self._update_timer()

    def deactivate(self) -> None:
        self._update_timer()

    def _update_timer(self) -> None:
        if self.is_sampling_paused:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()
            QTimer.singleShot(0, self._on_timer_timeout)
        self._show_monitor_state()

    def _show_monitor_state(self) -> None:
        if self.board is None:
            text = QCoreApplication.translate("BenchmarkPage", "Connect to a board to see its state.")
        elif self.timer.isActive():
            text = QCoreApplication.translate(
                "BenchmarkPage", "Sampled once a second over the board's SSH connection."
            )
        else:
            text = QCoreApplication.translate(
                "BenchmarkPage", "Paused while the page is hidden or the window is minimised."
            )
        self.monitor_state_label.setText(text)

    @widget_slot()
    async def _on_timer_timeout(self) -> None:
        board = self.board
        if self._sampling or board is None or self.is_sampling_paused:
            return
        if self._monitor is None or self._monitor_board is not board:
            self._monitor = monitor.Monitor(board)
            self._monitor_board = board
        mon = self._monitor
        self._sampling = True
        try:
            sample = await run_in_thread(mon.sample)
        except StudioError as exc:
            log.warning("monitor sample failed: %s", exc.message)
            return
        finally:
            self._sampling = False
        self.samples_taken += 1
        self.last_sample = sample
        self._show_sample(sample)

    def _show_sample(self, s: monitor.Sample, *, add: bool = True) -> None:
        gib = 1024 * 1024
        if add:
            self.cpu_plot.add({name: v for name, v in s.core_percent.items()})
            self.mem_plot.add(None if s.mem_used_kb is None else s.mem_used_kb / gib)
            self.swap_plot.add(None if s.swap_used_kb is None else s.swap_used_kb / gib)
            self.gpu_plot.add(s.gpu_busy_percent)
            self.clock_plot.add(s.gpu_clock_mhz)
            self.temp_plot.add(s.hottest_c)
            self.server_plot.add(None if s.server_rss_kb is None else s.server_rss_kb / 1024)
        if s.mem_total_kb:
            self.mem_plot.y_max = s.mem_total_kb / gib
        if s.swap_total_kb:
            self.swap_plot.y_max = s.swap_total_kb / gib
        self.swap_plot.value_text = (
            QCoreApplication.translate("BenchmarkPage", "no swap") if s.swap_total_kb == 0 else ""
        )
        self.server_plot.value_text = (
            QCoreApplication.translate("BenchmarkPage", "not running")
            if s.server_rss_kb is None and s.mem_total_kb is not None
            else ""
        )
        cores = len(s.core_percent)
        self.cpu_plot.value_text = (
            ""
            if s.cpu_percent is None
            else QCoreApplication.translate("BenchmarkPage", "{percent:.0f} % of {cores} cores").format(
                percent=s.cpu_percent, cores=cores
            )
        )
        # The GPU's own sensor (kgsl `temp`) first, then the hottest thermal zones.
        parts = []
        if s.gpu_temp_c is not None:
            parts.append(
                QCoreApplication.translate("BenchmarkPage", "Adreno GPU {temp:.1f} °C").format(
                    temp=s.gpu_temp_c
                )
            )
        shown = sorted(s.temperatures.items(), key=lambda kv: -(kv[1] or -1000))[:6]
        parts += [f"{name} {'—' if v is None else f'{v:.1f} °C'}" for name, v in shown]
        if parts:
            self.temps_label.setText(", ".join(parts))
        else:
            self.temps_label.setText(
                QCoreApplication.translate("BenchmarkPage", "The board reports no temperature sensors.")
            )
        for plot in self.plots:
            plot.update()
