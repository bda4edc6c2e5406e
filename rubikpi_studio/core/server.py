"""llama-server on the board: start, supervise, reach, stop.

The server runs as a detached job (`remote/server-supervise.sh` under `remote/job-start.sh`), so it keeps
serving when the app disconnects or quits. The supervisor restarts it after a crash with back-off and gives
up (with the last log lines) after repeated crashes or when the model cannot load at all. By default it
listens on the board's loopback and the app reaches it through an SSH port forward; LAN mode binds 0.0.0.0
and sets a generated API key, which travels to the server only in its environment (`LLAMA_API_KEY`).

    handle = start(board, ServerSpec(model="~/dev/llm/models/x.gguf"), report=print)
    handle.open_tunnel()          # → http://127.0.0.1:<local port>, for the chat
    status(board, handle)         # /health, /props, /v1/models + backend from the log
    stop(board)

`find(board)` adopts a server the app started earlier (job key) or one the user started by hand.
Defaults come from the manual: `--no-warmup -b 128 -c 2048 -np 1`, GPU offload (`-ngl 99 -fa off`) on an
OpenCL build, `-ngl 0` on the CPU; the command line follows the installed version (`llamacpp.features`).
"""

from __future__ import annotations

import base64
import json
import logging
import posixpath
import re
import secrets as _secrets
import shlex
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import jobs, llamacpp
from . import secrets as keyring_secrets
from .chat import ApiKeyRejected, ChatError, ServerEndpoint, ServerInfo, ServerLoading, probe_server
from .errors import RemoteFailed, StudioError, UsageError
from .events import FAILED, INFO, LOG, STEP_DONE, STEP_START, WARN, CancelToken, Event, Reporter, ignore
from .gguf import GgufInfo, NotGguf, read_gguf_info
from .probe import BoardFacts, probe
from .protocol import MARK, parse_line
from .ssh import Board, Forward

log = logging.getLogger(__name__)

JOB_KEY = "llama-server"
SCRIPT = "server-supervise.sh"
STATE_DIR = ".local/state/rubikpi-studio/server"  # spec.json, run.log, server.pid (relative to home)
MODELS_DIR = "dev/llm/models"
KERNEL_CACHE_DIR = ".cache/llama.cpp/cl-cache"
# Log lines of the server's job a handle keeps (for its log tail): llama-server logs ~20 lines per request and
# the supervisor runs for as long as the board is up.
LOG_EVENTS_KEPT = 200
# Adopting a running server reads at most this much of its job's log (see _skip_chatter).
CATCH_UP_LOAD_BYTES = 256 * 1024
CATCH_UP_TAIL_BYTES = 64 * 1024
CATCH_UP_MARKERS = 1000
DEFAULT_PORT = 9876  # the manual's port; 8080 makes newer builds print a "default will change" notice
MAX_EXTRA_CHARS = 1000
UNIT_NAME = "rubikpi-studio-server.service"

# Flags the app sets itself; an "advanced" field must not override them (or leak a key into `ps`).
CONTROLLED_FLAGS = frozenset(
    {
        "-m", "--model", "-mu", "--model-url", "-hf", "-hfr", "--hf-repo", "-hff", "--hf-file", "-dr",
        "--docker-repo", "--host", "--port", "--api-key", "--api-key-file", "-mm", "--mmproj",
        "-mmu", "--mmproj-url", "-ngl", "--gpu-layers", "--n-gpu-layers", "-c", "--ctx-size",
        "-np", "--parallel", "-lv", "--verbosity", "--log-verbosity", "-v", "--verbose", "--log-file",
        "--log-disable", "-t", "--threads", "-b", "--batch-size", "-fa", "--flash-attn",
        "--path", "--ssl-key-file", "--ssl-cert-file", "--models-dir", "--models-preset",
    }
)  # fmt: skip


# ----------------------------------------------------------------------------------------------- errors
class ServerProblem(StudioError):
    """The model server could not be started."""

    code = "E_SERVER_START"


class ExtraFlagsInvalid(UsageError):
    """The extra flags are not valid."""

    code = "E_SERVER_FLAGS"


class PortTaken(ServerProblem):
    """The port is already in use on the board."""

    code = "E_PORT_TAKEN"


class NotEnoughMemory(ServerProblem):
    """The model and its context do not fit in the board's free memory."""

    code = "E_NO_MEMORY"


class ModelMissing(ServerProblem):
    """The model file is not on the board or is not a usable GGUF file."""

    code = "E_MODEL_MISSING"


class NoLlamaServer(ServerProblem):
    """llama.cpp's llama-server is not installed on the board."""

    code = "E_NO_LLAMA_SERVER"


class ServerAlreadyRunning(ServerProblem):
    """Another model is already being served."""

    code = "E_SERVER_RUNNING"


class ServerFailed(ServerProblem):
    """The model server stopped and was not restarted."""

    code = "E_SERVER_FAILED"

    def __init__(self, message: str = "", *, log_tail: Sequence[str] = (), hint: str = "", **data: Any):
        super().__init__(message, hint=hint, **data)
        self.log_tail = list(log_tail)


class NoSystemd(ServerProblem):
    """The board has no systemd, so the server cannot start at boot."""

    code = "E_NO_SYSTEMD"


# ----------------------------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ServerSpec:
    """What to serve and how. Paths are on the board (`~/` allowed)."""

    model: str
    mmproj: str = ""
    gpu: bool = True  # offload to the Adreno GPU when the build has OpenCL and the board a GPU
    ctx: int = 2048
    batch: int = 128
    parallel: int = 1  # slots; each costs KV memory on an 8 GB board
    threads: int = 0  # 0: llama.cpp's default
    flash_attn: str = ""  # "" → the manual's "off" on the GPU path, llama.cpp's default on the CPU
    port: int = DEFAULT_PORT
    lan: bool = False  # bind 0.0.0.0 with an API key instead of the loopback
    extra: tuple[str, ...] = ()  # validated extra flags (see parse_extra_flags)
    warmup: bool = False  # the manual passes --no-warmup

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServerSpec:
        data = json.loads(text)
        names = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in names}
        values["extra"] = tuple(values.get("extra") or ())
        return cls(**values)


