"""What llama.cpp's tools print, parsed; and which flags the installed version takes. Pure: no I/O.

Sources of the formats: the manual's sample output (reference/llama_cpp_rubikpi_manual.md, b6362) and the
b11434 tree's format strings (reference/board-and-llama-cpp-facts.md §C6, §D1), checked against output
recorded from real builds in tests/data/logs/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --- version -------------------------------------------------------------------------------------------

# b6362 era: `version: 6166 (c36e54d06)`; newer: `version: 0.6.0-dev (build 11434, commit 8a98145c)`.
_VERSION_NEW = re.compile(r"^version: (\S+) \(build (\d+), commit ([^)\s]+)\)", re.M)
_VERSION_OLD = re.compile(r"^version: (\d+) \(([0-9a-fA-F]+|unknown)\)", re.M)
_BUILT_WITH = re.compile(r"^built with (.+) for (.+?)\s*$", re.M)


@dataclass(frozen=True)
class LlamaVersion:
    build_number: int  # 0 when built from a tree without git and without -DLLAMA_BUILD_NUMBER
    commit: str  # short commit, or "unknown"
    version: str = ""  # semantic version of newer trees ("0.6.0-dev"); empty for old ones
    compiler: str = ""
    target: str = ""

    @property
    def label(self) -> str:
        """How llama.cpp names itself in /props and system_fingerprint: `b6362-f6da8cb8`."""
        return f"b{self.build_number}-{self.commit}"


def parse_version(text: str) -> LlamaVersion | None:
    """The output of `llama-cli --version` (either format), or None if it has no version line."""
    compiler = target = ""
    if m := _BUILT_WITH.search(text):
        compiler, target = m.group(1), m.group(2)
    if m := _VERSION_NEW.search(text):
        return LlamaVersion(int(m.group(2)), m.group(3), m.group(1), compiler, target)
    if m := _VERSION_OLD.search(text):
        return LlamaVersion(int(m.group(1)), m.group(2), "", compiler, target)
    return None


# --- flags per version ---------------------------------------------------------------------------------

# The manual's tested build. Every difference below is known at these two points (b6362 and b11434); where
# exactly between them each changed is not pinned down, so the thresholds are the last build known to behave
# the old way plus one. Builds whose number is unknown (0: a tarball built without the number) are treated as
# new. Probing the installed files (has_completion_binary) beats the number where the caller can.
MANUAL_BUILD = 6362
_NEW_BEHAVIOUR_FROM = MANUAL_BUILD + 1


@dataclass(frozen=True)
class LlamaFeatures:
    completion_binary: str  # one-shot text generation: llama-completion (new) or llama-cli (old)
    completion_args: tuple[str, ...]  # flags that make it one-shot (`-no-cnv`)
    load_log_args: tuple[str, ...]  # flags that make `load_tensors:`/`ggml_opencl:` lines appear
    has_prebuilt_ui_option: bool  # cmake option LLAMA_USE_PREBUILT_UI (fetches the web UI at configure)
    needs_explicit_port_notice: bool  # default port 8080 prints a "will change" notice: always pass --port


def features(version: LlamaVersion | None, *, has_completion_binary: bool | None = None) -> LlamaFeatures:
    """Which flags the installed llama.cpp takes."""
    number = version.build_number if version else 0
    is_new = number == 0 or number >= _NEW_BEHAVIOUR_FROM
    has_completion = is_new if has_completion_binary is None else has_completion_binary
    return LlamaFeatures(
        completion_binary="llama-completion" if has_completion else "llama-cli",
        # `-no-cnv` is accepted by llama-completion, and by the old llama-cli; the new llama-cli rejects it.
        completion_args=("-no-cnv",),
        # Newer trees map libllama's INFO to verbosity 4 while the default threshold is 3.
        load_log_args=("-lv", "4") if is_new else (),
        has_prebuilt_ui_option=is_new,
        needs_explicit_port_notice=is_new,
    )


# --- backend / device ----------------------------------------------------------------------------------

_OCL_PLATFORM = re.compile(r"ggml_opencl: selected platform: '([^']*)'")
_OCL_DEVICE = re.compile(r"ggml_opencl: device: '(.*) \((.*)\)'\s*$", re.M)
_OCL_DRIVER = re.compile(r"ggml_opencl: OpenCL driver: (.+?)\s*$", re.M)
_OCL_FAIL = re.compile(
    r"ggml_opencl: (platform IDs not available\.|could find any OpenCL devices\.|drop unsupported device .*"
    r"|unsupported GPU .*|OpenCL 2\.0 or above is required.*)\s*$",
    re.M,
)
_OFFLOADED = re.compile(r"load_tensors: offloaded (\d+)/(\d+) layers to GPU")
_LIST_DEVICE = re.compile(r"^\s+(\w+): (.*?)(?: \((\d+) MiB, (\d+) MiB free\))?\s*$")


def is_adreno(name: str) -> bool:
    """Drivers call the GPU "QUALCOMM Adreno(TM) 635/643" or only "QUALCOMM ..."; both are the Adreno."""
    low = name.lower()
    return "adreno" in low or "qualcomm" in low


@dataclass(frozen=True)
class Device:
    name: str  # backend device name, e.g. GPUOpenCL
    description: str  # e.g. QUALCOMM Adreno(TM) 643
    total_mib: int | None = None
    free_mib: int | None = None


def parse_list_devices(text: str) -> list[Device]:
    """`llama-cli --list-devices`: `Available devices:`, then per device
    `  GPUOpenCL: <description> (<total> MiB, <free> MiB free)`."""
    devices: list[Device] = []
    in_list = False
    for line in text.splitlines():
        if line.startswith("Available devices:"):
            in_list = True
            continue
        if in_list and (m := _LIST_DEVICE.match(line)):
            total = int(m.group(3)) if m.group(3) else None
            free = int(m.group(4)) if m.group(4) else None
            devices.append(Device(m.group(1), m.group(2), total, free))
        elif in_list and line.strip():
            in_list = False
    return devices


@dataclass(frozen=True)
class BackendInfo:
    backend: str  # "OpenCL" or "CPU"
    device: str = ""  # OpenCL device name, e.g. "QUALCOMM Adreno(TM) 635"
    device_version: str = ""  # e.g. "OpenCL 3.0 Adreno(TM) 635"
    platform: str = ""
    driver: str = ""
    is_gpu_used: bool = False  # an Adreno device is selected and (when a model was loaded) layers went to it
    offloaded: int | None = None
    total_layers: int | None = None
    problems: list[str] = field(default_factory=list)  # ggml_opencl's reasons for not using a device

    @property
    def is_adreno(self) -> bool:
        return is_adreno(self.device)

    def summary(self) -> str:
        if not self.is_gpu_used:
            why = f" ({self.problems[0]})" if self.problems else ""
            return f"CPU{why}"
        layers = f", {self.offloaded}/{self.total_layers} layers" if self.offloaded is not None else ""
        return f"GPU: {self.device}{layers}"


def parse_backend(text: str, devices: list[Device] | None = None) -> BackendInfo:
    """Backend facts from a llama.cpp log (`ggml_opencl:` lines, `load_tensors: offloaded N/M`) and/or
    `--list-devices` output. The GPU counts as used only when an Adreno device is there and, if a model was
    loaded, at least one layer was offloaded to it."""
    devices = devices if devices is not None else parse_list_devices(text)
    platform = m.group(1) if (m := _OCL_PLATFORM.search(text)) else ""
    device = device_version = ""
    if m := _OCL_DEVICE.search(text):
        device, device_version = m.group(1), m.group(2)
    driver = m.group(1) if (m := _OCL_DRIVER.search(text)) else ""
    problems = [m.group(1) for m in _OCL_FAIL.finditer(text)]
    gpu_devices = [d for d in devices if d.name.startswith("GPU") or "OpenCL" in d.name]
    if not device and gpu_devices:
        device = gpu_devices[0].description
    offloaded = total = None
    for m in _OFFLOADED.finditer(text):
        offloaded, total = int(m.group(1)), int(m.group(2))
    has_opencl = bool(platform or device or problems or any("OpenCL" in d.name for d in devices))
    used = bool(device) and is_adreno(device) and (offloaded is None or offloaded > 0)
    return BackendInfo(
        backend="OpenCL" if has_opencl else "CPU",
        device=device,
        device_version=device_version,
        platform=platform,
        driver=driver,
        is_gpu_used=used,
        offloaded=offloaded,
        total_layers=total,
        problems=problems,
    )


# --- llama-quantize progress, llama_perf lines ---------------------------------------------------------

_QUANT_PROGRESS = re.compile(r"^\[\s*(\d+)/\s*(\d+)\]\s+(\S+)")


@dataclass(frozen=True)
class QuantizeProgress:
    index: int
    total: int
    tensor: str

    @property
    def fraction(self) -> float:
        return self.index / self.total if self.total else 0.0


def parse_quantize_progress(line: str) -> QuantizeProgress | None:
    """`[  12/ 201]                   blk.0.attn_k.weight - [  576,   192,     1,     1], type = ...`"""
    m = _QUANT_PROGRESS.match(line)
    if not m:
        return None
    return QuantizeProgress(int(m.group(1)), int(m.group(2)), m.group(3))


# b6362: `llama_perf_context_print:` / `llama_perf_sampler_print:`; b11434's llama-completion prints the same
# figures as `common_perf_print:` (recorded in tests/data/logs/llama-completion-b11434-cpu.txt). A rate can be
# `inf` (prompt of 0 ms).
_PERF = re.compile(
    r"(?P<who>llama_perf_\w+_print|common_perf_print):\s+(?P<name>[\w ]+?)\s+=\s+(?P<ms>[\d.]+) ms"
    r"(?: /\s+(?P<count>\d+) (?P<unit>\w+))?"
    r"(?:\s+\(\s*(?P<per>[\d.]+) ms per token,\s+(?P<tps>[\d.]+|inf) tokens per second\))?"
    r"|(?P<who2>llama_perf_\w+_print|common_perf_print):\s+(?P<name2>[\w ]+?)\s+=\s+(?P<value>\d+)\s*$"
)


@dataclass(frozen=True)
class PerfLine:
    source: str  # llama_perf_context_print / llama_perf_sampler_print / common_perf_print
    name: str  # "load time", "prompt eval time", "eval time", "total time", "sampling time", "graphs reused"
    ms: float | None = None
    count: int | None = None  # tokens or runs
    unit: str = ""  # "tokens" / "runs"
    tokens_per_second: float | None = None
    value: int | None = None  # for counters like "graphs reused"


def parse_perf_line(line: str) -> PerfLine | None:
    """`llama_perf_context_print:        eval time =   13214.35 ms /   127 runs   (  104.05 ms per token,
    9.61 tokens per second)` and its siblings."""
    m = _PERF.search(line)
    if not m:
        return None
    if m.group("who2"):
        return PerfLine(m.group("who2"), m.group("name2"), value=int(m.group("value")))
    return PerfLine(
        source=m.group("who"),
        name=m.group("name"),
        ms=float(m.group("ms")),
        count=int(m.group("count")) if m.group("count") else None,
        unit=m.group("unit") or "",
        tokens_per_second=float(m.group("tps")) if m.group("tps") else None,
    )


def parse_perf(text: str) -> dict[str, PerfLine]:
    """All llama_perf lines of a log by name ("eval time", ...); a later line wins."""
    out: dict[str, PerfLine] = {}
    for line in text.splitlines():
        if (p := parse_perf_line(line)) is not None:
            out[p.name] = p
    return out
