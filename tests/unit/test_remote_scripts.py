"""The remote scripts' output converters (remote/lib.sh) and cheap script paths, run in real bash.

Inputs are real tool output recorded on the rig (tests/data/logs/): ninja and cmake from the llama.cpp build,
a failing compile, `git clone --progress`, `apt-get install -o APT::Status-Fd=1`, `llama-cli --version`.
Scripts run with HOME in a temporary directory; nothing here builds llama.cpp.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from rubikpi_studio.core.events import Event
from rubikpi_studio.core.jobs import Job
from rubikpi_studio.core.protocol import parse_line
from rubikpi_studio.core.setup import SetupResult

ROOT = Path(__file__).resolve().parents[2]
REMOTE = ROOT / "remote"
LOGS = ROOT / "tests" / "data" / "logs"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def run_bash(snippet: str, *, stdin: bytes = b"", env: dict[str, str] | None = None) -> tuple[int, str]:
    full_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LC_ALL": "C.UTF-8"}
    full_env.update(env or {})
    proc = subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {REMOTE / 'lib.sh'}; {snippet}"],
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=120,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")


def events(output: str) -> list[Event]:
    return [e for line in output.splitlines() if (e := parse_line(line)) is not None]


def of_kind(evs: list[Event], kind: str) -> list[Event]:
    return [e for e in evs if e.kind == kind]


def run_script(
    name: str, home: Path, *args: str, env: dict[str, str] | None = None, stdin: bytes = b""
) -> tuple[int, list[Event], str]:
    full_env = {"PATH": os.environ["PATH"], "HOME": str(home), "LC_ALL": "C.UTF-8"}
    full_env.update(env or {})
    proc = subprocess.run(
        ["bash", str(REMOTE / name), *args], input=stdin, capture_output=True, env=full_env, timeout=300
    )
    out = proc.stdout.decode("utf-8", "replace")
    return proc.returncode, events(out), out + proc.stderr.decode("utf-8", "replace")


# --- ninja -----------------------------------------------------------------------------------------------


def test_ninja_progress_from_the_real_llama_cpp_build() -> None:
    recorded = (LOGS / "ninja-llama-cpp-cpu-build.txt").read_text()
    rc, out = run_bash("rps_ninja_progress build", stdin=recorded.encode())
    assert rc == 0
    evs = events(out)
    progress = of_kind(evs, "progress")
    fractions = [e.fraction for e in progress]
    assert fractions == sorted(fractions)
    assert all(e.step == "build" for e in progress)
    assert progress[-1].fraction == 1.0
    assert progress[-1].message == "compiling (228/228)"
    assert progress[0].message == "compiling (1/228)"
    # At most one event per percent, so a 228-step build gives ~100, not 228.
    assert 50 <= len(progress) <= 101
    # Every ninja line still reaches the log, unchanged and in order.
    assert [e.message for e in of_kind(evs, "log")] == recorded.splitlines()


def test_ninja_failure_keeps_the_error_lines(tmp_path: Path) -> None:
    recorded = (LOGS / "ninja-compile-error.txt").read_text()
    errfile = tmp_path / "err"
    rc, out = run_bash(f"rps_ninja_progress build {errfile}", stdin=recorded.encode())
    assert rc == 0
    errors = errfile.read_text().splitlines()
    assert errors[0].startswith("FAILED: CMakeFiles/llama-server.dir/broken.cpp.o")
    assert any("error: ‘undeclared_call’ was not declared in this scope" in line for line in errors)
    assert errors[-1] == "ninja: build stopped: subcommand failed."
    assert not any(line.startswith("[") for line in errors)
    assert [e.message for e in of_kind(events(out), "progress")] == ["compiling (1/3)", "compiling (2/3)"]


def test_ninja_progress_ignores_lookalikes() -> None:
    lines = "[0/0] nothing\n[abc] no\n  [3/4] indented\n[5/10]no space\n[5/10] real\n"
    _, out = run_bash("rps_ninja_progress build", stdin=lines.encode())
    assert [(e.fraction, e.message) for e in of_kind(events(out), "progress")] == [(0.5, "compiling (5/10)")]


# --- cmake -----------------------------------------------------------------------------------------------
# build.sh prints cmake's configure output as it is: no converter, so every line is a log line.


def test_cmake_configure_output_is_only_log_lines() -> None:
    recorded = (LOGS / "cmake-configure-llama-cpp-cpu.txt").read_text()
    lines = recorded.splitlines()
    assert lines[0].startswith("-- The C compiler identification")
    assert lines[-1].startswith("-- Build files have been written to:")
    evs = [parse_line(line) for line in lines]
    assert all(e is not None and e.kind == "log" for e in evs)
    # Unchanged, trailing spaces too (cmake pads some `-- Found ...` lines), and in order.
    assert [e.message for e in evs if e is not None] == lines
    assert any(line.endswith(" ") for line in lines)


def test_cmake_configure_output_between_build_events(tmp_path: Path) -> None:
    """As build.sh prints a build step: its events around cmake's lines, read back by the app's parser."""
    log = LOGS / "cmake-configure-llama-cpp-cpu.txt"
    recorded = log.read_text()
    script = tmp_path / "configure.sh"
    script.write_text(
        f"rps_step build Build llama.cpp\nrps_info build jobs 2\ncat {log}\n"
        "rps_progress build 0.5 'compiling (1/2)'\n"
    )
    rc, out = run_bash(f"source {script}")
    assert rc == 0
    evs = events(out)
    assert [e.kind for e in evs if e.kind != "log"] == ["step", "info", "progress"]
    assert [e.message for e in of_kind(evs, "log")] == recorded.splitlines()
    # Nothing in cmake's output looks like ninja's [n/m] either, were it piped through the converter.
    rc, out = run_bash("rps_ninja_progress build", stdin=recorded.encode())
    assert rc == 0
    assert not of_kind(events(out), "progress")
    assert [e.message for e in of_kind(events(out), "log")] == recorded.splitlines()


# --- git -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "final"),
    # --no-checkout clone: receiving objects ends at 70 %; the checkout that follows fills the rest.
    [("git-clone-progress.txt", 0.7), ("git-checkout-progress.txt", 1.0)],
)
def test_git_progress_from_real_clone_output(name: str, final: float) -> None:
    recorded = (LOGS / name).read_bytes()
    assert b"\r" in recorded  # git rewrites its progress line with carriage returns
    rc, out = run_bash("rps_git_progress source", stdin=recorded)
    assert rc == 0
    evs = events(out)
    progress = of_kind(evs, "progress")
    assert progress, out
    fractions = [e.fraction for e in progress]
    assert fractions == sorted(fractions)
    assert all(0.0 <= (f or 0) <= 1.0 for f in fractions)
    assert progress[-1].fraction == final
    logs = [e.message for e in of_kind(evs, "log")]
    assert "\r" not in out
    # The \r-updates are not logged one by one; the final line of each phase is.
    assert len(logs) < 12
    assert any(line.endswith(", done.") for line in logs)


def test_git_clone_phases_map_to_ranges() -> None:
    recorded = (LOGS / "git-clone-progress.txt").read_bytes()
    _, out = run_bash("rps_git_progress source", stdin=recorded)
    by_phase: dict[str, list[float]] = {}
    for e in of_kind(events(out), "progress"):
        by_phase.setdefault(e.message.rsplit(" ", 1)[0], []).append(e.fraction or 0.0)
    assert max(by_phase["receiving objects"]) <= 0.7
    if "resolving deltas" in by_phase:
        assert 0.7 <= min(by_phase["resolving deltas"]) <= max(by_phase["resolving deltas"]) <= 0.85


# --- apt -------------------------------------------------------------------------------------------------


def test_apt_status_fd_progress_from_a_real_install() -> None:
    recorded = (LOGS / "apt-install-status-fd.txt").read_text()
    rc, out = run_bash("rps_apt_progress deps", stdin=recorded.encode())
    assert rc == 0
    evs = events(out)
    progress = of_kind(evs, "progress")
    assert [e.fraction for e in progress] == sorted(e.fraction for e in progress)
    assert progress[0].fraction == 0.5  # pmstatus 0 % = halfway (download done)
    assert progress[-1].message == "Installed shellcheck (amd64)"
    assert progress[-1].fraction == 0.9
    logs = [e.message for e in of_kind(evs, "log")]
    assert not any(line.startswith(("pmstatus:", "dlstatus:")) for line in logs)
    assert "Reading package lists..." in logs


def test_apt_download_status_maps_to_first_half() -> None:
    lines = "dlstatus:1:0.0000:Retrieving file 1 of 2\ndlstatus:2:50.5000:Retrieving file 2 of 2\n"
    _, out = run_bash("rps_apt_progress deps", stdin=lines.encode())
    assert [(e.fraction, e.message) for e in of_kind(events(out), "progress")] == [
        (0.0, "Retrieving file 1 of 2"),
        (0.25, "Retrieving file 2 of 2"),
    ]


# --- llama.cpp version -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 0.6.0-dev (build 11434, commit 8a98145c)\nbuilt with GNU 12.2.0 for Linux x86_64\n",
            "11434 8a98145c",
        ),
        ("version: 0.6.0-dev (build 0, commit unknown)\n", "0 unknown"),
        (
            "ggml_opencl: selected platform: 'QUALCOMM Snapdragon(TM)'\nversion: 6166 (c36e54d06)\n",
            "6166 c36e54d06",
        ),
        ("no version here\n", ""),
    ],
)
def test_llama_version(tmp_path: Path, text: str, expected: str) -> None:
    fake = tmp_path / "llama-cli"
    (tmp_path / "out.txt").write_text(text)
    fake.write_text(f"#!/bin/sh\ncat {tmp_path / 'out.txt'} >&2\n")
    fake.chmod(0o755)
    rc, out = run_bash(f"rps_llama_version {fake} || true")
    assert rc == 0
    assert out.strip() == expected


def test_llama_version_of_the_recorded_build(tmp_path: Path) -> None:
    fake = tmp_path / "llama-cli"
    fake.write_text(f"#!/bin/sh\ncat {LOGS / 'llama-cli-version-b11434-cpu.txt'} >&2\n")
    fake.chmod(0o755)
    _, out = run_bash(f"rps_llama_version {fake}")
    number, commit = out.split()
    assert number == "11434"
    assert len(commit) == 8


# --- helpers ---------------------------------------------------------------------------------------------


def test_multiarch_is_detected_not_assumed() -> None:
    _, out = run_bash("rps_multiarch")
    machine = os.uname().machine
    assert out.strip().startswith(machine.replace("armv8l", "arm")) or out.strip().endswith("-linux-gnu")


def test_fraction_scaling() -> None:
    _, out = run_bash("rps_fraction 1 3; rps_fraction 3 3; rps_fraction 50 100 500 1000; rps_fraction 7 5")
    assert out.split() == ["0.333", "1.000", "0.750", "1.000"]


# --- whole scripts, cheap paths --------------------------------------------------------------------------


def test_path_adds_once_and_removes(tmp_path: Path) -> None:
    (tmp_path / ".profile").write_text("# ubuntu profile\n")
    rc, evs, _ = run_script("path.sh", tmp_path)
    assert rc == 0
    assert of_kind(evs, "done")
    profile = (tmp_path / ".bash_profile").read_text()
    bindir = tmp_path / "dev/llm/llama.cpp/build/bin"
    assert f"# Begin llama.cpp\nexport PATH=$PATH:{bindir}\n# End llama.cpp\n" in profile
    assert '. "$HOME/.profile"' in profile  # a new ~/.bash_profile keeps login shells reading ~/.profile
    rc, evs, _ = run_script("path.sh", tmp_path)
    assert rc == 0
    assert [e.kind for e in evs if e.kind != "log"] == ["step", "skip"]
    assert (tmp_path / ".bash_profile").read_text() == profile
    rc, evs, _ = run_script("path.sh", tmp_path, "--remove")
    assert rc == 0
    assert "llama.cpp" not in (tmp_path / ".bash_profile").read_text()
    rc, evs, _ = run_script("path.sh", tmp_path, "--remove")
    assert [e.kind for e in evs if e.kind != "log"] == ["step", "skip"]


def test_path_recognises_the_manuals_block(tmp_path: Path) -> None:
    manual = (
        "\n# Begin llama.cpp\nexport PATH=$PATH:/home/ubuntu/dev/llm/llama.cpp/build/bin\n# End llama.cpp\n\n"
    )
    (tmp_path / ".bash_profile").write_text("export EDITOR=vi\n" + manual + "alias ll='ls -l'\n")
    rc, evs, _ = run_script("path.sh", tmp_path)
    assert rc == 0
    assert of_kind(evs, "skip")
    rc, evs, _ = run_script("path.sh", tmp_path, "--remove")
    assert rc == 0
    assert (tmp_path / ".bash_profile").read_text() == "export EDITOR=vi\n\nalias ll='ls -l'\n"


def test_preflight_says_how_much_disk_is_needed(tmp_path: Path) -> None:
    rc, evs, _ = run_script("preflight.sh", tmp_path, env={"RPS_NEED_DISK_MB": "999999999", "RPS_GPU": "off"})
    assert rc == 1
    failed = of_kind(evs, "failed")[-1]
    assert failed.code == "E_NO_SPACE"
    assert "need 999999999 MB free" in failed.message
    assert "free at least" in failed.message
    infos = {k: v for e in of_kind(evs, "info") for k, v in e.data.items()}
    assert infos["arch"] == os.uname().machine


def test_preflight_unreachable_source(tmp_path: Path) -> None:
    rc, evs, _ = run_script(
        "preflight.sh", tmp_path, env={"RPS_LLAMA_REPO": str(tmp_path / "no-such-repo.git"), "RPS_GPU": "off"}
    )
    assert rc == 1
    failed = of_kind(evs, "failed")[-1]
    assert failed.code == "E_SOURCE_UNREACHABLE"
    assert "no-such-repo.git" in failed.message


def test_preflight_without_an_adreno_gpu_chooses_the_cpu(tmp_path: Path) -> None:
    rc, evs, _ = run_script("preflight.sh", tmp_path, env={"RPS_SKIP_NETWORK_CHECK": "1"})
    assert rc == 0, evs
    infos = {k: v for e in of_kind(evs, "info") for k, v in e.data.items()}
    assert infos["build"] == "cpu"
    assert infos["kgsl"] == "no"
    assert any("building for the CPU" in e.message for e in of_kind(evs, "warn"))
    assert of_kind(evs, "done")


def test_deps_skips_without_sudo_when_nothing_is_missing(tmp_path: Path) -> None:
    rc, evs, _ = run_script("deps.sh", tmp_path, env={"RPS_APT_PACKAGES": "bash coreutils", "RPS_GPU": "off"})
    assert rc == 0
    assert [e.kind for e in evs if e.kind != "log"] == ["step", "skip"]


def _can_run_as_nobody() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None and shutil.which("sudo") is not None


@pytest.mark.skipif(not _can_run_as_nobody(), reason="needs root, setpriv and sudo")
def test_deps_wrong_sudo_password(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(REMOTE / "deps.sh")]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RPS_APT_PACKAGES": "no-such-package-rps",
        "RPS_GPU": "off",
    }
    proc = subprocess.run(cmd, input=b"not-the-password\n", capture_output=True, env=env, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    failed = of_kind(events(out), "failed")[-1]
    assert failed.code == "E_SUDO"
    assert "not-the-password" not in out + proc.stderr.decode()
    # No password at all: said plainly, not a hang.
    proc = subprocess.run(cmd, input=b"", capture_output=True, env=env, timeout=60)
    failed = of_kind(events(proc.stdout.decode()), "failed")[-1]
    assert failed.code == "E_SUDO"
    assert "none was given" in failed.message


def test_verify_without_a_build(tmp_path: Path) -> None:
    rc, evs, _ = run_script("verify.sh", tmp_path)
    assert rc == 1
    assert of_kind(evs, "failed")[-1].code == "E_NOT_BUILT"


def _broken_source(tmp_path: Path) -> tuple[Path, str]:
    """A tiny git repository with a llama-server target that does not compile."""
    repo = tmp_path / "broken-src"
    repo.mkdir()
    (repo / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.14)\nproject(broken CXX)\nadd_executable(llama-server broken.cpp)\n"
    )
    (repo / "broken.cpp").write_text("int main() {\n  undeclared_call(42);\n}\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "broken"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout
    return repo, commit.strip()


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None, reason="needs cmake, ninja"
)
def test_build_failure_shows_the_compiler_errors(tmp_path: Path) -> None:
    repo, commit = _broken_source(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {"RPS_LLAMA_REPO": str(repo), "RPS_LLAMA_REF": commit, "RPS_GPU": "off", "RPS_JOBS": "1"}
    rc, evs, out = run_script("build.sh", home, env=env)
    assert rc == 1, out
    assert [e.kind for e in evs if e.step == "source"][-1] == "done"
    failed = of_kind(evs, "failed")[-1]
    assert failed.code == "E_BUILD"
    assert "error: ‘undeclared_call’ was not declared in this scope" in failed.message
    warned = [e.message for e in of_kind(evs, "warn")]
    assert any(w.startswith("FAILED:") for w in warned)
    assert len(warned) <= 20
    assert not (home / "dev/llm/llama.cpp/build").exists()  # a broken build never becomes current
    assert "Traceback" not in out
    # Run again: the source step is skipped, the build is tried again (and fails the same way).
    rc, evs, _ = run_script("build.sh", home, env=env)
    assert rc == 1
    assert [e.kind for e in evs if e.step == "source"] == ["step", "skip"]


_FAKE_MAIN = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version")) {
            fprintf(stderr, "version: 0.6.0-dev (build %s, commit %s)\nbuilt with fake for test\n",
                    BUILD_NUMBER, BUILD_COMMIT);
            return 0;
        }
        if (!strcmp(argv[i], "--list-devices")) { printf("Available devices:\n  (none)\n"); return 0; }
    }
    return 0;
}
"""

