"""What the setup will install on a board, what is already there, and about how much disk and time it takes,
from the probe's facts (core/probe.py, which reads the setup's own apt list from remote/lib.sh).

The numbers are estimates and the UI says so. Their basis:
- llama.cpp: the source (a blob:none clone at the pinned commit) about 250 MB, one build folder of the
  binaries the app uses about 200 MB (149 MB measured for a CPU build on the test rig), the compile cache
  about 300 MB. The OpenCL headers and ICD loader, when built from source: about 60 MB.
- apt: the compiler (build-essential pulls gcc, g++ and libc6-dev) about 250 MB, any other package about
  30 MB.
- Time: compiling the app's binaries takes about 60–120 CPU-minutes on the RUBIK Pi 3's cores, spread over
  as many jobs as remote/build.sh runs (one per 1.5 GB of free memory, at most one per core): 15–30 minutes
  at the 4 jobs an 8 GB board gets. Downloads (apt, the source) depend on the network.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import CatalogueModel
from .probe import BoardFacts

MB = 1024 * 1024
SOURCE_MB = 250
BUILD_MB = 200
COMPILE_CACHE_MB = 300
OPENCL_MB = 60
COMPILER_PACKAGE = "build-essential"
COMPILER_MB = 250
PACKAGE_MB = 30
BUILD_CPU_MINUTES = (60, 120)
MB_PER_JOB = 1536  # remote/lib.sh RPS_MB_PER_JOB: build.sh runs one compile job per this much free memory


@dataclass(frozen=True)
class SetupEstimate:
    """The setup's plan for one board. Sizes in bytes; minutes as a (low, high) range."""

    apt_missing: tuple[str, ...]  # apt packages the setup installs
    apt_present: tuple[str, ...]  # apt packages it needs that are installed already
    build_llama: bool  # llama.cpp is built (False: a build exists and the setup is skipped)
    clone_llama: bool  # the source is downloaded (False: a clone is there)
    build_opencl: bool  # the OpenCL headers/loader are built from source
    opencl_present: bool  # an OpenCL build that finds the headers and loader already there
    gpu_build: bool  # the build is for the Adreno GPU (OpenCL); else the CPU
    jobs: int  # compile jobs
    build_bytes: int  # the build tree: packages, source, build folder, compile cache
    model: CatalogueModel | None
    model_bytes: int  # the model's downloads plus its quantized output

    @property
    def disk_bytes(self) -> int:
        return self.build_bytes + self.model_bytes

    @property
    def minutes(self) -> tuple[int, int]:
        if not self.build_llama:
            return (0, 1)  # the wizard skips the setup; only the checks run
        low, high = 1.0, 2.0  # preflight, verify, PATH
        if self.apt_missing:
            compiler = COMPILER_PACKAGE in self.apt_missing
            low, high = low + (2 if compiler else 1), high + (6 if compiler else 3)
        if self.clone_llama:
            low, high = low + 1, high + 5
        if self.build_opencl:
            low, high = low + 1, high + 3
        low += BUILD_CPU_MINUTES[0] / self.jobs
        high += BUILD_CPU_MINUTES[1] / self.jobs
        return (round(low), round(high))


def compile_jobs(facts: BoardFacts) -> int:
    """The compile jobs remote/build.sh will run: one per 1.5 GB of free memory, at most one per core."""
    jobs = (facts.mem_available_kb // 1024) // MB_PER_JOB
    return max(1, min(jobs, facts.cpu_cores or 1))


def estimate_setup(facts: BoardFacts, model: CatalogueModel | None = None) -> SetupEstimate:
    build = not facts.has_llama_cpp
    gpu = facts.gpu_build == "opencl" if facts.gpu_build else facts.has_adreno_opencl
    opencl_ready = bool(facts.opencl_include and facts.opencl_loader)
    missing = facts.apt_packages_missing if build else ()
    clone = build and not facts.llama_src
    build_opencl = build and gpu and not opencl_ready
    size_mb = 0
    if build:
        size_mb += BUILD_MB + COMPILE_CACHE_MB + (SOURCE_MB if clone else 0)
        size_mb += OPENCL_MB if build_opencl else 0
        size_mb += sum(COMPILER_MB if p == COMPILER_PACKAGE else PACKAGE_MB for p in missing)
    return SetupEstimate(
        apt_missing=missing,
        apt_present=facts.apt_packages_present,
        build_llama=build,
        clone_llama=clone,
        build_opencl=build_opencl,
        opencl_present=gpu and opencl_ready,
        gpu_build=gpu,
        jobs=compile_jobs(facts),
        build_bytes=size_mb * MB,
        model=model,
        model_bytes=model.disk_needed if model is not None else 0,
    )
