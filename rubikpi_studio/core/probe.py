"""What the board is: OS, CPU, memory, disk, GPU/OpenCL, an existing llama.cpp build, sudo.

One remote command (remote/lib.sh and remote/probe.sh fed on stdin) collects everything as key=value lines.
lib.sh goes first so the probe reads the setup's own apt list and GPU choice instead of a copy of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .appdirs import remote_dir
from .errors import UsageError
from .ssh import Board


@dataclass(frozen=True)
class BoardFacts:
    os_id: str = ""
    os_version: str = ""
    os_name: str = ""
    arch: str = ""
    kernel: str = ""
    hostname: str = ""
    model: str = ""
    cpu_cores: int = 0
    mem_total_kb: int = 0
    mem_available_kb: int = 0
    swap_total_kb: int = 0
    home: str = ""
    disk_free_kb: int = 0
    disk_total_kb: int = 0
    clock_epoch: int = 0
    kgsl_device: bool = False
    gpu_model: str = ""
    adreno_pkg: str = ""
    desktop_pkg: bool = False
    opencl_lib: str = ""
    opencl_icds: str = ""
    llama_bin: str = ""
    llama_version: str = ""
    scripts_version: str = ""
    sudo: str = ""  # nopasswd | password | missing
    systemd: bool = False
    # What the setup would do (from remote/lib.sh): the build it makes, apt packages, OpenCL, the source.
    gpu_build: str = ""  # opencl | cpu (empty: an older probe)
    dpkg: bool = False
    apt_wanted: str = ""  # space-separated
    apt_missing: str = ""
    opencl_include: str = ""  # folder holding CL/cl.h
    opencl_loader: str = ""  # libOpenCL to link against
    llama_src: bool = False  # ~/dev/llm/llama.cpp is a git clone

    @property
    def is_rubikpi(self) -> bool:
        text = f"{self.model} {self.hostname}".lower()
        return "rubik" in text or "qcs6490" in text or "qcm6490" in text

    @property
    def has_adreno_opencl(self) -> bool:
        """The Qualcomm driver stack llama.cpp's OpenCL backend needs (qcom-adreno1 + KGSL)."""
        return self.kgsl_device and bool(self.opencl_lib)

    @property
    def has_llama_cpp(self) -> bool:
        return bool(self.llama_bin)

    @property
    def apt_packages_missing(self) -> tuple[str, ...]:
        return tuple(self.apt_missing.split())

    @property
    def apt_packages_present(self) -> tuple[str, ...]:
        missing = set(self.apt_missing.split())
        return tuple(p for p in self.apt_wanted.split() if p not in missing)

    @property
    def sudo_needs_password(self) -> bool:
        return self.sudo == "password"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            is_rubikpi=self.is_rubikpi,
            has_adreno_opencl=self.has_adreno_opencl,
            has_llama_cpp=self.has_llama_cpp,
        )
        return out

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) pairs for people, in reading order."""
        gib = 1024 * 1024
        gpu = self.gpu_model or ("Adreno (KGSL)" if self.kgsl_device else "no Adreno GPU driver (KGSL) found")
        if self.has_adreno_opencl:
            opencl = f"yes ({self.opencl_lib})"
        elif self.opencl_lib:
            opencl = f"library only ({self.opencl_lib}), no Adreno GPU"
        else:
            opencl = "no"
        return [
            ("Board", self.model or self.hostname),
            ("Operating system", self.os_name or f"{self.os_id} {self.os_version}"),
            ("Architecture", self.arch),
            ("CPU cores", str(self.cpu_cores)),
            ("Memory", f"{self.mem_total_kb / gib:.1f} GiB ({self.mem_available_kb / gib:.1f} GiB free)"),
            ("Free disk in home", f"{self.disk_free_kb / gib:.1f} GiB"),
            ("GPU", gpu),
            ("OpenCL", opencl),
            ("llama.cpp", self.llama_version or self.llama_bin or "not installed"),
            (
                "sudo",
                {"nopasswd": "without password", "password": "asks for the password"}.get(
                    self.sudo, "missing"
                ),
            ),
        ]


def parse_facts(text: str) -> BoardFacts:
    fields = BoardFacts.__dataclass_fields__
    values: dict[str, Any] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or key not in fields:
            continue
        kind = fields[key].type
        if kind == "int":
            try:
                values[key] = int(value.strip() or 0)
            except ValueError:
                values[key] = 0
        elif kind == "bool":
            values[key] = value.strip() == "yes"
        else:
            values[key] = value.strip()
    return BoardFacts(**values)


def probe(board: Board, *, env: Mapping[str, str] | None = None) -> BoardFacts:
    """Read the board's facts. `env` sets the scripts' parameters the probe depends on (RPS_GPU,
    RPS_APT_PACKAGES, RPS_LLM_DIR), as the setup job would get them."""
    script = (remote_dir() / "lib.sh").read_bytes() + b"\n" + (remote_dir() / "probe.sh").read_bytes()
    argv = ["bash", "-s"]
    if env:
        for name in env:
            if not re.fullmatch(r"RPS_[A-Z0-9_]+", name):
                raise UsageError(f"Not a probe parameter: {name!r}")
        argv = ["env", *(f"{k}={v}" for k, v in env.items()), *argv]
    result = board.run(argv, stdin=script, check=True, timeout=60)
    return parse_facts(result.stdout)