_FAKE_CMAKE = """cmake_minimum_required(VERSION 3.14)
project(fake-llama C)
option(LLAMA_USE_PREBUILT_UI "fetch the web UI at configure time" ON)
if (LLAMA_USE_PREBUILT_UI)
    message(FATAL_ERROR "LLAMA_USE_PREBUILT_UI must be OFF (no network at configure time)")
endif()
set(LLAMA_BUILD_NUMBER 0 CACHE STRING "")
set(LLAMA_BUILD_COMMIT unknown CACHE STRING "")
foreach(t llama-server llama-cli llama-quantize llama-bench)
    add_executable(${t} main.c)
    target_compile_definitions(${t} PRIVATE
        BUILD_NUMBER="${LLAMA_BUILD_NUMBER}" BUILD_COMMIT="${LLAMA_BUILD_COMMIT}")
    set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endforeach()
"""


def _fake_llama_source(tmp_path: Path) -> tuple[Path, str]:
    """A tiny git repository shaped like llama.cpp (targets, options, a `b<N>` tag) that builds in seconds."""
    repo = tmp_path / "fake-llama"
    repo.mkdir()
    (repo / "CMakeLists.txt").write_text(_FAKE_CMAKE)
    (repo / "main.c").write_text(_FAKE_MAIN)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "fake"], check=True)
    subprocess.run([*git, "tag", "b4242"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout
    return repo, commit.strip()


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None, reason="needs cmake, ninja"
)
def test_setup_runs_every_step_then_skips_every_step(tmp_path: Path) -> None:
    repo, commit = _fake_llama_source(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "RPS_LLAMA_REPO": str(repo),
        "RPS_LLAMA_REF": commit,
        "RPS_GPU": "off",
        "RPS_APT_PACKAGES": "bash coreutils",
        "RPS_JOBS": "1",
    }
    rc, evs, out = run_script("setup.sh", home, env=env)
    assert rc == 0, out
    ends = {e.step: e.kind for e in evs if e.kind in ("done", "skip", "failed")}
    assert ends == {
        "preflight": "done",
        "deps": "skip",
        "opencl": "skip",
        "source": "done",
        "build": "done",
        "verify": "done",
        "path": "done",
    }
    infos = {k: v for e in of_kind(evs, "info") if e.step == "verify" for k, v in e.data.items()}
    # The b<N> tag on the commit became the build number; the commit was passed too.
    assert infos["build_number"] == "4242"
    assert infos["commit"] == commit[:8]
    assert infos["backend"] == "CPU"
    src = home / "dev/llm/llama.cpp"
    assert (src / "build").is_symlink()
    assert os.readlink(src / "build") == f"build-{commit[:12]}-cpu"

    rc, evs, out = run_script("setup.sh", home, env=env)
    assert rc == 0, out
    ends = {e.step: e.kind for e in evs if e.kind in ("done", "skip", "failed")}
    # preflight and verify are checks and always run; every step that changes something is skipped.
    assert ends == {
        "preflight": "done",
        "deps": "skip",
        "opencl": "skip",
        "source": "skip",
        "build": "skip",
        "verify": "done",
        "path": "skip",
    }
    assert "compiling" not in out


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None, reason="needs cmake, ninja"
)
def test_build_recognises_a_build_made_by_hand(tmp_path: Path) -> None:
    """The manual's layout: a clone in ~/dev/llm/llama.cpp built in a real `build` folder, no stamp."""
    repo, commit = _fake_llama_source(tmp_path)
    home = tmp_path / "home"
    src = home / "dev/llm/llama.cpp"
    src.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(src)], check=True)
    subprocess.run(
        ["cmake", "-S", str(src), "-B", str(src / "build"), "-G", "Ninja", "-DLLAMA_USE_PREBUILT_UI=OFF",
         "-DLLAMA_BUILD_NUMBER=4242", f"-DLLAMA_BUILD_COMMIT={commit[:8]}"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(["ninja", "-C", str(src / "build")], check=True, capture_output=True)
    env = {"RPS_LLAMA_REPO": str(repo), "RPS_LLAMA_REF": commit, "RPS_GPU": "off"}
    rc, evs, out = run_script("build.sh", home, env=env)
    assert rc == 0, out
    assert [e.kind for e in evs if e.kind in ("done", "skip")] == ["skip", "skip"]
    assert "made by hand" in of_kind(evs, "skip")[-1].message
    assert (src / "build").is_dir()
    assert not (src / "build").is_symlink()

    # Asked for another flavour (OpenCL off → on would need headers; use a new commit instead): the hand-made
    # build is kept as build-manual and becomes build.prev.
    (repo / "main.c").write_text(_FAKE_MAIN + "\n/* next */\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "next"], check=True)
    new = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    rc, evs, out = run_script("build.sh", home, env={**env, "RPS_LLAMA_REF": new, "RPS_JOBS": "1"})
    assert rc == 0, out
    assert os.readlink(src / "build") == f"build-{new[:12]}-cpu"
    assert os.readlink(src / "build.prev") == "build-manual"
    assert (src / "build-manual/bin/llama-cli").exists()
    rc, evs, _ = run_script("build.sh", home, "--rollback")
    assert rc == 0
    assert os.readlink(src / "build") == "build-manual"


@pytest.mark.skipif(not _can_run_as_nobody(), reason="needs root, setpriv and sudo")
def test_setup_wrong_sudo_password_fails_as_deps(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(REMOTE / "setup.sh")]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RPS_APT_PACKAGES": "no-such-package-rps",
        "RPS_GPU": "off",
        "RPS_SKIP_NETWORK_CHECK": "1",
        "RPS_SUDO_PASSWORD": "wrong-one",
    }
    proc = subprocess.run(cmd, capture_output=True, env=env, timeout=60)
    assert proc.returncode == 1
    failed = of_kind(events(proc.stdout.decode()), "failed")[-1]
    assert (failed.step, failed.code) == ("deps", "E_SUDO")
    assert "wrong-one" not in proc.stdout.decode() + proc.stderr.decode()


# --- verify.sh on a fake Adreno board ------------------------------------------------------------------
# No Adreno GPU here: a stand-in llama-cli replays recorded output. Its `--version` prints the manual's
# `ggml_opencl` lines (b6362 on a RUBIK Pi 3) before a b6362-style version line; `--list-devices` prints the
# format in reference/board-and-llama-cpp-facts.md; a smoke run prints the manual's GPU perf lines.

_ADRENO_DEVICES = "Available devices:\n  GPUOpenCL: QUALCOMM Adreno(TM) 635 (3788 MiB, 2764 MiB free)\n"


def _fake_adreno_build(
    home: Path, *, devices: str = _ADRENO_DEVICES, smoke: str = "", opencl: bool = True
) -> Path:
    """A build folder whose llama-cli is a FAKE ADRENO stand-in (recorded output, no GPU).

    Returns the file where the stand-in writes the smoke run's arguments."""
    bindir = home / "dev/llm/llama.cpp/build/bin"
    bindir.mkdir(parents=True)
    (bindir.parent / "CMakeCache.txt").write_text(f"GGML_OPENCL:BOOL={'ON' if opencl else 'OFF'}\n")
    version = (LOGS / "manual-llama-cli-version-opencl.txt").read_text() if opencl else ""
    version += "version: 6362 (f6da8cb8)\nbuilt with cc (Ubuntu 13.3.0) 13.3.0 for aarch64-linux-gnu\n"
    (home / "version.txt").write_text(version)
    (home / "devices.txt").write_text(devices)
    (home / "smoke.txt").write_text(smoke)
    (home / "model.gguf").write_bytes(b"GGUF")
    args_log = home / "smoke-args.txt"
    fake = bindir / "llama-cli"
    fake.write_text(
        "#!/bin/sh\n"
        f'case "$1" in\n  --version) cat {home / "version.txt"} >&2 ;;\n'
        f"  --list-devices) cat {home / 'devices.txt'} ;;\n"
        f'  *) echo "$@" > {args_log}; cat {home / "smoke.txt"} >&2 ;;\nesac\n'
    )
    fake.chmod(0o755)
    return args_log


def _setup_result(infos: dict[str, str]) -> SetupResult:
    return SetupResult(Job(id="j", key="setup", dir="/tmp/j", status=0), infos, [], [])


def _verify_infos(evs: list[Event]) -> dict[str, str]:
    return {k: str(v) for e in of_kind(evs, "info") if e.step == "verify" for k, v in e.data.items()}


def test_verify_on_a_fake_adreno_reports_the_gpu_as_used(tmp_path: Path) -> None:
    smoke = (LOGS / "manual-llama-cli-version-opencl.txt").read_text()
    smoke += (LOGS / "manual-llama-cli-gpu-perf.txt").read_text()
    args_log = _fake_adreno_build(tmp_path, smoke=smoke)
    rc, evs, out = run_script("verify.sh", tmp_path, env={"RPS_MODEL": str(tmp_path / "model.gguf")})
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert infos["backend"] == "OpenCL"
    assert infos["build_number"] == "6362"
    assert infos["gpu"].startswith("QUALCOMM Adreno(TM) 635")
    assert infos["offloaded"] == "29/29"
    assert infos["eval_tokens_per_second"] == "9.61"
    assert infos["gpu_used"] == "yes"
    assert "-ngl 99" in args_log.read_text()  # full offload for the smoke test
    assert not of_kind(evs, "warn")
    assert _setup_result(infos).gpu_used


def test_verify_on_a_fake_adreno_without_list_devices_reads_the_version_lines(tmp_path: Path) -> None:
    """b6362 prints the `ggml_opencl: device:` lines on --version (the manual's step 5); use them too."""
    _fake_adreno_build(tmp_path, devices="error: invalid argument: --list-devices\n")
    rc, evs, out = run_script("verify.sh", tmp_path)
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert infos["gpu"] == "QUALCOMM Adreno(TM) 635"
    assert infos["gpu_used"] == "yes"


def test_verify_counts_a_device_named_only_qualcomm(tmp_path: Path) -> None:
    _fake_adreno_build(
        tmp_path, devices="Available devices:\n  GPUOpenCL: QUALCOMM (3788 MiB, 2764 MiB free)\n"
    )
    (tmp_path / "version.txt").write_text("version: 6362 (f6da8cb8)\n")
    rc, evs, out = run_script("verify.sh", tmp_path)
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert infos["gpu"].startswith("QUALCOMM")
    assert infos["gpu_used"] == "yes"


def test_verify_smoke_test_with_no_layer_offloaded_says_the_gpu_is_not_used(tmp_path: Path) -> None:
    smoke = (LOGS / "manual-llama-cli-gpu-perf.txt").read_text().replace("offloaded 29/29", "offloaded 0/29")
    _fake_adreno_build(tmp_path, smoke=smoke)
    rc, evs, out = run_script("verify.sh", tmp_path, env={"RPS_MODEL": str(tmp_path / "model.gguf")})
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert infos["offloaded"] == "0/29"
    assert infos["gpu_used"] == "no"
    assert any("0/29" in e.message for e in of_kind(evs, "warn"))
    assert not _setup_result(infos).gpu_used


def test_verify_opencl_build_on_pocl_names_the_device_and_says_no_gpu_is_used(tmp_path: Path) -> None:
    """Recorded on the rig: b11434 built with OpenCL, where PoCL's CPU device is the only one (llama.cpp drops
    it). Newer trees print ggml_opencl's lines only at -lv 4, given before --list-devices."""
    args_log = _fake_adreno_build(tmp_path, opencl=True)
    (tmp_path / "version.txt").write_text((LOGS / "llama-cli-version-b11434-cpu.txt").read_text())
    recorded = (LOGS / "llama-cli-list-devices-lv4-b11434-opencl-pocl.txt").read_text()
    fake = tmp_path / "dev/llm/llama.cpp/build/bin/llama-cli"
    fake.write_text(
        "#!/bin/sh\n"
        f'case "$*" in\n  --version) cat {tmp_path / "version.txt"} >&2 ;;\n'
        f"  '-lv 4 --list-devices') cat {tmp_path / 'devices.txt'} >&2 ;;\n"
        f"  *) echo \"$@\" >> {args_log}; echo 'Available devices:'; echo '  (none)' ;;\nesac\n"
    )
    (tmp_path / "devices.txt").write_text(recorded)
    rc, evs, out = run_script("verify.sh", tmp_path)
    assert rc == 0, out
    assert not args_log.exists(), "only `-lv 4 --list-devices` was asked"
    infos = _verify_infos(evs)
    assert infos["backend"] == "OpenCL"
    assert infos["opencl_platform"] == "Portable Computing Language"
    device = "pthread-skylake-avx512-AMD EPYC"
    assert (
        infos["opencl_device"]
        == f"{device} (OpenCL 3.0 PoCL HSTR: pthread-x86_64-pc-linux-gnu-skylake-avx512)"
    )
    assert infos["opencl_dropped"] == device
    assert (infos["gpu"], infos["gpu_used"]) == ("none", "no")
    (warn,) = of_kind(evs, "warn")
    assert f"found no Adreno GPU (OpenCL devices: {device} (OpenCL 3.0 PoCL HSTR: " in warn.message
    assert warn.message.endswith("no GPU is used, models will run on the CPU")
    result = _setup_result(infos)
    assert not result.gpu_used and result.gpu_reason == "no_device"


def test_verify_cpu_build_with_no_device(tmp_path: Path) -> None:
    _fake_adreno_build(
        tmp_path, devices=(LOGS / "llama-cli-list-devices-b11434-cpu.txt").read_text(), opencl=False
    )
    rc, evs, out = run_script("verify.sh", tmp_path)
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert infos["backend"] == "CPU"
    assert (infos["gpu"], infos["gpu_used"]) == ("none", "no")


# --- preflight branches a rig cannot have: stand-in commands on PATH ----------------------------------------
# Each stand-in is a small script in a folder put first on PATH; anything it does not cover goes to the real
# command, so the scripts run as they would on a board with a wrong clock, a failed zap firmware load,
# Ubuntu Desktop's packages or little RAM.


def _shims(tmp_path: Path, **scripts: str) -> dict[str, str]:
    """A PATH with stand-ins (name → bash body) in front of the real one."""
    bindir = tmp_path / "shims"
    bindir.mkdir(exist_ok=True)
    for name, body in scripts.items():
        path = bindir / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(0o755)
    return {"PATH": f"{bindir}:{os.environ['PATH']}"}


def _date_at(epoch: int) -> str:
    """A `date` whose clock says `epoch`; calls that name their own date (-d) go to the real one."""
    real = shutil.which("date")
    return (
        f'for a in "$@"; do case $a in -d|--date*) exec {real} "$@" ;; esac; done\n'
        f'exec {real} -d @{epoch} "$@"'
    )


def _newest_in_usr() -> int:
    """What preflight.sh compares the clock with: the newest mtime in /usr/{bin,lib,share}, depth ≤ 1."""
    newest = 0.0
    for top in ("/usr/bin", "/usr/lib", "/usr/share"):
        newest = max(newest, os.stat(top).st_mtime)
        with os.scandir(top) as entries:
            for entry in entries:
                try:
                    newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
                except OSError:
                    continue
    return int(newest)


_PREFLIGHT_ENV = {"RPS_SKIP_NETWORK_CHECK": "1", "RPS_GPU": "auto"}


def test_preflight_stops_on_a_clock_years_behind_and_says_how_to_fix_it(tmp_path: Path) -> None:
    env = {**_PREFLIGHT_ENV, **_shims(tmp_path, date=_date_at(946684800))}  # 2000-01-01, a board without RTC
    rc, evs, out = run_script("preflight.sh", tmp_path, env=env)
    assert rc == 1, out
    failed = of_kind(evs, "failed")[-1]
    assert (failed.step, failed.code) == ("preflight", "E_CLOCK")
    assert "the board's clock says 2000-01-01 00:00 UTC" in failed.message
    assert "sudo timedatectl set-ntp true" in failed.message
    assert "sudo date -s '" in failed.message
    # Stopped first: nothing after the clock was checked (disk, sources) on a clock that breaks TLS and git.
    assert "disk_free_mb" not in {k for e in of_kind(evs, "info") for k in e.data}


def test_preflight_stops_on_a_clock_behind_the_installed_files(tmp_path: Path) -> None:
    """A plausible year, but days before files installed on the board: as wrong for TLS as the year 2000."""
    newest = _newest_in_usr()
    behind = newest - 5 * 86400
    if time.gmtime(behind).tm_year < 2025:
        pytest.skip("this machine's files are older than the year check; that branch is the other test")
    env = {**_PREFLIGHT_ENV, **_shims(tmp_path, date=_date_at(behind))}
    rc, evs, out = run_script("preflight.sh", tmp_path, env=env)
    assert rc == 1, out
    failed = of_kind(evs, "failed")[-1]
    assert failed.code == "E_CLOCK"
    assert f"is behind files installed on {time.strftime('%Y-%m-%d', time.gmtime(newest))}" in failed.message
    assert "sudo timedatectl set-ntp true" in failed.message
    # The same clock with the check switched off (RPS_IGNORE_CLOCK=1) goes on.
    rc, evs, out = run_script("preflight.sh", tmp_path, env={**env, "RPS_IGNORE_CLOCK": "1"})
    assert rc == 0, out


def test_preflight_right_clock_passes(tmp_path: Path) -> None:
    rc, evs, out = run_script("preflight.sh", tmp_path, env=_PREFLIGHT_ENV)
    assert rc == 0, out
    assert not [e for e in evs if e.code == "E_CLOCK"]


# The kernel log line of rubikpi-ai/linux#20 (reference/board-and-llama-cpp-facts.md).
_ZAP_LINE = "[    6.512345] kgsl-3d: loading qcom/qcm6490/a660_zap.mbn failed with error -40"


@pytest.mark.parametrize("log_tool", ["dmesg", "journalctl"])
def test_preflight_explains_the_zap_firmware_error_in_the_kernel_log(tmp_path: Path, log_tool: str) -> None:
    kernel_log = (
        f"[    0.0] Booting Linux on physical CPU 0x0\n{_ZAP_LINE}\n[    7.0] adreno 3d00000.gpu: bound\n"
    )
    (tmp_path / "klog.txt").write_text(kernel_log)
    if log_tool == "dmesg":
        shims = {"dmesg": f"cat {tmp_path / 'klog.txt'}"}
    else:  # dmesg refused (kernel.dmesg_restrict for a normal user): the journal has the kernel log too
        shims = {
            "dmesg": "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1",
            "journalctl": f'[[ " $* " == *" -k "* ]] || exit 1; cat {tmp_path / "klog.txt"}',
        }
    rc, evs, out = run_script("preflight.sh", tmp_path, env={**_PREFLIGHT_ENV, **_shims(tmp_path, **shims)})
    assert rc == 0, out
    zap = [e.message for e in of_kind(evs, "warn") if "zap.mbn" in e.message]
    assert len(zap) == 1, of_kind(evs, "warn")
    assert "a660_zap.mbn failed with error -40" in zap[0]
    assert "rubikpi-ai/linux#20" in zap[0]
    assert "sudo apt update && sudo apt full-upgrade" in zap[0] and "reboot" in zap[0]


def test_preflight_without_the_zap_error_says_nothing_about_it(tmp_path: Path) -> None:
    env = {**_PREFLIGHT_ENV, **_shims(tmp_path, dmesg="echo '[    1.0] kgsl-3d: initialised'")}
    rc, evs, out = run_script("preflight.sh", tmp_path, env=env)
    assert rc == 0, out
    assert not [e for e in of_kind(evs, "warn") if "zap" in e.message]


def _dpkg_query(installed: dict[str, str]) -> str:
    """A dpkg-query that knows only `installed` (package → version); every other package is not installed."""
    cases = "\n".join(
        f'    {pkg}) out+="ii ${{fmt_version:+{ver}}}"; found=1 ;;' for pkg, ver in installed.items()
    )
    return f"""fmt_version=''
pkgs=()
for a in "$@"; do
  case $a in
    -W | --show) ;;
    -f*) [[ $a == *Version* ]] && fmt_version=1 ;;
    *) pkgs+=("$a") ;;
  esac
done
out='' found=0
for p in "${{pkgs[@]}}"; do
  case $p in
{cases}
    *) echo "dpkg-query: no packages found matching $p" >&2 ;;
  esac
done
printf '%s' "$out"
[[ $found == 1 ]]"""


_SWITCH = (
    "sudo apt-get install qcom-adreno1; sudo apt-get remove ubuntu-desktop; sudo apt remove gdm3; sudo reboot"
)


def test_preflight_on_ubuntu_desktop_explains_the_switch_to_the_server_image(tmp_path: Path) -> None:
    """Ubuntu Desktop (ubuntu-desktop, gdm3) runs Freedreno, which has no OpenCL: say how to switch."""
    shims = _shims(tmp_path, **{"dpkg-query": _dpkg_query({"ubuntu-desktop": "1.539", "gdm3": "46.0"})})
    rc, evs, out = run_script("preflight.sh", tmp_path, env={**_PREFLIGHT_ENV, **shims})
    assert rc == 0, out
    infos = {k: v for e in of_kind(evs, "info") for k, v in e.data.items()}
    assert infos["qcom_adreno1"] == "no"
    assert infos["build"] == "cpu"
    warns = [e.message for e in of_kind(evs, "warn")]
    switch = [w for w in warns if "Freedreno" in w]
    assert len(switch) == 1, warns
    assert "has no OpenCL" in switch[0]
    assert _SWITCH in switch[0]
    assert any(w.startswith("building for the CPU: ") for w in warns)


def test_preflight_with_qcom_adreno1_reports_the_package_and_no_desktop_switch(tmp_path: Path) -> None:
    """The server image's driver package is there (no Freedreno desktop): its version is reported and the
    desktop→server advice is not given; without /dev/kgsl-3d0 (this machine) the reason names KGSL."""
    shims = _shims(tmp_path, **{"dpkg-query": _dpkg_query({"qcom-adreno1": "1.0.0-ubuntu1"})})
    rc, evs, out = run_script("preflight.sh", tmp_path, env={**_PREFLIGHT_ENV, **shims})
    assert rc == 0, out
    infos = {k: v for e in of_kind(evs, "info") for k, v in e.data.items()}
    assert infos["qcom_adreno1"] == "1.0.0-ubuntu1"
    assert not [e for e in of_kind(evs, "warn") if "Freedreno" in e.message]
    if not os.path.exists("/dev/kgsl-3d0"):
        assert infos["gpu_reason"].startswith("no /dev/kgsl-3d0")


# --- build.sh's temporary swap file ------------------------------------------------------------------------


def _meminfo(tmp_path: Path, *, available_mb: int, swap_mb: int, total_mb: int = 3800) -> Path:
    path = tmp_path / "meminfo"
    path.write_text(
        f"MemTotal:       {total_mb * 1024} kB\nMemFree:        {available_mb * 512} kB\n"
        f"MemAvailable:   {available_mb * 1024} kB\nSwapTotal:      {swap_mb * 1024} kB\n"
    )
    return path


def _swap_board(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Stand-ins for a normal user with password-less sudo: `id -u` says 1000 and `sudo` only writes down
    what it was asked to run (nothing touches this machine's swap). Returns (env, the sudo call log)."""
    calls = tmp_path / "sudo-calls.txt"
    real_id = shutil.which("id")
    env = _shims(
        tmp_path,
        id=f'if [[ $* == -u ]]; then echo 1000; else exec {real_id} "$@"; fi',
        sudo=(
            '[[ $* == "-n true" ]] && exit 0\n[[ $1 == -n ]] && shift\n[[ $1 == -- ]] && shift\n'
            f'printf "%s\\n" "$*" >>{calls}'
        ),
    )
    return env, calls


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None, reason="needs cmake, ninja"
)
def test_build_adds_a_swap_file_when_ram_is_short_and_removes_it_afterwards(tmp_path: Path) -> None:
    repo, commit = _fake_llama_source(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    shims, calls = _swap_board(tmp_path)
    swap_file = tmp_path / "rps.swap"
    env = {
        **shims,
        "RPS_LLAMA_REPO": str(repo),
        "RPS_LLAMA_REF": commit,
        "RPS_GPU": "off",
        "RPS_MEMINFO": str(_meminfo(tmp_path, available_mb=1200, swap_mb=0)),
        "RPS_SWAP_FILE": str(swap_file),
    }
    rc, evs, out = run_script("build.sh", home, env=env)
    assert rc == 0, out
    assert f"adding a temporary 2048 MB swap file at {swap_file} (only 1200 MB RAM free)" in out
    assert f"removed the temporary swap file {swap_file}" in out
    assert calls.read_text().splitlines() == [
        f"fallocate -l 2048M {swap_file}",
        f"chmod 600 {swap_file}",
        f"mkswap {swap_file}",
        f"swapon {swap_file}",
        f"swapoff {swap_file}",
        f"rm -f {swap_file}",
    ]
    infos = {k: v for e in of_kind(evs, "info") if e.step == "build" for k, v in e.data.items()}
    assert infos["jobs"] == "1", "1200 MB free: one compiler at a time"
    # Removed on exit (a trap), after the build's last event: so a failure or a cancel removes it too.
    assert out.index("removed the temporary swap file") > out.index("@rps1 done build")


@pytest.mark.skipif(
    shutil.which("cmake") is None or shutil.which("ninja") is None, reason="needs cmake, ninja"
)
def test_build_removes_the_swap_file_when_the_compile_fails(tmp_path: Path) -> None:
    repo, commit = _broken_source(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    shims, calls = _swap_board(tmp_path)
    swap_file = tmp_path / "rps.swap"
    env = {
        **shims,
        "RPS_LLAMA_REPO": str(repo),
        "RPS_LLAMA_REF": commit,
        "RPS_GPU": "off",
        "RPS_MEMINFO": str(_meminfo(tmp_path, available_mb=900, swap_mb=512)),
        "RPS_SWAP_FILE": str(swap_file),
    }
    rc, evs, out = run_script("build.sh", home, env=env)
    assert rc == 1, out
    assert of_kind(evs, "failed")[-1].code == "E_BUILD"
    assert calls.read_text().splitlines()[-2:] == [f"swapoff {swap_file}", f"rm -f {swap_file}"]


@pytest.mark.parametrize(
    ("available_mb", "swap_mb", "swap_setting"),
    [(8000, 0, "auto"), (1200, 4096, "auto"), (1200, 0, "off")],
    ids=["plenty-of-ram", "enough-swap-already", "swap-off"],
)
def test_swap_is_added_only_when_ram_and_swap_are_short(
    tmp_path: Path, available_mb: int, swap_mb: int, swap_setting: str
) -> None:
    meminfo = _meminfo(tmp_path, available_mb=available_mb, swap_mb=swap_mb)
    rc, _ = run_bash("rps_needs_swap", env={"RPS_MEMINFO": str(meminfo), "RPS_SWAP": swap_setting})
    assert rc == 1
    rc, _ = run_bash(
        "rps_needs_swap", env={"RPS_MEMINFO": str(_meminfo(tmp_path, available_mb=1200, swap_mb=0))}
    )
    assert rc == 0, "the short case (1200 MB free, no swap) does add one"


def test_verify_asks_again_when_the_opencl_lines_were_lost(tmp_path: Path) -> None:
    """llama.cpp's log worker can be cut short by --list-devices' exit(): the `ggml_opencl` lines of a new
    tree's `-lv 4 --list-devices` then never appear (seen with the real PoCL build here, about 1 run in 8 on a
    busy machine). A stand-in llama-cli drops them on its first listing; verify asks again and names the
    device."""
    bindir = tmp_path / "dev/llm/llama.cpp/build/bin"
    bindir.mkdir(parents=True)
    (bindir.parent / "CMakeCache.txt").write_text("GGML_OPENCL:BOOL=ON\n")
    calls = tmp_path / "listings"
    lines = (
        "0.00.036.957 I ggml_opencl: selected platform: 'Portable Computing Language'\n"
        "0.00.038.183 I \nggml_opencl: device: 'pthread-znver3-AMD EPYC (OpenCL 3.0 PoCL HSTR: x)'\n"
        "0.00.038.207 W ggml_opencl: drop unsupported device 'pthread-znver3-AMD EPYC'.\n"
    )
    (tmp_path / "lines.txt").write_text(lines)
    fake = bindir / "llama-cli"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --version ]; then\n'
        "  echo 'version: 7000 (build 7000, commit abcdef12)' >&2\n"
        "  exit 0\n"
        "fi\n"
        f"echo x >> {calls}\n"
        f'[ "$(wc -l < {calls})" -ge 2 ] && cat {tmp_path / "lines.txt"} >&2\n'
        "printf 'Available devices:\\n  (none)\\n'\n"
    )
    fake.chmod(0o755)
    rc, evs, out = run_script("verify.sh", tmp_path)
    assert rc == 0, out
    infos = _verify_infos(evs)
    assert calls.read_text().count("x") == 2, "asked once more, then stopped"
    assert infos["opencl_platform"] == "Portable Computing Language"
    assert infos["opencl_device"].startswith("pthread-znver3-AMD EPYC (OpenCL 3.0 PoCL")
    assert infos["opencl_dropped"] == "pthread-znver3-AMD EPYC"