def parse_extra_flags(text: str) -> tuple[str, ...]:
    """The advanced field → separate argv items. Raises ExtraFlagsInvalid with the reason.

    Split like a shell would (quotes group), but never run by a shell. Each item that is not the value of
    the flag before it must start with '-'; flags the app controls (host, port, key, model, ...) are refused.
    """
    text = text.strip()
    if not text:
        return ()
    if len(text) > MAX_EXTRA_CHARS:
        raise ExtraFlagsInvalid(f"The extra flags are longer than {MAX_EXTRA_CHARS} characters.")
    if any(ord(c) < 32 and c not in "\t" for c in text):
        raise ExtraFlagsInvalid("The extra flags contain control characters.")
    try:
        items = shlex.split(text)
    except ValueError as exc:
        raise ExtraFlagsInvalid(f"The extra flags cannot be split: {exc}.") from None
    expect_value = False
    for i, item in enumerate(items):
        name = item.split("=", 1)[0]
        if item.startswith("-") and not _is_number(item):
            if name in CONTROLLED_FLAGS:
                raise ExtraFlagsInvalid(
                    f"{name} is set by the app; use its own setting instead of the extra flags.",
                    flag=name,
                )
            expect_value = "=" not in item
            continue
        if not expect_value or i == 0:
            raise ExtraFlagsInvalid(f"{item!r} is not a flag: flags start with '-'.", flag=item)
        expect_value = False  # one value per flag
    return tuple(items)


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def expand_home(path: str, home: str) -> str:
    if path == "~":
        return home
    if path.startswith("~/"):
        return f"{home}/{path[2:]}"
    if not path.startswith("/"):
        return f"{home}/{path}"
    return path


@dataclass(frozen=True)
class Plan:
    """The decided command line and why."""

    argv: tuple[str, ...]
    use_gpu: bool
    reason: str  # why GPU or CPU, for the user


def build_argv(
    spec: ServerSpec,
    binary: str,
    *,
    features: llamacpp.LlamaFeatures,
    has_gpu: bool,
) -> Plan:
    """The llama-server command line for `spec` on this build (pure; no secrets ever appear here)."""
    use_gpu = spec.gpu and has_gpu
    if spec.gpu and not has_gpu:
        reason = "CPU: no usable Adreno GPU (OpenCL) on this board or in this build"
    elif use_gpu:
        reason = "GPU: OpenCL (Adreno)"
    else:
        reason = "CPU: chosen"
    argv: list[str] = [binary, "-m", spec.model]
    if spec.mmproj:
        argv += ["--mmproj", spec.mmproj]
    if not spec.warmup:
        argv.append("--no-warmup")
    argv += ["-b", str(spec.batch), "-c", str(spec.ctx), "-np", str(spec.parallel)]
    argv += ["-ngl", "99" if use_gpu else "0"]
    fa = spec.flash_attn or ("off" if use_gpu else "")
    if fa:
        argv += ["-fa", fa]
    if spec.threads > 0:
        argv += ["-t", str(spec.threads)]
    argv += ["--host", "0.0.0.0" if spec.lan else "127.0.0.1", "--port", str(spec.port)]
    argv += list(features.load_log_args)
    argv += list(spec.extra)
    return Plan(tuple(argv), use_gpu, reason)


# ----------------------------------------------------------------------------------------------- memory
@dataclass(frozen=True)
class MemoryEstimate:
    model_bytes: int
    mmproj_bytes: int
    kv_bytes: int
    overhead_bytes: int

    @property
    def total(self) -> int:
        return self.model_bytes + self.mmproj_bytes + self.kv_bytes + self.overhead_bytes


def kv_cache_bytes(info: GgufInfo, ctx: int, slots: int = 1) -> int:
    """f16 K and V for every layer: 2 × n_layer × n_ctx × n_embd_kv × 2 bytes (n_embd_kv from GQA heads).

    With one slot (or llama.cpp's unified KV) the context is shared, so slots do not multiply it."""
    arch = info.architecture
    n_layer = info.block_count or 0
    n_embd = info.embedding_length or 0
    heads = info.metadata.get(f"{arch}.attention.head_count")
    heads_kv = info.metadata.get(f"{arch}.attention.head_count_kv", heads)
    if isinstance(heads, int) and isinstance(heads_kv, int) and heads > 0:
        n_embd_kv = n_embd * heads_kv // heads
    else:
        n_embd_kv = n_embd
    del slots  # llama-server splits -c between the slots: the total stays n_ctx
    return 2 * n_layer * ctx * n_embd_kv * 2


def estimate_memory(model: GgufInfo, model_size: int, ctx: int, mmproj_size: int = 0) -> MemoryEstimate:
    # Compute buffers and the runtime: measured ~100-300 MiB for small models; 256 MiB keeps a margin.
    return MemoryEstimate(model_size, mmproj_size, kv_cache_bytes(model, ctx), 256 * 2**20)


def listening_ports(proc_net_tcp: str) -> set[int]:
    """Ports in LISTEN state (st == 0A) from /proc/net/tcp and /proc/net/tcp6 text."""
    ports: set[int] = set()
    for line in proc_net_tcp.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[0] == "sl" or ":" not in parts[1]:
            continue
        if parts[3] != "0A":
            continue
        try:
            ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except ValueError:
            continue
    return ports


# ----------------------------------------------------------------------------------------------- the log
_MODEL_LOADING = re.compile(r"load_model: loading model '([^']*)'|llama_model_loader: loaded meta data")
_PROJECTOR = re.compile(r"loaded multimodal model, '([^']*)'|clip_model_loader: model name:")
_LISTENING = re.compile(r"listening on (http://\S+)|server is listening on (http://\S+)")
_MODEL_LOADED = re.compile(r"\bmodel loaded\b")
_LOAD_ERROR = re.compile(
    r"(exiting due to model loading error|failed to load model|error loading model.*|"
    r"couldn't bind HTTP server socket.*|exiting due to HTTP server error|unable to load model)"
)


