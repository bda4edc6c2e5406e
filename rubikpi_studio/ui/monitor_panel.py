"""The live board monitor: CPU per core, memory, swap, the Adreno GPU, temperatures and llama-server's memory.

One panel for the whole window (the main window docks it and toggles it from View ▸ Board monitor and the
status bar), so it keeps drawing while the user is on the Chat or Server page, when models run. It samples
once a second through the board's quick shell (`core.monitor`), only while the panel is shown, the window is
not hidden or minimised and a board is connected: no hidden polling.

The main window builds it the first time it is shown: it brings the plots and the monitor core with it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rubikpi_studio.core import monitor
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.ssh import Board

from .bridge import run_in_thread, widget_slot
from .pages.base import ConnectionState, StudioState
from .plots import Sparkline

log = logging.getLogger(__name__)


class MonitorPanel(QWidget):
    """Small live plots of the active board's state (`core.monitor.Sample`), one sample a second."""

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitorPanel")
        self.state = state
        self._monitor: monitor.Monitor | None = None
        self._monitor_board: object | None = None
        self._sampling = False  # a sample is in flight in a worker thread
        self.samples_taken = 0
        self.last_sample: monitor.Sample | None = None

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
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        for plot in self.plots:
            layout.addWidget(plot)
        layout.addWidget(self.temps_label)
        layout.addStretch(1)
        layout.addWidget(self.state_label)
        self.setMinimumWidth(260)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._on_timer_timeout)
        state.connection_changed.connect(self._on_state_connection_changed)
        self.retranslate()

    # ------------------------------------------------------------------ texts
    def retranslate(self) -> None:
        self.cpu_plot.title = QCoreApplication.translate("MonitorPanel", "CPU per core")
        self.mem_plot.title = QCoreApplication.translate("MonitorPanel", "Memory used")
        self.swap_plot.title = QCoreApplication.translate("MonitorPanel", "Swap used")
        self.gpu_plot.title = QCoreApplication.translate("MonitorPanel", "Adreno GPU busy")
        self.clock_plot.title = QCoreApplication.translate("MonitorPanel", "GPU clock")
        self.temp_plot.title = QCoreApplication.translate("MonitorPanel", "Hottest sensor")
        self.server_plot.title = QCoreApplication.translate("MonitorPanel", "llama-server memory")
        for plot in self.plots:
            plot.missing_text = QCoreApplication.translate("MonitorPanel", "not available")
            plot.update()
        if self.last_sample is not None:
            self.show_sample(self.last_sample, add=False)
        self._show_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ board
    @property
    def board(self) -> Board | None:
        b = self.state.board
        return b if isinstance(b, Board) else None

    def _on_state_connection_changed(self, state: ConnectionState) -> None:
        if state is not ConnectionState.CONNECTED:
            self._monitor = None
            self._monitor_board = None
            self.last_sample = None
            for plot in self.plots:
                plot.clear()
        self.update_sampling()

    # ------------------------------------------------------------------ sampling
    @property
    def is_sampling_paused(self) -> bool:
        """Sampling only while the panel is shown, its window is not minimised and a board is connected."""
        return not self.isVisible() or self.window().isMinimized() or self.board is None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.update_sampling()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.update_sampling()

    def update_sampling(self) -> None:
        """Start or stop the once-a-second sampling as the panel's and the window's state say (the main
        window calls this when it is minimised or restored: a docked widget gets no event of its own)."""
        if self.is_sampling_paused:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()
            QTimer.singleShot(0, self._on_timer_timeout)
        self._show_state()

    def _show_state(self) -> None:
        if self.board is None:
            text = QCoreApplication.translate("MonitorPanel", "Connect to a board to see its state.")
        elif self.timer.isActive():
            text = QCoreApplication.translate(
                "MonitorPanel", "Sampled once a second over the board's SSH connection."
            )
        else:
            text = QCoreApplication.translate(
                "MonitorPanel", "Paused while the panel is closed or the window is minimised."
            )
        self.state_label.setText(text)

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
        if self.board is not board:  # the board went while the sample was taken
            return
        self.samples_taken += 1
        self.last_sample = sample
        self.show_sample(sample)

    def show_sample(self, s: monitor.Sample, *, add: bool = True) -> None:
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
            QCoreApplication.translate("MonitorPanel", "no swap") if s.swap_total_kb == 0 else ""
        )
        self.server_plot.value_text = (
            QCoreApplication.translate("MonitorPanel", "not running")
            if s.server_rss_kb is None and s.mem_total_kb is not None
            else ""
        )
        cores = len(s.core_percent)
        self.cpu_plot.value_text = (
            ""
            if s.cpu_percent is None
            else QCoreApplication.translate("MonitorPanel", "{percent:.0f} % of {cores} cores").format(
                percent=s.cpu_percent, cores=cores
            )
        )
        # The GPU's own sensor (kgsl `temp`) first, then the hottest thermal zones.
        parts = []
        if s.gpu_temp_c is not None:
            parts.append(
                QCoreApplication.translate("MonitorPanel", "Adreno GPU {temp:.1f} °C").format(
                    temp=s.gpu_temp_c
                )
            )
        shown = sorted(s.temperatures.items(), key=lambda kv: -(kv[1] or -1000))[:6]
        parts += [f"{name} {'—' if v is None else f'{v:.1f} °C'}" for name, v in shown]
        if parts:
            self.temps_label.setText(", ".join(parts))
        else:
            self.temps_label.setText(
                QCoreApplication.translate("MonitorPanel", "The board reports no temperature sensors.")
            )
        for plot in self.plots:
            plot.update()
