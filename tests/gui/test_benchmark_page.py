"""The Benchmark page against the rig: a real llama-bench run (CPU) drawn as bars with spread, and the live
board monitor (the main window's dock): sampling on every page, paused while it is closed or the window is
minimised or hidden. Screenshots with RPS_SCREENSHOTS=1
(run under `xvfb-run -a -s "-screen 0 1280x900x24"` with RPS_TEST_DISPLAY=1)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rig
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot
from rig import fake_adreno
from rig.waiting import until

from rubikpi_studio.core import bench, monitor
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui import app as app_module
from rubikpi_studio.ui import paths
from rubikpi_studio.ui.mainwindow import MainWindow
from rubikpi_studio.ui.monitor_panel import MonitorPanel
from rubikpi_studio.ui.pages.base import ConnectionState
from rubikpi_studio.ui.pages.benchmark import BenchmarkPage
from rubikpi_studio.ui.plots import Sparkline

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from test_bench import _rig_built_llama_bench

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def board(rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as b:
        yield b


def llama_bench_on(board: Board) -> str:
    try:
        return bench.find_llama_bench(board)
    except bench.NoLlamaBench:
        pass
    src = _rig_built_llama_bench()
    if src is None:
        pytest.skip("no llama-bench on the rig board and none built under the rig cache")
    dest = f"{board.home()}/.cache/rubikpi-studio-test/bin/llama-bench"
    if not board.exists(dest) or board.sftp().stat(dest).st_size != src.stat().st_size:
        board.makedirs(dest.rsplit("/", 1)[0])
        board.put_file(src, dest)
        board.sftp().chmod(dest, 0o755)
    return dest


def test_benchmark_and_monitor(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    from rig import models

    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1180, 820)
    window.show()
    page = window.page("benchmark")
    assert isinstance(page, BenchmarkPage)
    page.llama_bench_path = llama_bench_on(board)
    state = page.context.state
    state.set_connection(ConnectionState.CONNECTED, board)
    window.show_page("benchmark")
    # the monitor is opened from the View menu (or the status bar); its panel is built only then
    assert window._monitor_panel is None and window.monitor_action in window.view_menu.actions()
    window.monitor_action.trigger()
    panel = window.monitor_panel()

    async def scenario() -> None:
        await until(lambda: panel.samples_taken >= 3, timeout=20, what="three samples")
        s = panel.last_sample
        assert s is not None and s.cpu_percent is not None and s.mem_total_kb
        # this machine has no Adreno and no thermal zones: shown as not available, never 0
        assert panel.gpu_plot.latest() is None and panel.clock_plot.latest() is None
        assert panel.temps_label.text() == "The board reports no temperature sensors."
        assert "cpu0" in panel.cpu_plot.series

        # a real llama-bench run (the rig build has no usable GPU: CPU only, said so)
        page.model_combo.setCurrentText(str(models.smollm2_path()))
        page.reps_spin.setValue(2)
        # short tests keep the rig quick; the page's defaults are pp128/tg64
        page.n_prompt, page.n_gen, page.threads = 16, 4, 2
        page.run_button.click()
        await until(lambda: not page.run_button.isEnabled(), timeout=5, what="run started")
        await until(lambda: page.run_button.isEnabled(), timeout=240, what="run finished")
        run = page.last_run
        assert run is not None, page.status_label.text()
        assert {r.test for r in run.results} == {"pp16", "tg4"}
        assert [g.label for g in page.chart.groups] == ["pp16", "tg4"]
        assert all(len(b.samples) == 2 and b.label == "CPU" for g in page.chart.groups for b in g.bars)
        assert page.results_table.rowCount() == 2
        assert page.history_table.rowCount() == 1
        assert "no GPU backend" in page.warning_label.text() and page.warning_label.isVisible()
        assert page.progress.value() == 1000
        if os.environ.get("RPS_SCREENSHOTS"):
            # a minute of the board at one sample a second, the llama-bench run above in it
            await until(lambda: panel.samples_taken >= 60, timeout=90, what="a minute of samples")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            panel.grab().save(str(SCREENSHOTS / "monitor-panel.png"))
        await assert_monitor_follows_the_window(window, panel)

    qrun(scenario())
    state.set_connection(ConnectionState.DISCONNECTED)
    qrun(until(lambda: not panel._sampling, timeout=10, what="the last sample"))


async def sampling_stays_paused(panel: MonitorPanel, what: str) -> None:
    await until(lambda: panel.is_sampling_paused, timeout=5, what=f"paused {what}")
    await until(lambda: not panel._sampling, timeout=10, what="the sample in flight")
    taken = panel.samples_taken
    await asyncio.sleep(2.3)
    assert panel.samples_taken == taken and not panel.timer.isActive(), f"no samples {what}"


async def assert_monitor_follows_the_window(window: MainWindow, panel: MonitorPanel) -> None:
    """The monitor samples on every page (models run while the user is on Chat or Server), and stops while
    the window is minimised or hidden and while the panel is closed."""
    for name in ("server", "chat", "board"):
        window.show_page(name)
        taken = panel.samples_taken
        await until(
            lambda taken=taken: panel.samples_taken >= taken + 2,
            timeout=10,
            what=f"sampling on the {name} page",
        )
        assert panel.isVisible() and window.monitor_action.isChecked()

    window.showMinimized()
    await sampling_stays_paused(panel, "while the window is minimised")
    window.showNormal()
    taken = panel.samples_taken
    await until(lambda: panel.samples_taken > taken, timeout=10, what="resumed after minimised")

    window.hide()
    await sampling_stays_paused(panel, "while the window is hidden")
    window.show()
    taken = panel.samples_taken
    await until(lambda: panel.samples_taken > taken, timeout=10, what="resumed after hidden")

    window.monitor_dock.close()  # the dock's own close button
    assert not window.monitor_action.isChecked()
    await sampling_stays_paused(panel, "while the monitor is closed")
    assert "Paused" in panel.state_label.text()
    window.monitor_button.click()  # the status bar's toggle opens it again
    taken = panel.samples_taken
    await until(lambda: panel.samples_taken > taken, timeout=10, what="resumed when reopened")


def with_caption(image: QImage, text: str) -> QImage:
    """`image` with a caption strip under it (what a screenshot shows that the app itself does not say)."""
    strip = 30
    out = QImage(image.width(), image.height() + strip, QImage.Format.Format_RGB32)
    out.fill(QColor("#fff7d6"))
    painter = QPainter(out)
    painter.drawImage(0, 0, image)
    painter.setPen(QColor("#5a4a00"))
    rect = QRect(12, image.height(), image.width() - 24, strip)
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
    painter.end()
    return out


def test_gpu_versus_cpu_chart_from_the_fake_adreno_llama_bench(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    """The GPU path the rig cannot run for real, through the page: the fake Adreno llama-bench
    (tests/rig/fake_adreno.py, the manual's Qwen2-1.5B Q4_0 figures) gives GPU and CPU bars and a speed-up."""
    fake = fake_adreno.install(board)
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.resize(1180, 820)
    window.show()
    page = window.page("benchmark")
    assert isinstance(page, BenchmarkPage)
    page.llama_bench_path = fake.llama_bench
    state = page.context.state
    state.set_board_name("rubikpi")
    state.set_connection(ConnectionState.CONNECTED, board)
    window.show_page("benchmark")

    async def scenario() -> None:
        page.model_combo.setCurrentText(fake.model)
        page.run_button.click()
        await until(lambda: not page.run_button.isEnabled(), timeout=5, what="run started")
        await until(lambda: page.run_button.isEnabled(), timeout=120, what="run finished")
        run = page.last_run
        assert run is not None, page.status_label.text()
        assert run.gpu_backend is True
        assert [g.label for g in page.chart.groups] == ["pp128", "tg64"]
        assert [[b.label for b in g.bars] for g in page.chart.groups] == [["GPU", "CPU"], ["GPU", "CPU"]]
        tg_gpu, tg_cpu = page.chart.groups[1].bars
        assert (tg_gpu.mean, tg_cpu.mean) == pytest.approx(fake_adreno.TG, rel=1e-3)
        assert all(len(b.samples) == 3 and b.spread > 0 for g in page.chart.groups for b in g.bars)
        assert "Generation on the GPU: 1.34× the CPU." in page.status_label.text()
        assert page.results_table.rowCount() == 4 and not page.warning_label.isVisible()
        # the history row: the settings llama-bench ran with (its own threads and batch report, each mode's
        # GPU layers), the prompt-processing numbers beside the generation ones, the speed-up
        row = [page.history_table.item(0, j).text() for j in range(page.history_table.columnCount())]
        header = [page.history_table.horizontalHeaderItem(j).text() for j in range(len(row))]
        assert header[3:] == ["Settings", "pp GPU / CPU", "tg GPU / CPU", "GPU speed-up"]
        assert row[3] == "3 repetitions, pp128 / tg64, 8 threads, batch 2048, GPU -ngl 99, CPU -ngl 0"
        assert row[4] == f"{fake_adreno.PP[0]:.1f} / {fake_adreno.PP[1]:.1f}"
        assert row[5] == f"{fake_adreno.TG[0]:.1f} / {fake_adreno.TG[1]:.1f}"
        assert row[6] == "1.34×"
        assert [c for c in fake.calls(board) if "-ngl 99 -fa off" in c], "the GPU settings reached the fake"
        if os.environ.get("RPS_SCREENSHOTS"):
            window.monitor_action.trigger()
            panel = window.monitor_panel()
            await until(lambda: panel.samples_taken >= 10, timeout=30, what="some monitor samples")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            caption = (
                "GPU numbers from a FAKE Adreno device: a stand-in llama-bench replaying the manual's "
                "Qwen2-1.5B Q4_0 figures (the test rig has no GPU). The monitor shows the rig board."
            )
            with_caption(window.grab().toImage(), caption).save(str(SCREENSHOTS / "benchmark-page.png"))

        # disconnect on the loop: the pages' reactions (a sample in flight, their own remote calls) end here
        state.set_connection(ConnectionState.DISCONNECTED)
        if window._monitor_panel is not None:
            await until(lambda: not window.monitor_panel()._sampling, timeout=10, what="the last sample")
        await asyncio.sleep(1.0)

    qrun(scenario())


def test_refuses_while_llama_server_runs(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    window = studio.window
    window.show()
    page = window.page("benchmark")
    assert isinstance(page, BenchmarkPage)
    d = f"{board.home()}/.cache/rubikpi-studio-test"
    board.quick(f'mkdir -p {d} && cp -f "$(command -v sleep)" {d}/llama-server 2>/dev/null; true')
    pid = int(
        board.quick(f"cd {d} && (setsid ./llama-server 60 >/dev/null 2>&1 & echo $!)").stdout.split()[-1]
    )
    board.quick(
        f'for i in $(seq 50); do [ "$(cat /proc/{pid}/comm)" = llama-server ] && break; sleep 0.02; done'
    )
    try:
        page.context.state.set_connection(ConnectionState.CONNECTED, board)
        window.show_page("benchmark")
        page.model_combo.setCurrentText("whatever.gguf")
        qrun(asyncio.sleep(1.0))  # let the pages' reactions to the connection finish

        async def scenario() -> None:
            page.run_button.click()
            await until(lambda: page.warning_label.isVisible(), timeout=20, what="warning")

        qrun(scenario())
        assert "llama-server is running" in page.warning_label.text()
        assert page.last_run is None and page.run_button.isEnabled()
    finally:
        board.quick(f"kill {pid} 2>/dev/null; true")
        page.context.state.set_connection(ConnectionState.DISCONNECTED)
        # other pages react to the connection change with their own remote calls: let them end
        qrun(asyncio.sleep(1.0))


def test_model_box_lists_the_boards_models_on_connect(
    qtbot: QtBot,
    qrun: Callable[[Any], Any],
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
    studio_home: Path,
) -> None:
    """A first run needs no path typed by hand: the box offers the board's models (as the Server page
    lists them: text models, not projectors or unfinished downloads) and the models of earlier runs."""
    from rig import models as rig_models

    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as board:
        folder = f"{board.home()}/dev/llm/models"
        board.makedirs(folder)
        board.put_file(rig_models.tiny_f16_path(), f"{folder}/tiny-f16.gguf")
        board.put_file(rig_models.tiny_mmproj_path(), f"{folder}/mmproj-tiny-f16.gguf")
        board.write_text(f"{folder}/half.gguf.part", "GGUF")
        earlier = f"{board.home()}/elsewhere/benched-before.gguf"
        bench.History().add(bench.BenchRun(board=bench.board_id(board), model=earlier, started=1.0))

        studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
        qtbot.addWidget(studio.window)
        window = studio.window
        window.show()
        page = window.page("benchmark")
        assert isinstance(page, BenchmarkPage)
        assert page.model_combo.count() == 0  # no board yet
        try:
            page.context.state.set_connection(ConnectionState.CONNECTED, board)

            def items() -> list[str]:
                return [page.model_combo.itemText(i) for i in range(page.model_combo.count())]

            qrun(until(lambda: len(items()) == 2, timeout=30, what="the board's models listed"))
            assert items() == [f"{folder}/tiny-f16.gguf", earlier]
            assert page.model_combo.currentText() == earlier, "the model of the last run stays chosen"
        finally:
            page.context.state.set_connection(ConnectionState.DISCONNECTED)
            qrun(asyncio.sleep(1.0))  # other pages' reactions to the connection change
        assert page.model_combo.count() == 0, "the board's models go with the board"


def _kept_run(board: Board, model: str, started: float, **settings: Any) -> bench.BenchRun:
    """A run as History keeps it (CPU only, one pp and one tg result), for the history table."""
    spec = bench.BenchSpec(model=model, modes=("cpu",), **settings)
    results = [
        bench.BenchResult("cpu", n, g, ts, 0.1, (ts,), "CPU", 0, 4, 512, build_commit="8a98145c",
                          build_number=11434)
        for n, g, ts in ((spec.n_prompt, 0, 30.0 + started % 7), (0, spec.n_gen, 6.0 + started % 3))
    ]  # fmt: skip
    return bench.BenchRun(
        board=bench.board_id(board), model=model, started=started, results=results, settings=spec.settings,
        gpu_backend=False, job=f"job-{started:.0f}",
    )  # fmt: skip


def test_history_shows_settings_and_pp_and_filters_by_model(
    qtbot: QtBot, qrun: Callable[[Any], Any], board: Board, studio_home: Path
) -> None:
    history = bench.History()
    qwen, smol = "/home/u/dev/llm/models/qwen2-1_5b-q4_0-pure.gguf", "/home/u/models/smollm2.gguf"
    history.add(_kept_run(board, qwen, 1_700_000_000, repetitions=3, threads=4))
    history.add(_kept_run(board, smol, 1_700_000_100, repetitions=2, n_prompt=16, n_gen=4, batch=64))
    history.add(_kept_run(board, qwen, 1_700_000_200, repetitions=5, extra=("-fa", "off")))
    # another board's run: never listed here
    history.add(bench.BenchRun(board="someone@else", model="/elsewhere.gguf", started=1_700_000_300))
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    page = studio.window.page("benchmark")
    assert isinstance(page, BenchmarkPage)
    try:
        page.context.state.set_connection(ConnectionState.CONNECTED, board)
        table, combo = page.history_table, page.history_model_combo

        def column(j: int) -> list[str]:
            return [table.item(i, j).text() for i in range(table.rowCount())]

        assert [combo.itemText(i) for i in range(combo.count())] == [
            "All models", "qwen2-1_5b-q4_0-pure.gguf", "smollm2.gguf",
        ]  # fmt: skip
        assert column(2) == ["qwen2-1_5b-q4_0-pure.gguf", "smollm2.gguf", "qwen2-1_5b-q4_0-pure.gguf"]
        # newest first; threads and batch are llama-bench's own report (4 and 512 in these results)
        assert column(3) == [
            "5 repetitions, pp128 / tg64, 4 threads, batch 512, CPU -ngl 0, CPU only, -fa off",
            "2 repetitions, pp16 / tg4, 4 threads, batch 512, CPU -ngl 0, CPU only",
            "3 repetitions, pp128 / tg64, 4 threads, batch 512, CPU -ngl 0, CPU only",
        ]
        assert column(4)[1] == f"— / {30.0 + 1_700_000_100 % 7:.1f}"  # pp: no GPU run, the CPU's number
        assert column(1) == ["b11434-8a98145c"] * 3

        combo.setCurrentIndex(combo.findData(qwen))
        assert column(2) == ["qwen2-1_5b-q4_0-pure.gguf"] * 2
        assert column(3)[0].startswith("5 repetitions") and column(3)[1].startswith("3 repetitions")
        # a new run refills the history: the chosen model stays chosen
        history.add(_kept_run(board, smol, 1_700_000_400))
        page._fill_history()
        assert combo.currentData() == qwen and table.rowCount() == 2
        page.show_history_of("")
        assert table.rowCount() == 4 and combo.currentText() == "All models"
    finally:
        page.context.state.set_connection(ConnectionState.DISCONNECTED)
        qrun(asyncio.sleep(1.0))  # the pages' reactions to the connection change
    assert table.rowCount() == 0, "no board, no history"


def test_temperatures_label_shows_the_gpu_sensor(qtbot: QtBot, studio_home: Path) -> None:
    """The kgsl `temp` reading (recorded-elsewhere QCS6490 sampler output, tests/data/kgsl/README.md) is
    shown first, before the hottest thermal zones; without it only the zones show."""
    data = Path(__file__).resolve().parents[1] / "data" / "kgsl"
    reading = monitor.parse_reading((data / "qcs6490-kgsl-thermal-sampler-output.txt").read_text())
    studio = app_module.Studio(paths.app_dirs(), lang="en", strict_pages=True)
    qtbot.addWidget(studio.window)
    panel = studio.window.monitor_panel()
    panel.show_sample(monitor.derive(reading, None, at=1.0))
    text = panel.temps_label.text()
    assert text.startswith("Adreno GPU 52.3 °C, ") and "gpuss0-thermal 52.3 °C" in text
    reading.gpu_temp_c = None
    panel.show_sample(monitor.derive(reading, None, at=2.0))
    assert "Adreno GPU" not in panel.temps_label.text() and "gpuss0-thermal" in panel.temps_label.text()


def test_sparkline_keeps_missing_values_missing(qtbot: QtBot) -> None:
    plot = Sparkline(title="GPU", unit=" %")
    qtbot.addWidget(plot)
    plot.add(None)
    plot.add(None)
    assert plot.latest() is None
    plot.add(12.0)
    plot.add({"": None})
    assert plot.latest() is None and list(plot.series[""]) == [None, None, 12.0, None]
    plot.add({"cpu0": 10.0, "cpu1": 30.0})
    assert plot.latest() == 20.0 and list(plot.series["cpu1"])[:-1] == [None] * 4
    plot.resize(200, 60)
    plot.grab()  # paints without error