@dataclass
class LoadStatus:
    """What the server's log said while loading: turned into steps as the lines arrive."""

    model: str = ""
    device: str = ""
    offloaded: int | None = None
    total_layers: int | None = None
    projector: bool = False
    listening: str = ""
    loaded: bool = False
    errors: list[str] = field(default_factory=list)
    backend_lines: list[str] = field(default_factory=list, repr=False)

    def backend(self) -> llamacpp.BackendInfo:
        return llamacpp.parse_backend("\n".join(self.backend_lines), devices=[])

    def feed(self, line: str) -> list[Event]:
        """One log line → the loading events it means (possibly none)."""
        out: list[Event] = []
        if "ggml_opencl:" in line or "load_tensors: offloaded" in line:
            self.backend_lines.append(line)
        if (m := _MODEL_LOADING.search(line)) and not self.model:
            self.model = m.group(1) or ""
            out.append(Event(STEP_START, step="model", message="Loading the model"))
        if "ggml_opencl: device:" in line:
            info = llamacpp.parse_backend(line, devices=[])
            if info.device:
                self.device = info.device
                out.append(
                    Event(
                        INFO,
                        step="device",
                        message=f"OpenCL device: {info.device}",
                        data={"device": info.device},
                    )
                )
        elif m := re.search(r"load_tensors: offloaded (\d+)/(\d+) layers to GPU", line):
            self.offloaded, self.total_layers = int(m.group(1)), int(m.group(2))
            out.append(
                Event(
                    INFO,
                    step="offload",
                    message=f"offloaded {self.offloaded}/{self.total_layers} layers to GPU",
                    data={"offloaded": self.offloaded, "total_layers": self.total_layers},
                )
            )
        elif _PROJECTOR.search(line) and not self.projector:
            self.projector = True
            out.append(
                Event(INFO, step="projector", message="Vision projector loaded", data={"projector": True})
            )
        elif (m := _LISTENING.search(line)) and not self.listening:
            self.listening = m.group(1) or m.group(2) or ""
            out.append(Event(INFO, step="listen", message=f"Listening on {self.listening}"))
        elif _MODEL_LOADED.search(line) and not self.loaded:
            self.loaded = True
            out.append(Event(STEP_DONE, step="model", message="model loaded"))
        elif m := _LOAD_ERROR.search(line):
            self.errors.append(line.strip())
        return out


def summarise_log(lines: Sequence[str]) -> LoadStatus:
    status = LoadStatus()
    for line in lines:
        status.feed(line)
    return status


# ----------------------------------------------------------------------------------------------- handles
@dataclass
class ServerHandle:
    """A server on the board the app knows about: started by the app (a job) or by hand (a pid)."""

    board: Board
    port: int
    host: str  # what it binds: 127.0.0.1 or 0.0.0.0
    model: str
    spec: ServerSpec | None = None  # None for a server started by hand
    mmproj: str = ""  # the projector it loaded, as given (relative to its cwd when started by hand)
    job: jobs.Job | None = None
    pid: int | None = None  # a hand-started server's pid
    api_key: str | None = field(default=None, repr=False)
    needs_api_key: bool = False
    load: LoadStatus = field(default_factory=LoadStatus)
    plan_reason: str = ""
    forward: Forward | None = field(default=None, repr=False)

    @property
    def is_managed(self) -> bool:
        return self.job is not None

    @property
    def is_lan(self) -> bool:
        return self.host not in ("127.0.0.1", "localhost", "::1")

    def open_tunnel(self) -> str:
        """Forward a local port to the server over the board's SSH connection; returns the local URL."""
        if self.forward is None or self.forward.board is not self.board:
            self.forward = self.board.forward(self.port)
        return self.forward.url

    def close_tunnel(self) -> None:
        if self.forward is not None:
            self.forward.close()
            self.forward = None

    def endpoint(self) -> ServerEndpoint:
        return ServerEndpoint(self.open_tunnel(), self.api_key, connect_timeout=5.0, link=self.board)

    @property
    def projector(self) -> str:
        return self.mmproj or (self.spec.mmproj if self.spec is not None else "")

    def vision_image_size(self) -> int | None:
        """The served projector's image size in pixels (`clip.vision.image_size` in its GGUF header, read over
        SFTP): larger images only cost transfer and board time, so the chat scales them down to this. None for
        a text-only server or a projector whose header cannot be read (the caller keeps its default)."""
        path = self.projector
        if not path:
            return None
        if path.startswith("~"):
            path = expand_home(path, self.board.home())
        elif not path.startswith("/") and self.pid is not None:
            path = f"/proc/{int(self.pid)}/cwd/{path}"  # relative to where the user started it
        try:
            info, _size = _read_info(self.board, path, what="vision projector")
        except StudioError as exc:
            log.info("vision projector %s not read: %s", path, exc.message)
            return None
        return info.vision_image_size if info is not None else None

    def lan_url(self) -> str:
        """The URL other devices use (the board's address as this app reaches it)."""
        host = self.board.target.hostname or self.board.target.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class ServerStatus:
    state: str  # stopped | loading | running | failed | restarting
    managed: bool = False
    port: int = 0
    host: str = ""
    model: str = ""
    backend: str = ""  # e.g. "GPU: QUALCOMM Adreno(TM) 635, 29/29 layers" or "CPU"
    device: str = ""
    offloaded: str = ""
    info: ServerInfo | None = None
    local_url: str = ""
    lan_url: str = ""
    restarts: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "info"}
        if self.info is not None:
            out["info"] = {
                "model": self.info.model,
                "n_ctx": self.info.n_ctx,
                "slots": self.info.total_slots,
                "vision": self.info.has_vision,
                "build": self.info.build_info,
            }
        return out


def status_from_log(lines: Sequence[str], *, planned_gpu: bool | None = None) -> tuple[str, str, str]:
    """(backend summary, device, "N/M") from the server's log lines. Pure (tested on the manual's lines)."""
    load = summarise_log(lines)
    info = load.backend()
    offloaded = f"{info.offloaded}/{info.total_layers}" if info.offloaded is not None else ""
    if info.is_gpu_used:
        return info.summary(), info.device, offloaded
    if planned_gpu and info.problems:
        return f"CPU ({info.problems[0]})", info.device, offloaded
    return "CPU", info.device, offloaded


def backend_event(lines: Sequence[str], *, planned_gpu: bool | None = None) -> Event:
    """The "Running on <backend>" event a ready server's log gives (backend, device, "N/M" in its data)."""
    backend, device, offloaded = status_from_log(lines, planned_gpu=planned_gpu)
    return Event(
        INFO,
        step="backend",
        message=f"Running on {backend}",
        data={"backend": backend, "device": device, "offloaded": offloaded},
    )


# ----------------------------------------------------------------------------------------------- helpers
def state_dir(board: Board) -> str:
    return f"{board.home()}/{STATE_DIR}"


def lan_key_ident(board: Board) -> str:
    return f"{board.target.user}@{board.target.key_id}"


