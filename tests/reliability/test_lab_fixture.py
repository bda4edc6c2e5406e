"""The reliability fixtures take llama.cpp from the rig's build helpers and fail, never skip, without one:
a skip would let CI report the fault matrix, the secrets scan and the injection canary as green."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from reliability_lab import LLAMA_TOOLS, static_llama_bin


def test_no_build_possible_is_a_failure_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPS_LLAMA_BIN_DIR", str(tmp_path))  # a folder with no llama-server in it
    with pytest.raises(pytest.fail.Exception, match=r"cannot be built here.*RPS_LLAMA_BIN_DIR"):
        static_llama_bin()


def test_a_build_linked_against_libllama_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lab copies the tools into another account's home: a shared-library build would not run there."""
    lib = tmp_path / "libllama.so"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # A real program that needs libllama.so: the same ELF `ldd` reads, built from nothing but a C compiler.
    src = tmp_path / "main.c"
    src.write_text("extern int llama_x(void); int main(void) { return llama_x(); }\n")
    (tmp_path / "lib.c").write_text("int llama_x(void) { return 0; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(tmp_path / "lib.c")], check=True)
    for tool in LLAMA_TOOLS:
        subprocess.run(
            ["cc", "-o", str(bindir / tool), str(src), f"-L{tmp_path}", "-lllama", f"-Wl,-rpath,{tmp_path}"],
            check=True,
        )
    monkeypatch.setenv("RPS_LLAMA_BIN_DIR", str(bindir))
    with pytest.raises(pytest.fail.Exception, match="not a static CPU build"):
        static_llama_bin()


def test_the_rig_build_is_found_or_made() -> None:
    bindir = static_llama_bin()
    assert all((bindir / tool).is_file() for tool in LLAMA_TOOLS)
