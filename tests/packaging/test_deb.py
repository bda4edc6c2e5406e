"""The Linux installer end to end: build the bundle and the .deb, `dpkg -i` it, run the installed app's
`--self-test` on a real X server (Xvfb, the xcb platform plugin, not offscreen), then `dpkg -r`.

The build (about a minute and a half here) is cached under `$RUBIKPI_CACHE/pyinstaller` (default
`/var/cache/rubikpi-studio`), keyed by a hash of everything that goes into the package, so a rerun with
unchanged sources only installs and runs (a few seconds). The cache is never required: when it cannot be
written the build goes to a temporary folder. The .deb is built with zstd here (3 s instead of xz's minutes);
release builds use xz.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pytest

from rubikpi_studio import __version__

ROOT = Path(__file__).resolve().parents[2]
APP = "rubikpi-studio"
KEEP_BUILDS = 2  # cached builds kept (each ~160 MB: bundle, .deb, PyInstaller's work folder)

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the .deb is built and installed on Linux only"),
    pytest.mark.timeout(1800),
]


def _inputs() -> list[Path]:
    files = [ROOT / "pyproject.toml"]
    for folder in ("packaging", "rubikpi_studio", "remote", "resources"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    # Notes about packaging do not change the package.
    files = [p for p in files if not (p.parent.name == "packaging" and p.suffix in (".md", ".png"))]
    return sorted(files)


def source_key() -> str:
    """Hash of the package's inputs and of the tools that build it."""
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("pyinstaller", "pyside6-essentials", "rubikpi-studio"):
        digest.update(f"{dist}={metadata.version(dist)}\0".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path | None:
    base = Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio") / "pyinstaller"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".writable"
        probe.touch()
        probe.unlink()
    except OSError:
        return None
    return base


def _prune(base: Path, keep: Path) -> None:
    for stale in base.glob("tmp-*"):  # left by an interrupted build (we hold the lock: none is running)
        shutil.rmtree(stale, ignore_errors=True)
    builds = sorted(
        (p for p in base.iterdir() if p.is_dir() and p.name.startswith("deb-") and p != keep),
        key=lambda p: p.stat().st_mtime,
    )
    for old in builds[: max(0, len(builds) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """One at a time per machine: engineers' suites share it, and dpkg and the cache are machine-wide."""
    with lock_file.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _deb_in(folder: Path) -> Path | None:
    debs = sorted(folder.glob(f"{APP}_{__version__}_*.deb"))
    return debs[0] if debs else None


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (pip install -e .[packaging])")
    for tool in ("dpkg-deb", "dpkg-query", "ldd"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not found: not a Debian-like system")
    base = _cache_dir()
    if base is None:
        tmp = tmp_path_factory.mktemp("pyinstaller")
        return _build(tmp / "dist", tmp / "work", tmp / "done")
    with _exclusive(base / ".lock"):
        done = base / f"deb-{source_key()}"
        found = _deb_in(done) if done.is_dir() else None
        if found:
            done.touch()  # most recently used
            return found
        built = _build(base / f"tmp-{os.getpid()}", base / "work", done)
        _prune(base, done)
        return built


def _build(dist: Path, work: Path, done: Path) -> Path:
    """Bundle + .deb into `dist`, then `dist` becomes `done` holding only the .deb (the bundle is inside it).
    The work folder is shared between keys: PyInstaller reuses what did not change."""
    shutil.rmtree(dist, ignore_errors=True)
    cmd = [sys.executable, str(ROOT / "packaging" / "build.py"), "deb", "--compress", "zstd"]
    proc = subprocess.run(
        [*cmd, "--dist", str(dist), "--work", str(work)], capture_output=True, text=True, timeout=1500
    )
    assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    assert _deb_in(dist) is not None, f"no .deb in {dist}: {sorted(p.name for p in dist.iterdir())}"
    shutil.rmtree(dist / APP, ignore_errors=True)
    shutil.rmtree(done, ignore_errors=True)
    dist.rename(done)
    found = _deb_in(done)
    assert found is not None
    return found


def test_deb_metadata(deb: Path) -> None:
    fields = {
        name: subprocess.run(
            ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
        ).stdout.strip()
        for name in ("Package", "Version", "Depends")
    }
    assert fields["Package"] == APP
    assert fields["Version"] == __version__
    depends = {d.strip() for d in fields["Depends"].split(",")}
    # What Qt's xcb plugin needs on a bare X server (without icccm4/keysyms1 it fails to start).
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0", "libegl1"} <= depends
    files = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in (
        f"./opt/{APP}/{APP}",
        f"./opt/{APP}/_internal/remote/lib.sh",
        f"./opt/{APP}/_internal/remote/VERSION",
        f"./opt/{APP}/_internal/resources/catalogue.json",
        f"./opt/{APP}/_internal/resources/i18n/rubikpi_studio_zh_CN.qm",
        # The version comes from this folder's name; without it every start imports importlib.metadata.
        f"./opt/{APP}/_internal/rubikpi_studio-{__version__}.dist-info/METADATA",
        f"./usr/bin/{APP}",
        f"./usr/bin/{APP}-cli",
        f"./usr/share/applications/{APP}.desktop",
        f"./usr/share/icons/hicolor/scalable/apps/{APP}.svg",
    ):
        assert path in files, f"{path} missing from the .deb"
    # What the spec leaves out stays out.
    for absent in ("libqgtk3", "libQt6Network", "qtbase_de.qm", "/qml/", "libgtk-3", "libstdc++"):
        assert absent not in files, f"{absent} should not be in the bundle"
    for absent in (".egg-info",):  # the source tree's, from an editable install (see the spec)
        assert absent not in files, f"{absent} should not be in the bundle"


@pytest.fixture
def installed(deb: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    if not shutil.which("xvfb-run"):
        pytest.skip("xvfb-run not found (apt-get install xvfb xauth)")
    lock_dir = _cache_dir() or Path(tempfile.gettempdir())
    with _exclusive(lock_dir / ".install.lock"), contextlib.ExitStack() as cleanup:
        proc = _dpkg("-i", str(deb))
        cleanup.callback(_removed)
        if proc.returncode != 0:
            # A missing dependency leaves the package unconfigured; let apt bring what the .deb Depends on.
            fix = subprocess.run(["apt-get", "install", "-f", "-y", "-q"], capture_output=True, text=True)
            assert fix.returncode == 0, f"dpkg -i failed:\n{proc.stderr}\napt-get -f install:\n{fix.stderr}"
        yield Path("/usr/bin") / APP


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    """dpkg, waiting (up to 2 min) while apt or another dpkg holds its lock."""
    for _ in range(60):
        proc = subprocess.run(["dpkg", *args], capture_output=True, text=True)
        if proc.returncode == 0 or "lock" not in proc.stderr:
            return proc
        time.sleep(2)
    return proc


def _removed() -> None:
    proc = _dpkg("-r", APP)
    assert proc.returncode == 0, proc.stderr
    assert not (Path("/usr/bin") / APP).exists()
    assert not Path(f"/opt/{APP}").exists()


def test_installed_app_self_test_under_xvfb(installed: Path, tmp_path: Path) -> None:
    assert installed.exists()
    assert Path(f"/usr/share/applications/{APP}.desktop").is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["RUBIKPI_STUDIO_HOME"] = str(tmp_path / "home")
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", APP, "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    report = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
    assert report["ok"] is True, report
    assert report["version"] == __version__
    assert report["remote_dir"] == f"/opt/{APP}/_internal/remote"
    assert report["i18n_zh_CN"] is True
    assert report["missing_modules"] == []  # every GUI module, also those imported on first use, is bundled
    assert "Could not load the Qt platform plugin" not in proc.stderr

    cli = subprocess.run([f"{APP}-cli", "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert "usage" in cli.stdout