def lan_api_key(board: Board, *, create: bool = True) -> str | None:
    """The board's LAN API key from the keyring; a new random one is generated and stored when missing.

    Without a usable keyring a key is still generated (for this session only) and a warning says so."""
    ident = lan_key_ident(board)
    try:
        key = keyring_secrets.get("llama-api-key", ident)
    except keyring_secrets.KeyringUnavailable:
        key = None
    if key or not create:
        return key
    key = _secrets.token_urlsafe(24)
    try:
        keyring_secrets.put("llama-api-key", ident, key)
    except (keyring_secrets.KeyringUnavailable, ImportError) as exc:
        log.warning("LAN API key not stored in the keyring: %s", type(exc).__name__)
    return key


def _binary(facts: BoardFacts) -> str:
    if not facts.llama_bin:
        raise NoLlamaServer(
            "llama.cpp's llama-server is not installed on the board.",
            hint="Run the Setup page (or `rubikpi-studio setup`) to build llama.cpp first.",
        )
    return f"{facts.llama_bin}/llama-server"


def _gpu_available(board: Board, binary: str, facts: BoardFacts) -> bool:
    """An Adreno device that this build's OpenCL backend lists. A CPU build or a board without the
    Qualcomm driver lists none."""
    if not facts.has_adreno_opencl:
        return False
    result = board.run([binary, "--list-devices"], timeout=60)
    devices = llamacpp.parse_list_devices(result.stdout + "\n" + result.stderr)
    return any(d.name.startswith("GPU") and llamacpp.is_adreno(d.description) for d in devices)


def _stat_size(board: Board, path: str) -> int | None:
    try:
        return board.sftp().stat(path).st_size
    except (FileNotFoundError, OSError):
        return None


def _read_info(board: Board, path: str, *, what: str) -> tuple[GgufInfo | None, int]:
    size = _stat_size(board, path)
    if size is None:
        raise ModelMissing(f"The {what} {path} is not on the board.", path=path)
    try:
        with board.sftp().open(path, "rb") as fh:

            def read(offset: int, n: int) -> bytes:
                fh.seek(offset)
                return bytes(fh.read(n))

            return read_gguf_info(read, file_size=size), size
    except NotGguf as exc:
        if exc.data.get("reason") == "version":
            return None, size  # newer than our reader: let llama-server judge
        raise ModelMissing(
            f"The {what} {path} cannot be served: {exc.message}",
            hint="Download it again from the Models page.",
            path=path,
            reason=exc.data.get("reason", ""),
        ) from None


def mem_available(board: Board) -> int:
    r = board.quick("awk '/^MemAvailable:/{print $2}' /proc/meminfo")
    try:
        return int(r.stdout.strip()) * 1024
    except ValueError:
        return 0


