"""Size and cold start of the PyInstaller bundle, against a bare PySide6 window measured in the same run.

    .venv/bin/python bench/bundle.py [--bundle dist/rubikpi-studio] [--rebuild] [--runs 5] [--before OLD]

Builds what is missing (an existing app bundle is reused as it is: `--rebuild` after changing the code): the
app's bundle (`packaging/build.py bundle`, into dist/) and a bundle of a bare PySide6 window as `pyinstaller
--onedir bare.py` makes it (same PyInstaller and PySide6, default hooks, into build/bench-bare/). Then it
times, alternating, the app's start (`--quit-when-shown`: its usual start-up, the main window shown and
painted once, exit: what the bare window does; the window opens on the page shown last, and pages are built on
first show, so "start" opens on the Board page as for a new user and "start on Chat" on the heaviest page; the
window is painted before asyncio and qasync load, and "ready" (`--quit-when-ready`) also waits for the event
loop to run, when the window answers input), the app's `--self-test` (also builds and visits every page, loads
the zh_CN catalogue, runs a worker thread), the bare bundle's show-and-exit and the same bare window as a
Python script, each as a whole process from spawn to exit, on Qt's offscreen platform so no X server's
start-up is counted. Each program has its own settings folder, so one's last page does not change another's
start. As root it drops the page cache before every cold run (`sync; echo 3 > /proc/sys/vm/drop_caches`);
otherwise the numbers are warm and labelled so.

Target: the app's start within 1.5x of the bare window's (the self-test's ratio is printed too).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_SCRIPT = """\
import json, sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
window.resize(1000, 700)
window.show()
app.processEvents()
print(json.dumps({"ok": window.isVisible()}), flush=True)
"""


def tree_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def targz_bytes(folder: Path) -> int:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    return buf.tell()


def build_app_bundle(dist: Path) -> Path:
    build = [sys.executable, str(ROOT / "packaging" / "build.py"), "bundle", "--dist", str(dist)]
    subprocess.run(build, check=True)
    return dist / "rubikpi-studio"


def build_bare_bundle(work: Path) -> Path:
    """A one-folder bundle of BARE_SCRIPT with the default PyInstaller PySide6 hooks and no pruning: what a
    developer gets from `pyinstaller --onedir bare.py`."""
    out = work / "dist" / "bare"
    stamp = work / "stamp.json"
    from importlib.metadata import version

    key = {
        "script": BARE_SCRIPT,
        "pyinstaller": version("pyinstaller"),
        "pyside6": version("pyside6-essentials"),
    }
    if out.is_dir() and stamp.exists() and json.loads(stamp.read_text()) == key:
        return out
    work.mkdir(parents=True, exist_ok=True)
    (work / "bare.py").write_text(BARE_SCRIPT)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--onedir",
         "--distpath", str(work / "dist"), "--workpath", str(work / "work"), "--specpath", str(work),
         str(work / "bare.py")],
        check=True,
    )  # fmt: skip
    stamp.write_text(json.dumps(key))
    return out


def can_drop_caches() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and Path("/proc/sys/vm/drop_caches").exists()


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def start_ms(cmd: list[str], env: dict[str, str], *, cold: bool) -> tuple[float, float]:
    """Wall time and CPU time (user + system, the process and its children) of one run, in ms."""
    if cold:
        drop_caches()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if proc.returncode != 0 or '"ok": true' not in proc.stdout:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "rubikpi-studio")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the app bundle even if it exists")
    parser.add_argument("--no-size", action="store_true", help="skip the (slow) tar.gz size")
    parser.add_argument(
        "--before", type=Path, help="an earlier app bundle to time in the same run (before/after a change)"
    )
    args = parser.parse_args()

    exists = (args.bundle / "rubikpi-studio").is_file()
    app = args.bundle if exists and not args.rebuild else build_app_bundle(args.bundle.parent)
    bare = build_bare_bundle(ROOT / "build" / "bench-bare")
    programs = {
        "app bundle (start)": [str(app / "rubikpi-studio"), "--quit-when-shown"],
        "app bundle (start on Chat)": [str(app / "rubikpi-studio"), "--quit-when-shown"],
        "app bundle (ready)": [str(app / "rubikpi-studio"), "--quit-when-ready"],
        "app bundle (--self-test)": [str(app / "rubikpi-studio"), "--self-test"],
        **(
            {
                "before: app bundle (start)": [str(args.before / "rubikpi-studio"), "--quit-when-shown"],
                "before: app bundle (--self-test)": [str(args.before / "rubikpi-studio"), "--self-test"],
            }
            if args.before
            else {}
        ),
        "bare window bundle": [str(bare / "bare")],
        "bare window script (python)": [sys.executable, "-c", BARE_SCRIPT],
    }
    envs: dict[str, dict[str, str]] = {}
    for name in programs:  # a settings folder each: the self-test's last page is not the start's
        home = Path(tempfile.mkdtemp(prefix="rps-bench-home-"))
        if "start on Chat" in name:
            (home / "settings.ini").write_text("[ui]\nlast_page=chat\n", encoding="utf-8")
        envs[name] = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RUBIKPI_STUDIO_HOME": str(home)}

    print("size")
    for name, folder in (("app bundle", app), ("bare window bundle", bare)):
        line = f"  {name:<22} {tree_bytes(folder) / 1e6:7.1f} MB folder"
        if not args.no_size:
            line += f", {targz_bytes(folder) / 1e6:6.1f} MB as tar.gz"
        print(line, flush=True)
    for deb in sorted((args.bundle.parent).glob("rubikpi-studio_*.deb")):
        print(f"  {deb.name:<22} {deb.stat().st_size / 1e6:7.1f} MB")

    cold = can_drop_caches()
    results: dict[str, dict[str, list[float]]] = {n: {"warm": [], "cold": [], "cpu": []} for n in programs}
    # Warm runs first, all of them: a cache drop between two warm runs would make the second one cold (each
    # bundle has its own copy of Qt), which once made the bare window's "warm" start look ~100 ms slower.
    for name, cmd in programs.items():  # once each: the warm numbers start from a warm cache
        start_ms(cmd, envs[name], cold=False)
    for _ in range(args.runs):
        for name, cmd in programs.items():  # alternated, so drift on a shared machine hits all alike
            wall, cpu = start_ms(cmd, envs[name], cold=False)
            results[name]["warm"].append(wall)
            results[name]["cpu"].append(cpu)
    if cold:
        for _ in range(args.runs):
            for name, cmd in programs.items():
                results[name]["cold"].append(start_ms(cmd, envs[name], cold=True)[0])

    # CPU time (warm runs) barely moves when other work shares the machine; wall time does.
    kinds = ["cold", "warm", "cpu"] if cold else ["warm", "cpu"]
    print(f"start to exit, median (min) of {args.runs} (ms; cpu: user+system of the warm runs)")
    if not cold:
        print("  not root: no cold runs")
    med = {n: {k: statistics.median(r[k]) for k in kinds} for n, r in results.items()}
    low = {n: {k: min(r[k]) for k in kinds} for n, r in results.items()}
    for name in programs:
        print(f"  {name:<34} " + "  ".join(f"{k} {med[name][k]:5.0f} ({low[name][k]:4.0f})" for k in kinds))
    bare_name = "bare window bundle"
    for kind in kinds:
        for prefix in ("before: ", "") if args.before else ("",):
            ratio = med[f"{prefix}app bundle (start)"][kind] / med[bare_name][kind]
            verdict = "ok" if ratio <= 1.5 else "OVER the 1.5x target"
            of_min = low[f"{prefix}app bundle (start)"][kind] / low[bare_name][kind]
            print(
                f"{prefix}ratio app start/bare bundle ({kind}): {ratio:.2f}x  [{verdict}]  "
                f"(of the minima {of_min:.2f}x)"
            )
            ratio = med[f"{prefix}app bundle (--self-test)"][kind] / med[bare_name][kind]
            print(f"{prefix}ratio app self-test/bare bundle ({kind}): {ratio:.2f}x")
        ratio = med["app bundle (start on Chat)"][kind] / med[bare_name][kind]
        print(f"ratio app start on Chat/bare bundle ({kind}): {ratio:.2f}x")
        ratio = med["app bundle (ready)"][kind] / med[bare_name][kind]
        print(f"ratio app ready (event loop running)/bare bundle ({kind}): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
