#!/usr/bin/env python3
"""Build RUBIK Pi Studio's bundle and this OS's installer; check a bundle by running its self-test.

    python packaging/build.py                  # bundle + installer for this OS (.deb / .dmg / setup.exe)
    python packaging/build.py bundle           # only the PyInstaller one-folder bundle
    python packaging/build.py deb|dmg|inno     # bundle (unless --bundle-dir) + that installer
    python packaging/build.py self-test [BUNDLE_OR_EXE]   # run `--self-test` and check its JSON report

Options: `--dist DIR` (outputs, default `dist/`), `--work DIR` (PyInstaller's work folder and the rendered
icons, default `build/pyinstaller`; keep it between runs for faster rebuilds), `--bundle-dir DIR` (use a
bundle already built), `--compress xz|zstd` (.deb compression).

Run it with the Python that has the app and PyInstaller installed (`pip install -e .[packaging]`). It uses
PyInstaller, PySide6 (to render the icons), and the OS's own tools: dpkg-deb and dpkg -S (Linux), hdiutil
(macOS), ISCC from Inno Setup (Windows). See packaging/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "rubikpi-studio.spec"
APP = "rubikpi-studio"
TITLE = "RUBIK Pi Studio"
# Libraries Qt opens with dlopen (ldd cannot see them) or needs at run time without linking them.
DEB_EXTRA_DEPENDS = ["libdbus-1-3", "libegl1", "libgl1", "libfontconfig1", "libxkbcommon-x11-0"]
DEB_RECOMMENDS = ["fonts-noto-cjk | fonts-wqy-microhei", "gnome-keyring | kwalletmanager"]


class BuildError(RuntimeError):
    pass


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload,no-any-return]


# --- version ----------------------------------------------------------------------------------------------


def checked_version() -> str:
    """The one version: pyproject's, which the installed package and remote/VERSION must repeat."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    from importlib.metadata import version

    sources = {
        "pyproject.toml": declared,
        "installed rubikpi-studio (pip install -e . again after a version change)": version("rubikpi-studio"),
        "remote/VERSION (the scripts report it to the board)": (ROOT / "remote" / "VERSION")
        .read_text(encoding="utf-8")
        .strip(),
    }
    wrong = {k: v for k, v in sources.items() if v != declared}
    if wrong:
        lines = "\n".join(f"  {k}: {v}" for k, v in wrong.items())
        raise BuildError(f"version {declared} (pyproject.toml) disagrees with:\n{lines}")
    return str(declared)


# --- icons ------------------------------------------------------------------------------------------------


def render_icons(out: Path) -> Path:
    """PNG (Linux, 256 px), ICO (Windows) and ICNS (macOS) from resources/icons/app.svg, drawn by Qt's own SVG
    and image-format plugins (no Pillow, no ImageMagick)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QGuiApplication, QImage, QImageReader

    _app = QGuiApplication.instance() or QGuiApplication([])
    svg = (ROOT / "resources" / "icons" / "app.svg").read_bytes()

    def image(size: int) -> QImage:
        buffer = QBuffer()
        buffer.setData(QByteArray(svg))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer, QByteArray(b"svg"))
        reader.setScaledSize(QSize(size, size))
        img = reader.read()
        if img.isNull():
            raise BuildError(f"could not render app.svg at {size} px: {reader.errorString()}")
        return img

    out.mkdir(parents=True, exist_ok=True)
    for name, size, fmt in (("app.png", 256, "PNG"), ("app.ico", 256, "ICO"), ("app.icns", 512, "ICNS")):
        if not image(size).save(str(out / name), fmt):  # type: ignore[call-overload]  # str at run time
            print(f"note: Qt could not write {name} here; the spec goes without it", file=sys.stderr)
    del _app
    return out


# --- bundle -----------------------------------------------------------------------------------------------


def icon_dir(work: Path) -> Path:
    return work / "icon"


def build_bundle(dist: Path, work: Path) -> Path:
    os.environ["RUBIKPI_ICON_DIR"] = str(render_icons(icon_dir(work)))  # read by the spec
    run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(SPEC)],
        cwd=ROOT,
    )  # fmt: skip
    bundle = dist / APP
    if not bundle.is_dir():
        raise BuildError(f"PyInstaller made no {bundle}")
    return bundle


def bundle_executable(path: Path) -> Path:
    """The program to run for `--self-test`: the console one on Windows, the .app's on macOS."""
    if path.is_file():
        return path
    for candidate in (
        path / f"{APP}-cli.exe",
        path / "Contents" / "MacOS" / APP,
        path / f"{TITLE}.app" / "Contents" / "MacOS" / APP,
        path / APP,
    ):
        if candidate.is_file():
            return candidate
    raise BuildError(f"no {APP} program in {path}")