def port_in_use(board: Board, port: int) -> bool:
    r = board.quick("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
    return port in listening_ports(r.stdout)


def preflight(
    board: Board,
    spec: ServerSpec,
    *,
    check_model: bool = True,
    report: Reporter = ignore,
    freed_bytes: int = 0,
) -> MemoryEstimate | None:
    """Refuse early, with the reason: model missing or broken, not enough memory, port taken.

    `check_model=False` leaves judging the file to llama-server (its own error then ends the start).
    `freed_bytes`: memory a server about to be replaced will give back."""
    report(Event(STEP_START, step="check", message="Checking model, memory and port"))
    estimate: MemoryEstimate | None = None
    if check_model:
        info, size = _read_info(board, spec.model, what="model")
        mmproj_size = 0
        if spec.mmproj:
            _pinfo, mmproj_size = _read_info(board, spec.mmproj, what="vision projector")
        if info is not None:
            estimate = estimate_memory(info, size, spec.ctx, mmproj_size)
            available = mem_available(board) + freed_bytes
            if available and estimate.total > available:
                mib = 2**20
                raise NotEnoughMemory(
                    f"The model needs about {estimate.total // mib} MiB (file {size // mib} MiB, context "
                    f"{spec.ctx} tokens {estimate.kv_bytes // mib} MiB), but the board has only "
                    f"{available // mib} MiB free.",
                    hint="Choose a smaller context or a smaller model, or close other programs on the board.",
                    needed=estimate.total,
                    available=available,
                )
    elif _stat_size(board, spec.model) is None:
        raise ModelMissing(f"The model {spec.model} is not on the board.", path=spec.model)
    if port_in_use(board, spec.port):
        raise PortTaken(
            f"Port {spec.port} is already in use on the board.",
            hint="Choose another port, or stop the program that uses it.",
            port=spec.port,
        )
    report(Event(STEP_DONE, step="check"))
    return estimate


# ----------------------------------------------------------------------------------------------- find / adopt
def _hand_started(board: Board) -> list[tuple[int, list[str]]]:
    """(pid, argv) of every llama-server process of this user that the app's supervisor does not own."""
    r = board.quick(
        'for p in $(pgrep -x -u "$(id -u)" llama-server); do '
        'printf "%s\\037" "$p"; tr "\\0" "\\037" </proc/$p/cmdline; echo; done'
    )
    out: list[tuple[int, list[str]]] = []
    for line in r.stdout.splitlines():
        parts = line.split("\x1f")
        argv = [p for p in parts[1:] if p != ""]
        # A process that is exiting, or exited and not yet reaped (a zombie), has no command line left: it
        # serves nothing, and reading defaults from it would adopt port 8080.
        if not parts[0].isdigit() or not argv:
            continue
        out.append((int(parts[0]), argv))
    return out


def parse_server_argv(argv: Sequence[str]) -> dict[str, Any]:
    """Port, host, model, projector and whether a key is set, from a llama-server command line."""
    out: dict[str, Any] = {"port": 8080, "host": "127.0.0.1", "model": "", "mmproj": "", "api_key": False}
    names = {
        "--port": "port", "--host": "host", "-m": "model", "--model": "model",
        "-mm": "mmproj", "--mmproj": "mmproj",
    }  # fmt: skip
    it = iter(range(len(argv)))
    for i in it:
        item = argv[i]
        flag, eq, value = item.partition("=")
        if flag in ("--api-key", "--api-key-file"):
            out["api_key"] = True
        if flag in names:
            if not eq:
                if i + 1 >= len(argv):
                    break
                value = argv[i + 1]
                next(it, None)
            key = names[flag]
            out[key] = int(value) if key == "port" and value.isdigit() else value
    return out


def _read_spec(board: Board) -> ServerSpec | None:
    try:
        with board.sftp().open(f"{state_dir(board)}/spec.json", "r") as fh:
            return ServerSpec.from_json(fh.read().decode())
    except (FileNotFoundError, OSError, ValueError, TypeError):
        return None


def find(board: Board, *, api_key: str | None = None, catch_up: bool = True) -> ServerHandle | None:
    """The server already running on the board, if any: the app's supervised job first, then one the user
    started by hand (its port and model read from its command line). `catch_up=False` skips reading the
    supervised job's log (for callers that only want what it serves)."""
    job = jobs.find_running(board, JOB_KEY)
    if job is not None:
        spec = _read_spec(board)
        if spec is not None:
            key = api_key if spec.lan else None
            if spec.lan and key is None:
                key = lan_api_key(board, create=False)
            handle = ServerHandle(
                board,
                spec.port,
                "0.0.0.0" if spec.lan else "127.0.0.1",
                spec.model,
                spec=spec,
                mmproj=spec.mmproj,
                job=job,
                api_key=key,
                needs_api_key=spec.lan,
            )
            if catch_up:
                _catch_up(board, handle)
            return handle
    for pid, argv in _hand_started(board):
        facts = parse_server_argv(argv[1:])
        if pid_in_job(board, pid):
            continue
        return ServerHandle(
            board,
            int(facts["port"]),
            str(facts["host"]),
            str(facts["model"]),
            mmproj=str(facts["mmproj"]),
            pid=pid,
            api_key=api_key,
            needs_api_key=bool(facts["api_key"]),
        )
    return None


def served_paths(board: Board, handle: ServerHandle | None = None) -> list[str]:
    """The files the running server uses (its model and projector) as absolute, normalised board paths;
    [] when no server runs. The models module refuses to delete or replace these, and lists them as served.

    A hand-started server's relative paths are taken from its working directory, not the home."""
    if handle is None:
        handle = find(board, catch_up=False)
    if handle is None:
        return []
    home = board.home()
    base = home
    names = [p for p in (handle.model, handle.mmproj) if p]
    if handle.pid is not None and any(not p.startswith(("/", "~")) for p in names):
        cwd = board.quick(f"readlink /proc/{int(handle.pid)}/cwd").stdout.strip()
        base = cwd if cwd.startswith("/") else home
    out: list[str] = []
    for name in names:
        full = expand_home(name, home) if name.startswith(("/", "~")) else posixpath.join(base, name)
        out.append(posixpath.normpath(full))
    return out


def pid_in_job(board: Board, pid: int) -> bool:
    """Whether `pid` belongs to a job of the app's runner (its process group leader is an rps-job)."""
    r = board.quick(f"pg=$(ps -o pgid= -p {int(pid)} | tr -d ' '); ps -o args= -p \"$pg\" 2>/dev/null")
    return "rps-job" in r.stdout


def _catch_up(board: Board, handle: ServerHandle, report: Reporter = ignore) -> None:
    """Read the job's log so far (loading lines → status; events → report). A long log (the supervisor runs
    for as long as the board is up, and llama-server logs every request) is not read whole: see
    _skip_chatter."""
    if handle.job is None:
        return
    relay = _relay(handle, report)
    if handle.job.offset == 0:
        _skip_chatter(board, handle.job, relay)
    _poll_all(board, handle, relay)


def _poll(board: Board, handle: ServerHandle, report: Reporter) -> None:
    _poll_all(board, handle, _relay(handle, report))


def _relay(handle: ServerHandle, report: Reporter) -> Reporter:
    """Events of the server's job as they are read: loading lines feed the handle's LoadStatus."""

    def relay(ev: Event) -> None:
        if ev.kind == LOG:
            for derived in handle.load.feed(ev.message):
                report(derived)
        elif ev.kind == STEP_START and ev.step == "load":
            handle.load = LoadStatus()  # a new run of the server
        report(ev)

    return relay


def _poll_all(board: Board, handle: ServerHandle, relay: Reporter) -> None:
    assert handle.job is not None
    while True:
        before = handle.job.offset
        jobs.poll(board, handle.job, relay)
        _forget_old_log(handle.job)
        if handle.job.offset - before < jobs.CHUNK or handle.job.finished:
            return


def _skip_chatter(board: Board, job: jobs.Job, relay: Reporter) -> None:
    """Adopting a server whose log is long: read what a handle needs, not every request it ever served.

    Needed are the marker lines (steps, warnings, failures: few, all kept), the loading lines of the server's
    current run (from its last `step load`: the device, offload and listening lines, the first
    CATCH_UP_LOAD_BYTES) and the last CATCH_UP_TAIL_BYTES (the log tail). Between those is request chatter
    (~20 lines per chat answer): reading it on every reconnect made adoption slower and the app's memory
    peak higher the longer the server had run. In its place the log shows one line saying what was skipped.
    Leaves job.offset where the normal reading goes on (nothing done for a short log)."""
    d = shlex.quote(job.dir)
    r = board.quick(
        f'f={d}/log; stat -c %s "$f" 2>/dev/null || echo 0; '
        f'grep -a -b "^{MARK} " "$f" 2>/dev/null | tail -n {CATCH_UP_MARKERS}'
    )
    first, _, rest = r.stdout.partition("\n")
    try:
        size = int(first.strip())
    except ValueError:
        return
    if size <= CATCH_UP_LOAD_BYTES + CATCH_UP_TAIL_BYTES:
        return
    markers: list[tuple[int, Event]] = []  # (byte offset, event) of each marker line
    for line in rest.splitlines():
        offset, sep, text = line.partition(":")
        if sep and offset.isdigit() and (ev := parse_line(text)) is not None:
            markers.append((int(offset), ev))
    run_start = max((at for at, ev in markers if ev.kind == STEP_START and ev.step == "load"), default=0)

    def emit(lo: int, hi: int) -> None:
        for at, ev in markers:
            if lo <= at < hi:
                job.events.append(ev)
                relay(ev)

    if size - run_start <= CATCH_UP_LOAD_BYTES + CATCH_UP_TAIL_BYTES:
        emit(0, run_start)  # earlier runs: their steps, warnings and failures
        job.offset = run_start
        return
    tail_from = size - CATCH_UP_TAIL_BYTES
    r = board.quick(
        f'f={d}/log; tail -c +{run_start + 1} "$f" | head -c {CATCH_UP_LOAD_BYTES}; '
        f'tail -c +{tail_from + 1} "$f" | head -c {CATCH_UP_TAIL_BYTES}'
    )
    raw = r.raw
    if len(raw) != CATCH_UP_LOAD_BYTES + CATCH_UP_TAIL_BYTES:
        return  # the log is not the one measured (it only grows): read it the plain way, from the start
    emit(0, run_start)
    head, tail = raw[:CATCH_UP_LOAD_BYTES], raw[CATCH_UP_LOAD_BYTES:]
    head = head[: head.rfind(b"\n") + 1]  # whole lines only
    nl = tail.find(b"\n")
    tail = tail[nl + 1 :] if nl >= 0 else b""
    gap_from, gap_to = run_start + len(head), size - len(tail)
    job.offset, job.pending = run_start, b""
    jobs.feed(job, head, relay)
    emit(gap_from, gap_to)
    skipped = Event(LOG, message=f"[… {gap_to - gap_from:,} bytes of the server's log skipped …]")
    job.events.append(skipped)
    relay(skipped)
    job.offset = gap_to
    jobs.feed(job, tail, relay)
    _forget_old_log(job)


def _forget_old_log(job: jobs.Job) -> None:
    """Keep only the last LOG_EVENTS_KEPT log lines of the server's job (its steps, warnings and failures
    are few and all kept): otherwise a handle holds every line since the server started, and re-adopting it
    after a reconnect reads them all into memory again."""
    if len(job.events) <= 2 * LOG_EVENTS_KEPT:
        return
    excess = sum(1 for ev in job.events if ev.kind == LOG) - LOG_EVENTS_KEPT
    if excess <= 0:
        return
    kept = []
    for ev in job.events:
        if excess > 0 and ev.kind == LOG:
            excess -= 1
            continue
        kept.append(ev)
    job.events = kept


# ----------------------------------------------------------------------------------------------- start
def start(
    board: Board,
    spec: ServerSpec,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    api_key: str | None = None,
    scripts: jobs.ScriptStore | None = None,
    check_model: bool = True,
    ready_timeout: float = 300.0,
    facts: BoardFacts | None = None,
) -> ServerHandle:
    """Start llama-server for `spec` (or adopt the one already serving that model) and wait until ready.

    Raises NoLlamaServer, ModelMissing, NotEnoughMemory, PortTaken, ServerAlreadyRunning (another model is
    served: stop it or use `restart`), ServerFailed (with the server's last log lines), Cancelled."""
    existing = find(board, api_key=api_key)
    if existing is not None:
        same = expand_home(spec.model, board.home()) == expand_home(existing.model, board.home())
        if not same or (existing.spec is not None and existing.spec.lan != spec.lan):
            raise ServerAlreadyRunning(
                f"llama-server is already serving {existing.model} on port {existing.port}.",
                hint="Stop it first, or restart it with the new settings.",
                port=existing.port,
                model=existing.model,
            )
        report(Event(INFO, step="adopt", message=f"Already serving {existing.model} on port {existing.port}"))
        if existing.is_managed:
            wait_ready(board, existing, report=report, cancel=cancel, timeout=ready_timeout)
        return existing

    home = board.home()
    spec = replace(
        spec,
        model=expand_home(spec.model, home),
        mmproj=expand_home(spec.mmproj, home) if spec.mmproj else "",
    )
    if spec.port < 1 or spec.port > 65535:
        raise UsageError(f"Port {spec.port} is not a valid port.")
    facts = facts or probe(board)
    binary = _binary(facts)
    version_out = board.run([binary, "--version"], timeout=60)
    version = llamacpp.parse_version(version_out.stdout + version_out.stderr)
    feats = llamacpp.features(version)
    has_gpu = spec.gpu and _gpu_available(board, binary, facts)
    plan = build_argv(spec, binary, features=feats, has_gpu=has_gpu)
    if spec.gpu and not plan.use_gpu:
        report(Event(WARN, step="backend", code="E_NO_GPU", message=plan.reason))
    preflight(board, spec, check_model=check_model, report=report)

    env: dict[str, str] = {"GGML_OPENCL_KERNEL_CACHE_DIR": f"{home}/{KERNEL_CACHE_DIR}"}
    if spec.lan:
        api_key = api_key or lan_api_key(board)
        assert api_key
        env["LLAMA_API_KEY"] = api_key
        env["RPS_SERVER_LAN"] = "1"
    sdir = state_dir(board)
    board.makedirs(sdir)
    board.write_text(f"{sdir}/spec.json", spec.to_json())
    report(Event(INFO, step="command", message=shlex.join(plan.argv), data={"argv": list(plan.argv)}))
    job = jobs.start(
        board,
        scripts or jobs.ScriptStore(),
        SCRIPT,
        [sdir, str(spec.port), *plan.argv],
        key=JOB_KEY,
        env=env,
        report=report,
    )
    handle = ServerHandle(
        board,
        spec.port,
        "0.0.0.0" if spec.lan else "127.0.0.1",
        spec.model,
        spec=spec,
        mmproj=spec.mmproj,
        job=job,
        api_key=api_key if spec.lan else None,
        needs_api_key=spec.lan,
        plan_reason=plan.reason,
    )
    wait_ready(board, handle, report=report, cancel=cancel, timeout=ready_timeout)
    return handle


_STATUS = re.compile(r"\bstopped with status (\d+)")


def name_signal(message: str) -> str:
    """`... stopped with status 137 ...` → `... was killed (signal 9, status 137) ...`: a shell reports a
    process ended by signal N as status 128 + N, and "killed" tells the user what a bare 137 does not (the
    OOM killer or someone's kill, not a crash in llama-server). Said first, before the log tail."""
    match = _STATUS.search(message)
    if match is None or not 128 < int(match[1]) <= 128 + 64:
        return message
    status = int(match[1])
    return (
        message[: match.start()]
        + f"was killed (signal {status - 128}, status {status})"
        + message[match.end() :]
    )


def wait_ready(
    board: Board,
    handle: ServerHandle,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    timeout: float = 300.0,
) -> None:
    """Follow the supervisor's log until the server answers /health with 200 (then confirm through the
    tunnel). Raises ServerFailed with the last log lines when the supervisor gives up."""
    assert handle.job is not None
    deadline = time.monotonic() + timeout
    ready = [_is_ready_so_far(handle.job.events)]
    failure: list[Event] = []

    def watch(ev: Event) -> None:
        if ev.kind == STEP_DONE and ev.step == "load":
            ready[0] = True
        elif ev.kind == FAILED:
            failure.append(ev)
        report(ev)

    while True:
        if cancel is not None and cancel.is_cancelled:
            stop(board, handle)
            raise_cancelled()
        _poll(board, handle, watch)
        if failure or handle.job.finished:
            tail = handle.job.log_tail(30)
            ev = failure[-1] if failure else None
            raise ServerFailed(
                name_signal(ev.message if ev else f"The server stopped with status {handle.job.status}."),
                log_tail=tail,
                hint="The server's last log lines are shown in the log.",
                code_detail=ev.code if ev else "",
            )
        if ready[0]:
            break
        if time.monotonic() > deadline:
            raise ServerFailed(
                f"The server was not ready within {timeout:.0f} s.", log_tail=handle.job.log_tail(30)
            )
        if cancel is not None:
            cancel.wait(0.25)
        else:
            time.sleep(0.25)
    report(backend_event(handle.load.backend_lines, planned_gpu=_planned_gpu(handle)))
    report(Event(STEP_DONE, step="ready", message=f"Ready on port {handle.port}"))


def _is_ready_so_far(events: Sequence[Event]) -> bool:
    """Whether the events read so far say the current run of the server became ready."""
    for ev in reversed(events):
        if ev.step == "load" and ev.kind in (STEP_DONE, STEP_START):
            return ev.kind == STEP_DONE
    return False


def _planned_gpu(handle: ServerHandle) -> bool:
    return bool(handle.spec and handle.spec.gpu)


def raise_cancelled() -> None:
    from .errors import Cancelled

    raise Cancelled("Cancelled; the server was stopped.")


# ----------------------------------------------------------------------------------------------- follow
def watch(
    board: Board,
    handle: ServerHandle,
    *,
    report: Reporter,
    cancel: CancelToken,
    interval: float = 1.0,
) -> None:
    """Report the supervisor's events (restarts, give-up) until cancelled or the job ends."""
    if handle.job is None:
        return
    while not cancel.is_cancelled and not handle.job.finished:
        _poll(board, handle, report)
        cancel.wait(interval)


# ----------------------------------------------------------------------------------------------- status
def status(board: Board, handle: ServerHandle | None = None, *, report: Reporter = ignore) -> ServerStatus:
    """Where the server is: stopped / loading / running / failed, with /props and /v1/models facts."""
    handle = handle or find(board)
    if handle is None:
        return last_run(board)
    if handle.job is not None:
        _poll(board, handle, report)
        if handle.job.finished:
            fail = handle.job.last_failure()
            return ServerStatus(
                "failed" if fail else "stopped",
                managed=True,
                port=handle.port,
                model=handle.model,
                message=fail.message if fail else "",
            )
    restarts = 0
    if handle.job is not None:
        restarts = sum(1 for ev in handle.job.events if ev.kind == WARN and ev.step == "server")
    backend, device, offloaded = status_from_log(handle.load.backend_lines, planned_gpu=_planned_gpu(handle))
    if handle.job is None:
        backend = ""  # a hand-started server's log is not ours to read
    state = "running"
    info: ServerInfo | None = None
    message = ""
    try:
        with handle.endpoint() as endpoint:
            info = probe_server(endpoint)
    except ServerLoading:
        state = "loading"
    except ApiKeyRejected as exc:
        message = exc.message
    except ChatError as exc:
        state = "restarting" if handle.job is not None else "failed"
        message = exc.message
    return ServerStatus(
        state,
        managed=handle.is_managed,
        port=handle.port,
        host=handle.host,
        model=(info.model_path or info.model) if info else handle.model,
        backend=backend,
        device=device,
        offloaded=offloaded,
        info=info,
        local_url=handle.forward.url if handle.forward else "",
        lan_url=handle.lan_url() if handle.is_lan else "",
        restarts=restarts,
        message=message,
    )


def last_run(board: Board) -> ServerStatus:
    """How the app's last server job ended, for when no server runs: "failed" with the supervisor's reason
    (it gave up after repeated crashes, or the model never loaded; the reason ends with the server's last log
    lines), else "stopped" (stopped by the user, or nothing was ever started)."""
    # The newest server job by its start (a job's `started` file is written once, when it starts): a job
    # that is still ending has no status yet and counts as stopped, not as the failure before it.
    r = board.quick(
        f"cd {shlex.quote(board.home() + '/' + jobs.STATE_DIR)} 2>/dev/null || exit 0; "
        "for f in $(ls -t -- */started 2>/dev/null); do j=${f%/started}; "
        f'[ "$(cat "$j/key" 2>/dev/null)" = {shlex.quote(JOB_KEY)} ] || continue; '
        'cat "$j/status" 2>/dev/null || echo -; tail -n 40 "$j/log" 2>/dev/null; break; done'
    )
    lines = r.stdout.splitlines()
    if not lines or lines[0].strip() in ("0", "-"):
        return ServerStatus("stopped")
    failures = [ev for ev in map(parse_line, lines[1:]) if ev is not None and ev.kind == FAILED]
    if not failures:
        return ServerStatus("stopped")
    spec = _read_spec(board)
    return ServerStatus(
        "failed",
        managed=True,
        port=spec.port if spec else 0,
        model=spec.model if spec else "",
        message=failures[-1].message,
    )


def log_tail(board: Board, lines: int = 100) -> list[str]:
    """The last lines of the current (or last) server run's output on the board."""
    r = board.quick(f"tail -n {int(lines)} {shlex.quote(state_dir(board) + '/run.log')} 2>/dev/null")
    return r.stdout.splitlines()


# ----------------------------------------------------------------------------------------------- stop
def stop(board: Board, handle: ServerHandle | None = None, *, report: Reporter = ignore) -> bool:
    """Stop the server (the supervisor and its llama-server, or a hand-started one). False if none ran."""
    handle = handle or find(board)
    if handle is None:
        return False
    handle.close_tunnel()
    if handle.job is not None:
        jobs.stop(board, handle.job)
    elif handle.pid is not None:
        board.quick(
            f"kill -TERM {int(handle.pid)} 2>/dev/null; for i in $(seq 50); do "
            f"kill -0 {int(handle.pid)} 2>/dev/null || break; sleep 0.1; done; "
            f"kill -KILL {int(handle.pid)} 2>/dev/null; true"
        )
    report(Event(INFO, step="stop", message="Server stopped"))
    return True


def restart(
    board: Board,
    spec: ServerSpec | None = None,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    api_key: str | None = None,
    check_model: bool = True,
) -> ServerHandle:
    """Stop what runs and start `spec` (or the running server's own spec): also how a model is switched."""
    current = find(board, api_key=api_key)
    if spec is None:
        if current is None or current.spec is None:
            raise UsageError("Nothing to restart: no server started by the app is running.")
        spec = current.spec
    if current is not None:
        stop(board, current, report=report)
    return start(board, spec, report=report, cancel=cancel, api_key=api_key, check_model=check_model)


# ----------------------------------------------------------------------------------------------- at boot
def _unit_text(scripts_dir: str, jobs_dir: str, args: Sequence[str], env_file: str) -> str:
    argv = ["/bin/bash", f"{scripts_dir}/job-start.sh", jobs_dir, "boot", JOB_KEY, f"{scripts_dir}/{SCRIPT}"]
    quoted = " ".join(_systemd_quote(a) for a in [*argv, "%SHA%", *args])
    return (
        "[Unit]\nDescription=llama-server started by RUBIK Pi Studio\nAfter=network-online.target\n\n"
        "[Service]\nType=oneshot\nRemainAfterExit=yes\nKillMode=process\n"
        f"StandardInput=file:{env_file}\nExecStart={quoted}\n\n[Install]\nWantedBy=default.target\n"
    )


def _systemd_quote(arg: str) -> str:
    """One word of a unit's ExecStart=: quoted, control characters as C escapes (a newline in a model path
    would start a new directive), `%` and `$` doubled (systemd expands specifiers and $VARIABLES)."""
    out = []
    for c in arg:
        if c in '\\"':
            out.append("\\" + c)
        elif c in "%$":
            out.append(c + c)
        elif ord(c) < 32 or c == "\x7f":
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def enable_boot(
    board: Board,
    spec: ServerSpec,
    *,
    api_key: str | None = None,
    scripts: jobs.ScriptStore | None = None,
    facts: BoardFacts | None = None,
) -> str:
    """Start this server when the board boots (a systemd user unit + lingering). Raises NoSystemd."""
    facts = facts or probe(board)
    if not facts.systemd:
        raise NoSystemd(
            "The board does not run systemd, so the server cannot be started at boot by the app.",
            hint="Start the server from the app after each boot; it keeps running while the board is on.",
        )
    store = scripts or jobs.ScriptStore()
    sdir_scripts = store.push(board)
    home = board.home()
    binary = _binary(facts)
    version_out = board.run([binary, "--version"], timeout=60)
    feats = llamacpp.features(llamacpp.parse_version(version_out.stdout + version_out.stderr))
    spec = replace(
        spec,
        model=expand_home(spec.model, home),
        mmproj=expand_home(spec.mmproj, home) if spec.mmproj else "",
    )
    plan = build_argv(spec, binary, features=feats, has_gpu=spec.gpu and _gpu_available(board, binary, facts))
    sdir = state_dir(board)
    board.makedirs(sdir)
    board.write_text(f"{sdir}/spec.json", spec.to_json())
    env = {"GGML_OPENCL_KERNEL_CACHE_DIR": f"{home}/{KERNEL_CACHE_DIR}"}
    if spec.lan:
        key = api_key or lan_api_key(board)
        assert key
        env.update(LLAMA_API_KEY=key, RPS_SERVER_LAN="1")
    env_file = f"{sdir}/boot.env"
    board.write_text(
        env_file,
        "".join(f"{k}={base64.b64encode(v.encode()).decode()}\n" for k, v in env.items()),
        mode=0o600,
    )
    unit = _unit_text(sdir_scripts, f"{home}/{jobs.STATE_DIR}", [sdir, str(spec.port), *plan.argv], env_file)
    unit = unit.replace(_systemd_quote("%SHA%"), _systemd_quote(store.sha(SCRIPT)))
    unit_dir = f"{home}/.config/systemd/user"
    board.makedirs(unit_dir)
    board.write_text(f"{unit_dir}/{UNIT_NAME}", unit)
    r = board.run(
        f"systemctl --user daemon-reload && systemctl --user enable {UNIT_NAME} && "
        "(loginctl enable-linger \"$(id -un)\" 2>&1 || echo 'linger: not allowed')",
        timeout=60,
    )
    if not r.ok:
        raise RemoteFailed(f"systemd refused the unit:\n{r.tail()}", result=r)
    return UNIT_NAME


def boot_enabled(board: Board) -> bool:
    """Whether the server is set to start when the board boots: the app's unit is installed and enabled."""
    unit = f"$HOME/.config/systemd/user/{UNIT_NAME}"
    r = board.quick(f'test -f "{unit}" && systemctl --user is-enabled {UNIT_NAME} 2>/dev/null || true')
    return r.ok and r.stdout.strip().splitlines()[-1:] == ["enabled"]


def disable_boot(board: Board) -> bool:
    r = board.quick(
        f"systemctl --user disable {UNIT_NAME} 2>/dev/null; "
        f"rm -f ~/.config/systemd/user/{UNIT_NAME} {shlex.quote(state_dir(board))}/boot.env; "
        "systemctl --user daemon-reload 2>/dev/null; true"
    )
    return r.ok


__all__ = [
    "CONTROLLED_FLAGS",
    "DEFAULT_PORT",
    "ExtraFlagsInvalid",
    "LoadStatus",
    "MemoryEstimate",
    "ModelMissing",
    "NoLlamaServer",
    "NoSystemd",
    "NotEnoughMemory",
    "Plan",
    "PortTaken",
    "ServerAlreadyRunning",
    "ServerFailed",
    "ServerHandle",
    "ServerProblem",
    "ServerSpec",
    "ServerStatus",
    "backend_event",
    "build_argv",
    "disable_boot",
    "enable_boot",
    "estimate_memory",
    "find",
    "kv_cache_bytes",
    "lan_api_key",
    "last_run",
    "listening_ports",
    "log_tail",
    "parse_extra_flags",
    "parse_server_argv",
    "preflight",
    "restart",
    "start",
    "status",
    "status_from_log",
    "stop",
    "summarise_log",
    "wait_ready",
    "watch",
]
