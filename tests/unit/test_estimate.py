"""The setup estimate (core/estimate.py) from probe facts: time follows the compile jobs the board gets (cores
and free memory, as remote/build.sh counts them) and whether a build exists; disk follows what is missing."""

from __future__ import annotations

from rubikpi_studio.core.catalogue import load_catalogue
from rubikpi_studio.core.estimate import compile_jobs, estimate_setup
from rubikpi_studio.core.probe import BoardFacts, parse_facts

GIB_KB = 1024 * 1024
WANTED = "cmake ninja-build git curl libcurl4-openssl-dev libssl-dev build-essential ccache python3"


def board(**kw: object) -> BoardFacts:
    base: dict[str, object] = dict(
        cpu_cores=8,
        mem_total_kb=8 * GIB_KB,
        mem_available_kb=6 * GIB_KB + 512 * 1024,
        disk_free_kb=40 * GIB_KB,
        gpu_build="cpu",
        dpkg=True,
        apt_wanted=WANTED,
    )
    base.update(kw)
    return BoardFacts(**base)  # type: ignore[arg-type]


def test_probe_lines_give_the_package_facts() -> None:
    facts = parse_facts(
        "apt_wanted=cmake git clinfo \napt_missing=git \ngpu_build=opencl\ndpkg=yes\nllama_src=no\n"
        "opencl_include=/usr/include\nopencl_loader=/usr/lib/aarch64-linux-gnu/libOpenCL.so.1\n"
    )
    assert facts.apt_packages_missing == ("git",)
    assert facts.apt_packages_present == ("cmake", "clinfo")
    assert facts.gpu_build == "opencl" and facts.dpkg and not facts.llama_src


def test_compile_jobs_follow_free_memory_and_cores() -> None:
    assert compile_jobs(board()) == 4  # 6.5 GiB free, 1.5 GB a job: what an 8 GB RUBIK Pi 3 gets
    assert compile_jobs(board(cpu_cores=2)) == 2
    assert compile_jobs(board(mem_available_kb=GIB_KB)) == 1


def test_time_depends_on_cores_and_on_an_existing_build() -> None:
    eight = estimate_setup(board()).minutes
    two = estimate_setup(board(cpu_cores=2)).minutes
    assert eight[0] < eight[1] and two[0] > eight[0] and two[1] > eight[1]
    assert eight[0] >= 10 and eight[1] <= 45  # about the manual's board: 20-40 minutes
    built = estimate_setup(board(llama_bin="/home/ubuntu/dev/llm/llama.cpp/build/bin", llama_src=True))
    assert built.minutes == (0, 1) and not built.build_llama and built.build_bytes == 0
    cloned = estimate_setup(board(llama_src=True))
    assert cloned.build_llama and not cloned.clone_llama and cloned.minutes[1] < eight[1]


def test_disk_counts_missing_packages_the_build_tree_and_the_model() -> None:
    model = min(load_catalogue(), key=lambda m: m.disk_needed)
    nothing_missing = estimate_setup(board(), model)
    compiler = estimate_setup(board(apt_missing="build-essential"), model)
    small = estimate_setup(board(apt_missing="ccache"), model)
    assert nothing_missing.apt_missing == () and compiler.apt_missing == ("build-essential",)
    assert nothing_missing.build_bytes < small.build_bytes < compiler.build_bytes
    assert compiler.disk_bytes == compiler.build_bytes + model.disk_needed
    assert compiler.minutes[1] > nothing_missing.minutes[1]  # apt work takes time


def test_an_opencl_build_adds_the_opencl_sources_only_when_they_are_missing() -> None:
    bare = estimate_setup(board(gpu_build="opencl"))
    ready = estimate_setup(
        board(gpu_build="opencl", opencl_include="/usr/include", opencl_loader="/usr/lib/libOpenCL.so.1")
    )
    assert bare.build_opencl and not bare.opencl_present and bare.gpu_build
    assert not ready.build_opencl and ready.opencl_present
    assert bare.build_bytes > ready.build_bytes and bare.minutes[1] > ready.minutes[1]