def self_test(target: Path, *, expect_version: str | None = None) -> dict[str, object]:
    """Run `<program> --self-test` in a throw-away home; return its report, raising unless it passed.

    It needs a display: on Linux without one, run this under `xvfb-run -a` (the program inherits DISPLAY)."""
    with tempfile.TemporaryDirectory(prefix="rps-selftest-") as home:
        env = {**os.environ, "RUBIKPI_STUDIO_HOME": home}
        cmd = [str(bundle_executable(target)), "--self-test"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise BuildError(f"self-test failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    report: dict[str, object] = json.loads(lines[-1])
    if report.get("ok") is not True:
        raise BuildError(f"self-test report not ok: {report}")
    if expect_version and report.get("version") != expect_version:
        raise BuildError(f"bundle says version {report.get('version')}, expected {expect_version}")
    print(json.dumps(report, ensure_ascii=False))
    return report


# --- Linux .deb -------------------------------------------------------------------------------------------


def _elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _needed(elf: Path) -> set[str] | None:
    """The sonames an ELF file links directly (readelf -d), or None without binutils."""
    if not shutil.which("readelf"):
        return None
    out = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def host_libraries(bundle: Path) -> set[str]:
    """The shared libraries the bundle's programs and libraries link directly from outside the bundle
    (as dpkg-shlibdeps does: what those need in turn, their own packages' Depends bring)."""
    outside: dict[str, str] = {}
    missing: set[str] = set()
    direct: set[str] | None = set()
    inside = str(bundle.resolve())
    for elf in _elf_files(bundle):
        names = _needed(elf)
        direct = None if names is None or direct is None else direct | names
        proc = subprocess.run(["ldd", str(elf)], capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if "=> not found" in line:
                missing.add(f"{line.split()[0]} (needed by {elf.relative_to(bundle)})")
            m = re.match(r"\s*(\S+) => (/\S+)", line)
            if m and not str(Path(m.group(2)).resolve()).startswith(inside):
                outside[m.group(1)] = m.group(2)
    if missing:
        listed = "\n  ".join(sorted(missing))
        raise BuildError(f"libraries found neither in the bundle nor on this system:\n  {listed}")
    return {path for soname, path in outside.items() if direct is None or soname in direct}


def packages_of(paths: set[str]) -> set[str]:
    """Debian packages owning these files (dpkg -S; tries both sides of the /usr merge)."""
    candidates = set()
    for p in paths:
        candidates |= {p, str(Path(p).resolve())}
        if p.startswith("/usr/lib/"):
            candidates.add(p[len("/usr") :])
        elif p.startswith("/lib"):
            candidates.add("/usr" + p)
    proc = subprocess.run(["dpkg-query", "-S", *sorted(candidates)], capture_output=True, text=True)
    owners: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        for owner in pkgs.split(", "):
            owners[path] = owner.split(":")[0]
    result: set[str] = set()
    orphans = []
    for p in paths:
        names = {p, str(Path(p).resolve()), p.removeprefix("/usr"), "/usr" + p}
        found = next((owners[n] for n in names if n in owners), None)
        if found:
            result.add(found)
        else:
            orphans.append(p)
    if orphans:
        raise BuildError("no Debian package owns these libraries the bundle needs: " + ", ".join(orphans))
    return result


def build_deb(bundle: Path, dist: Path, version: str, work: Path, compression: str = "xz") -> Path:
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout
    arch = arch.strip()
    depends = sorted(packages_of(host_libraries(bundle)) | set(DEB_EXTRA_DEPENDS))
    with tempfile.TemporaryDirectory(prefix="rps-deb-", dir=dist) as tmp:
        root = Path(tmp) / "root"
        opt = root / "opt" / APP
        shutil.copytree(bundle, opt, symlinks=True)
        usr = root / "usr"
        (usr / "bin").mkdir(parents=True)
        (usr / "bin" / APP).symlink_to(f"/opt/{APP}/{APP}")
        cli = usr / "bin" / f"{APP}-cli"
        cli.write_text(f'#!/bin/sh\nexec /opt/{APP}/{APP} --cli "$@"\n')
        cli.chmod(0o755)
        linux = PACKAGING / "linux"
        apps = usr / "share" / "applications"
        apps.mkdir(parents=True)
        shutil.copy(linux / f"{APP}.desktop", apps / f"{APP}.desktop")
        icons = usr / "share" / "icons" / "hicolor"
        (icons / "scalable" / "apps").mkdir(parents=True)
        shutil.copy(ROOT / "resources" / "icons" / "app.svg", icons / "scalable" / "apps" / f"{APP}.svg")
        png = icon_dir(work) / "app.png"
        if not png.exists():  # a bundle built earlier (--bundle-dir)
            render_icons(icon_dir(work))
        (icons / "256x256" / "apps").mkdir(parents=True)
        shutil.copy(png, icons / "256x256" / "apps" / f"{APP}.png")
        doc = usr / "share" / "doc" / APP
        doc.mkdir(parents=True)
        shutil.copy(linux / "copyright", doc / "copyright")
        for path in root.rglob("*"):  # dpkg keeps modes as they are: make them what a package should have
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        installed_kib = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        control = (
            (linux / "control.in")
            .read_text(encoding="utf-8")
            .format(
                version=version,
                arch=arch,
                depends=", ".join(depends),
                recommends=", ".join(DEB_RECOMMENDS),
                installed_size=installed_kib // 1024 + 1,
            )
        )
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")
        out = dist / f"{APP}_{version}_{arch}.deb"
        # xz -6 (dpkg's default): 34 MB, but ~3.5 min on two busy cores. zstd -3: 45 MB in 3 s, which the
        # tests use; both install on Debian 12 and Ubuntu 22.04+ (the oldest this package's Depends allow).
        level = {"xz": "6", "zstd": "3"}[compression]
        zflags = [f"-Z{compression}", f"-z{level}"]
        run(["dpkg-deb", "--root-owner-group", *zflags, "--build", str(root), str(out)])
    print(f"Depends: {', '.join(depends)}")
    return out


# --- macOS .dmg -------------------------------------------------------------------------------------------


def build_dmg(dist: Path, version: str) -> Path:
    app = dist / f"{TITLE}.app"
    if not app.is_dir():
        raise BuildError(f"no {app}: PyInstaller builds the .app only on macOS")
    out = dist / f"RUBIK-Pi-Studio-{version}-macos-{platform.machine()}.dmg"
    with tempfile.TemporaryDirectory(prefix="rps-dmg-") as tmp:
        stage = Path(tmp) / TITLE
        stage.mkdir()
        run(["ditto", str(app), str(stage / app.name)])  # keeps the framework symlinks and signatures
        (stage / "Applications").symlink_to("/Applications")  # drag here to install
        out.unlink(missing_ok=True)
        run(["hdiutil", "create", "-volname", TITLE, "-srcfolder", str(stage), "-format", "UDZO",
             "-ov", str(out)])  # fmt: skip
    return out


# --- Windows setup.exe ------------------------------------------------------------------------------------


def build_inno(bundle: Path, dist: Path, version: str, work: Path) -> Path:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    programs = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    default = programs / "Inno Setup 6" / "ISCC.exe"
    if not iscc and default.exists():
        iscc = str(default)
    if not iscc:
        raise BuildError("Inno Setup's ISCC.exe not found (choco install innosetup)")
    defines = [f"/DAppVersion={version}", f"/DBundleDir={bundle}", f"/DOutputDir={dist}"]
    icon = icon_dir(work) / "app.ico"
    if icon.exists():
        defines.append(f"/DAppIcon={icon}")
    run([iscc, *defines, str(PACKAGING / "windows" / f"{APP}.iss")])
    return dist / f"RUBIK-Pi-Studio-{version}-windows-x64-setup.exe"


# --- command line -----------------------------------------------------------------------------------------


def default_installer() -> str:
    return {"linux": "deb", "darwin": "dmg", "win32": "inno"}.get(sys.platform, "bundle")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what", nargs="?", default=default_installer(), choices=["bundle", "deb", "dmg", "inno", "self-test"]
    )
    parser.add_argument("target", nargs="?", help="self-test: the bundle folder, .app or program")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--bundle-dir", type=Path, help="use this bundle instead of building one")
    parser.add_argument(
        "--compress",
        choices=["xz", "zstd"],
        default="xz",
        help=".deb compression: xz (default) or zstd (fast)",
    )
    args = parser.parse_args(argv)
    # Absolute: ISCC reads relative paths from the script's folder, not from ours.
    args.dist, args.work = args.dist.resolve(), args.work.resolve()
    args.bundle_dir = args.bundle_dir.resolve() if args.bundle_dir else None
    try:
        version = checked_version()
        if args.what == "self-test":
            self_test(args.target or args.dist / APP, expect_version=version)
            return 0
        args.dist.mkdir(parents=True, exist_ok=True)
        bundle = args.bundle_dir or build_bundle(args.dist, args.work)
        print(f"bundle: {bundle} ({version})")
        if args.what == "deb":
            print(build_deb(bundle, args.dist, version, args.work, args.compress))
        elif args.what == "dmg":
            print(build_dmg(args.dist, version))
        elif args.what == "inno":
            print(build_inno(bundle, args.dist, version, args.work))
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
