"""Models on the board: download from Hugging Face (on the board), quantize, list, delete, upload.

The board keeps its models in the manual's folder, `~/dev/llm/models`. Long work runs as jobs
(`remote/model-download.sh`, `remote/model-quantize.sh`), so a dropped connection does not stop a download
of several gigabytes; listing reads each GGUF header over SFTP (nothing extra installed on the board).

Every long operation has the shape `op(board, spec, *, report, cancel) -> result` and raises typed errors:
`ModelNotFound` (E_NOT_FOUND), `ChecksumMismatch` (E_CHECKSUM), `NotGguf` (E_NOT_GGUF), `NoSpace`
(E_NO_SPACE), `HfAuthRequired` (E_HF_AUTH), `NeedsRequantize` (E_REQUANTIZE), `ProjectorNotQuantized`
(E_PROJECTOR), `ModelInUse` (E_IN_USE), `NoQuantizeTool` (E_NO_LLAMA), `DownloadFailed`, `QuantizeFailed`.

"Being served" is not known here: the front ends pass `server.served_paths(board)` (`served=`) to
`list_models`, `delete`, `quantize` and `push(overwrite=True)`, which refuse to delete or replace those files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import posixpath
import re
import shlex
import stat
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import jobs
from .catalogue import (
    DEFAULT_ENDPOINT,
    CatalogueModel,
    ModelRef,
    models_folder_name,
    normalise_endpoint,
    resolve_url,
)
from .errors import Cancelled, NoSpace, RemoteFailed, StudioError, Unreachable, UsageError
from .events import PROGRESS, STEP_DONE, STEP_START, CancelToken, Event, Reporter, ignore
from .gguf import GGML_TYPES, GgufInfo, NotGguf, pairs_with, read_gguf_info
from .lazy import lazy_module
from .ssh import SFTP_REQUEST_SIZE, Board, file_op

if TYPE_CHECKING:
    import paramiko
else:  # not at import: the GUI imports this module before its window shows (lazy.py)
    paramiko = lazy_module("paramiko")

log = logging.getLogger(__name__)

MODELS_SUBDIR = "dev/llm/models"  # the manual's layout, under the account's home
DOWNLOAD_SCRIPT = "model-download.sh"
QUANTIZE_SCRIPT = "model-quantize.sh"
# What llama-quantize takes; Q4_0 first: pure Q4_0 is what the Adreno OpenCL path runs fast.
QUANT_TYPES = ("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "F16")
UNQUANTIZED = frozenset({"F32", "F16", "BF16"})
_QUANT_ELEMENT_TYPE = {"Q4_K_S": "Q4_K", "Q4_K_M": "Q4_K", "Q5_K_S": "Q5_K", "Q5_K_M": "Q5_K"}
_PRECISION_TOKEN = re.compile(r"(?i)(?<=[-_.])(fp16|f16|bf16|fp32|f32)(?=[-_.])")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]{0,250}\.gguf$")
_ESTIMATE_MARGIN = 1.05


# --- errors -------------------------------------------------------------------------------------------------


class ModelNotFound(StudioError):
    """The model file was not found."""

    code = "E_NOT_FOUND"


class ChecksumMismatch(StudioError):
    """The downloaded file does not have the expected sha256."""

    code = "E_CHECKSUM"


class SizeMismatch(StudioError):
    """The downloaded file does not have the announced size."""

    code = "E_SIZE"


class HfAuthRequired(StudioError):
    """The repository needs a Hugging Face token with access."""

    code = "E_HF_AUTH"


class DownloadFailed(StudioError):
    """The download failed."""

    code = "E_DOWNLOAD"


class QuantizeFailed(StudioError):
    """Quantization failed."""

    code = "E_QUANTIZE"


class NeedsRequantize(StudioError):
    """The input is already quantized; requantizing needs an explicit yes."""

    code = "E_REQUANTIZE"


class ProjectorNotQuantized(UsageError):
    """Vision projectors stay f16."""

    code = "E_PROJECTOR"


class NoQuantizeTool(StudioError):
    """llama-quantize is not installed on the board."""

    code = "E_NO_LLAMA"


class ModelInUse(StudioError):
    """The model is being served."""

    code = "E_IN_USE"


STOP_SERVER_HINT = "Stop the server first: on the Server page, or with `rubikpi-studio serve stop HOST`."


class ModelExists(UsageError):
    """A model with that name is already on the board."""

    code = "E_EXISTS"


_JOB_ERRORS: dict[str, type[StudioError]] = {
    "E_NOT_FOUND": ModelNotFound,
    "E_CHECKSUM": ChecksumMismatch,
    "E_SIZE": SizeMismatch,
    "E_HF_AUTH": HfAuthRequired,
    "E_NO_SPACE": NoSpace,
    "E_NOT_GGUF": NotGguf,
    "E_DOWNLOAD": DownloadFailed,
    "E_QUANTIZE": QuantizeFailed,
    "E_REQUANTIZE": NeedsRequantize,
    "E_NO_LLAMA": NoQuantizeTool,
    "E_USAGE": UsageError,
}


# --- where models live -------------------------------------------------------------------------------------


def models_dir(board: Board, *, create: bool = True) -> str:
    """`~/dev/llm/models` on the board (absolute); created when missing unless `create` is False."""
    path = f"{board.home()}/{MODELS_SUBDIR}"
    if create and not board.is_dir(path):
        board.makedirs(path)
    return path


def _in_models_dir(board: Board, path: str, directory: str | None) -> str:
    """An absolute path of a file directly in the models folder; a bare name is taken relative to it."""
    base = directory or models_dir(board, create=False)
    full = posixpath.normpath(path if path.startswith("/") else posixpath.join(base, path))
    if posixpath.dirname(full) != posixpath.normpath(base):
        raise UsageError(
            f"{path} is not in the board's models folder ({base}).",
            hint="Give a file name from `models list`.",
        )
    return full


def disk_free(board: Board, path: str) -> int:
    """Bytes free for the account on the file system holding `path`."""
    result = board.quick(f"df -P -B1 {shlex.quote(path)} | awk 'NR==2{{print $4}}'")
    try:
        return int(result.stdout.strip())
    except ValueError:
        raise RemoteFailed(f"Cannot read the free disk space of {path}: {result.stdout.strip()}") from None


# --- listing -----------------------------------------------------------------------------------------------


@dataclass
class BoardModel:
    """A GGUF file in the board's models folder, with what its header says."""

    path: str
    size: int
    mtime: int
    info: GgufInfo | None = None
    error: str = ""  # why the header could not be read (a broken or partial file)
    partial: bool = False  # an unfinished download or upload (`<name>.part`)
    pairs: list[str] = field(default_factory=list)  # projector → text models it fits, and the other way
    served: bool = False

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def is_projector(self) -> bool:
        return bool(self.info and self.info.is_vision_projector)

    @property
    def quantization(self) -> str:
        return self.info.quantization if self.info else ""

    @property
    def architecture(self) -> str:
        if self.info is None:
            return ""
        if self.info.is_vision_projector:
            return f"clip ({self.info.projector_type})" if self.info.projector_type else "clip"
        return self.info.architecture

    @property
    def parameters(self) -> int:
        return self.info.parameter_count if self.info else 0

    @property
    def context_length(self) -> int | None:
        return self.info.context_length if self.info else None

    @property
    def warning(self) -> str:
        """Something the user should act on, or ''."""
        if self.error:
            return self.error
        if self.info is not None and self.info.needs_pure_requant:
            others = ", ".join(self.info.other_matrix_types)
            return (
                f"Labelled {self.info.quantization} but some weight matrices are {others}: slow on the GPU "
                "(OpenCL). Requantize with --pure to Q4_0."
            )
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "size": self.size,
            "mtime": self.mtime,
            "partial": self.partial,
            "architecture": self.architecture,
            "parameters": self.parameters,
            "quantization": self.quantization,
            "pure": bool(self.info and self.info.is_pure),
            "context_length": self.context_length,
            "projector": self.is_projector,
            "pairs_with": list(self.pairs),
            "served": self.served,
            "warning": self.warning,
        }


def format_params(n: int) -> str:
    if n <= 0:
        return ""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return str(n)


def format_bytes(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if unit != "kB" else f"{n / scale:.0f} {unit}"
    return f"{int(n)} B"


def inspect(board: Board, path: str) -> GgufInfo:
    """Read a GGUF header on the board over SFTP (only the header bytes travel). Raises NotGguf."""
    sftp = board.sftp()
    try:
        with file_op("read", path, missing_ok=True), sftp.open(path, "rb") as fh:
            fh.MAX_REQUEST_SIZE = SFTP_REQUEST_SIZE  # type: ignore[misc]

            # A callback rather than the file: SFTPFile.seek returns None, where gguf's file reader
            # expects the new position (to learn the size).
            def read(offset: int, size: int) -> bytes:
                fh.seek(offset)
                data = bytes(fh.read(size))
                # paramiko answers a read on a link that already dropped with b"" (it takes the EOFError
                # for the end of the file): say so, rather than call a good model truncated.
                if len(data) < size and not board.is_alive:
                    raise Unreachable("The connection to the board dropped.", reason="dropped")
                return data

            return read_gguf_info(read, file_size=fh.stat().st_size)
    except FileNotFoundError:
        raise ModelNotFound(f"{path} does not exist on the board.") from None


def list_models(
    board: Board, *, directory: str | None = None, served: Collection[str] = ()
) -> list[BoardModel]:
    """Every `.gguf` in the models folder (and unfinished `.gguf.part` files), headers read over SFTP."""
    base = directory or models_dir(board)
    sftp = board.sftp()
    try:
        with file_op("list", base, missing_ok=True):
            entries = sftp.listdir_attr(base)
    except FileNotFoundError:
        return []
    served_set = {posixpath.normpath(p) for p in served}
    out: list[BoardModel] = []
    for entry in sorted(entries, key=lambda e: e.filename.lower()):
        name = entry.filename
        if name.startswith(".") or not stat.S_ISREG(entry.st_mode or 0):
            continue
        path = f"{base}/{name}"
        if name.endswith(".gguf.part"):
            out.append(BoardModel(path, entry.st_size or 0, int(entry.st_mtime or 0), partial=True))
            continue
        if not name.lower().endswith(".gguf"):
            continue
        model = BoardModel(path, entry.st_size or 0, int(entry.st_mtime or 0), served=path in served_set)
        try:
            model.info = inspect(board, path)
        except NotGguf as exc:
            model.error = f"Not a usable GGUF file: {exc.message}"
        out.append(model)
    texts = [m for m in out if m.info is not None and not m.info.is_vision_projector]
    for proj in (m for m in out if m.is_projector):
        assert proj.info is not None
        for text in texts:
            assert text.info is not None
            if pairs_with(proj.info, text.info):
                proj.pairs.append(text.name)
                text.pairs.append(proj.name)
    return out


# --- download ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadRequest:
    """One file to fetch onto the board."""

    url: str
    filename: str  # the name in the models folder
    repo: str = ""
    revision: str = "main"
    path: str = ""  # the file inside the repo
    endpoint: str = DEFAULT_ENDPOINT
    sha256: str | None = None  # pinned (catalogue); else the Hub's published one is used
    size: int | None = None  # exact size when known

    @classmethod
    def from_ref(
        cls, ref: ModelRef, *, sha256: str | None = None, size: int | None = None
    ) -> DownloadRequest:
        return cls(ref.url, ref.filename, ref.repo, ref.revision, ref.path, ref.endpoint, sha256, size)

    @property
    def job_key(self) -> str:
        return download_key(self.filename)


def download_key(filename: str) -> str:
    """The job key of the download of `filename`: one job per target file, so a second pull of the same file
    (or an app restarted meanwhile) attaches to the running one."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:80]
    return f"download-{safe}-{hashlib.sha256(filename.encode()).hexdigest()[:8]}"


def catalogue_requests(model: CatalogueModel, endpoint: str = DEFAULT_ENDPOINT) -> list[DownloadRequest]:
    """The files a catalogue model needs: the model, then its projector."""
    endpoint = normalise_endpoint(endpoint)
    out = []
    files = [model.model] + ([model.projector] if model.projector else [])
    for f in files:
        out.append(
            DownloadRequest(
                url=resolve_url(endpoint, model.repo, model.revision, f.file),
                filename=models_folder_name(f.file),
                repo=model.repo,
                revision=model.revision,
                path=f.file,
                endpoint=endpoint,
                sha256=f.sha256,
                size=f.size if f.size_exact else None,
            )
        )
    return out


_PROGRESS_FIELDS = re.compile(r"(\w+)=(-?\d+)")


def describe_transfer(done: int, total: int, speed: float, eta: float | None) -> str:
    """`52.4 MB of 98.4 MB · 3.1 MB/s · 15 s left` for people."""
    text = f"{format_bytes(done)} of {format_bytes(total)}" if total else format_bytes(done)
    if speed > 0:
        text += f" · {format_bytes(speed)}/s"
    if eta is not None and eta >= 0 and done < total:
        text += f" · {_duration(eta)} left"
    return text


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def _transfer_reporter(report: Reporter, filename: str) -> Reporter:
    """Turn the script's `bytes=… total=… speed=… eta=…` progress into data + a readable message."""

    def wrapped(ev: Event) -> None:
        if ev.kind == PROGRESS and ev.step == "download" and "bytes=" in ev.message:
            values = {k: int(v) for k, v in _PROGRESS_FIELDS.findall(ev.message)}
            done, total = values.get("bytes", 0), values.get("total", 0)
            speed = float(values.get("speed", 0))
            eta_raw = values.get("eta", -1)
            eta = float(eta_raw) if eta_raw >= 0 else None
            data: dict[str, Any] = {
                "bytes": done,
                "total": total,
                "speed": speed,
                "eta": eta,
                "file": filename,
            }
            message = describe_transfer(done, total, speed, eta)
            if "retry" in values:
                data["retry_in"] = values["retry"]
                message = f"{format_bytes(done)} of {format_bytes(total)} · retrying in {values['retry']} s"
            ev = Event(PROGRESS, step=ev.step, fraction=ev.fraction, message=message, data=data)
        report(ev)

    return wrapped


def _raise_job_failure(job: jobs.Job, what: str) -> None:
    failure = job.last_failure()
    if job.status == 130:
        raise Cancelled(f"{what} was cancelled.")
    if failure is None:
        tail = "\n".join(job.log_tail(10))
        raise RemoteFailed(f"{what} failed on the board (exit status {job.status}).\n{tail}".rstrip())
    cls = _JOB_ERRORS.get(failure.code)
    if cls is None:
        raise RemoteFailed(failure.message or f"{what} failed.", code=failure.code)
    raise cls(failure.message)


def _info(job: jobs.Job, key: str) -> str:
    for ev in reversed(job.events):
        if ev.kind == "info" and key in ev.data:
            return str(ev.data[key])
    return ""


def pull(
    board: Board,
    request: DownloadRequest,
    *,
    token: str | None = None,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    scripts: jobs.ScriptStore | None = None,
    reconnect: jobs.ReconnectFn | None = None,
    directory: str | None = None,
    stall_seconds: int | None = None,
    retries: int | None = None,
) -> BoardModel:
    """Download `request` onto the board as a job; returns the verified file as listed.

    The token reaches the board only in the job's environment. A partial `.part` file from an earlier
    attempt is continued. Raises ModelNotFound, HfAuthRequired, NoSpace, NotGguf, ChecksumMismatch, ...
    """
    if not _PLAIN_NAME.match(request.filename):
        raise UsageError(f"{request.filename!r} is not a plain .gguf file name.")
    base = directory or models_dir(board)
    args = [request.url, base, request.filename]
    if request.sha256:
        args += ["--sha256", request.sha256.lower()]
    if request.size:
        args += ["--size", str(request.size)]
    if request.repo and request.path:
        args += [
            "--endpoint",
            normalise_endpoint(request.endpoint),
            "--repo",
            request.repo,
            "--revision",
            request.revision,
            "--path",
            request.path,
        ]
    env: dict[str, str] = {}
    if token:
        env["HF_TOKEN"] = token
    if stall_seconds is not None:
        env["RPS_STALL_SECONDS"] = str(stall_seconds)
    if retries is not None:
        env["RPS_RETRIES"] = str(retries)
    store = scripts or jobs.ScriptStore()
    with jobs.OwnedReconnects(reconnect) as reconnects:
        job = jobs.run(
            board,
            store,
            DOWNLOAD_SCRIPT,
            args,
            key=request.job_key,
            env=env,
            report=_transfer_reporter(report, request.filename),
            cancel=cancel,
            reconnect=reconnects.fn,
        )
        return _downloaded(reconnects.live(board), job, base, request.filename)


def _downloaded(board: Board, job: jobs.Job, base: str, filename: str) -> BoardModel:
    if job.status != 0:
        _raise_job_failure(job, f"The download of {filename}")
    path = _info(job, "path") or f"{base}/{filename}"
    return _one(board, path)


def follow_download(
    board: Board,
    filename: str,
    *,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    reconnect: jobs.ReconnectFn | None = None,
    directory: str | None = None,
) -> BoardModel | None:
    """Follow the download of `filename` still running on the board (started before an app restart) to its
    end, reporting its events from the start of its log; the verified file as listed, or None when no such
    download runs. Cancel stops it on the board (the `.part` stays, like `pull`)."""
    job = jobs.find_running(board, download_key(filename))
    if job is None:
        return None
    base = directory or models_dir(board, create=False)
    with jobs.OwnedReconnects(reconnect) as reconnects:
        job = jobs.follow_reconnecting(
            board, job, _transfer_reporter(report, filename), cancel=cancel, reconnect=reconnects.fn
        )
        return _downloaded(reconnects.live(board), job, base, filename)


def _one(board: Board, path: str) -> BoardModel:
    try:
        with file_op("read", path, missing_ok=True):
            st = board.sftp().stat(path)
    except FileNotFoundError:
        raise ModelNotFound(f"{path} is not on the board.") from None
    model = BoardModel(path, st.st_size or 0, int(st.st_mtime or 0))
    try:
        model.info = inspect(board, path)
    except NotGguf as exc:
        model.error = f"Not a usable GGUF file: {exc.message}"
    return model


def running_downloads(board: Board, listed: Collection[BoardModel]) -> list[str]:
    """The files of `listed` (a listing) whose download is running on the board right now, by name without
    `.part` (to re-attach after an app restart with `follow_download`). One command for all of them."""
    names = [m.name.removesuffix(".part") for m in listed if m.partial]
    if not names:
        return []
    d = shlex.quote(f"{board.home()}/{jobs.STATE_DIR}")
    keys = " ".join(shlex.quote(download_key(n)) for n in names)
    result = board.quick(
        f'd={d}; for k in {keys}; do id=$(cat "$d/by-key/$k" 2>/dev/null) || continue; '
        '[ -n "$id" ] && [ ! -e "$d/$id/status" ] && kill -0 "-$(cat "$d/$id/pid" 2>/dev/null)" 2>/dev/null '
        '&& echo "$k"; done; true'
    )
    running = set(result.stdout.split())
    return [n for n in names if download_key(n) in running]


# --- quantize ----------------------------------------------------------------------------------------------


def output_name(source: str, qtype: str) -> str:
    """`qwen2-1_5b-instruct-fp16.gguf` → `qwen2-1_5b-instruct-q4_0.gguf`; else `<stem>-Q4_0.gguf`."""
    stem = source[:-5] if source.lower().endswith(".gguf") else source
    padded = stem + "."
    m = _PRECISION_TOKEN.search(padded)
    if m:
        token = qtype.lower() if m.group(1).islower() else qtype.upper()
        return padded[: m.start()] + token + padded[m.end() : -1] + ".gguf"
    name = f"{stem}-{qtype}.gguf"
    return name


def manual_output_name(source: str, qtype: str) -> str:
    """The RUBIK Pi manual's name for a pure quantization (`llama-quantize --pure in out Q4_0`):
    `qwen2-1_5b-instruct-fp16.gguf` → `qwen2-1_5b-instruct-q4_0-pure.gguf`."""
    return output_name(source, qtype)[:-5] + "-pure.gguf"


_QUANT_TOKEN = re.compile(r"(?i)(?<=[-_.])(i?q[2-8]_(?:[01]|k(?:_[sml])?)|iq\d_\w+|q8_0|pure)(?=[-_.])")


def model_identity(file_name: str) -> str:
    """A file name without its precision, quantization and `pure` tokens, separators folded:
    `qwen2-1_5b-instruct-fp16.gguf` and `qwen2-1_5b-instruct-q4_0-pure.gguf` give `qwen2-1-5b-instruct`."""
    stem = file_name[:-5] if file_name.lower().endswith(".gguf") else file_name
    padded = "." + stem + "."
    for _ in range(3):  # tokens may touch: `-q4_0-pure-`
        padded = _QUANT_TOKEN.sub("", _PRECISION_TOKEN.sub("", padded))
    return "-".join(t for t in re.split(r"[-_.\s]+", padded.lower()) if t)


def match_quantized(
    source: str, qtype: str, headers: Mapping[str, GgufInfo], *, source_info: GgufInfo | None = None
) -> str | None:
    """Which file holds `source` quantized to `qtype`, told by the headers (`headers`: file name → header of
    the files in the models folder): the app's output (`output_name`), the manual's hand-made
    `*-q4_0-pure.gguf`, or any other name. A file qualifies when its header says `qtype` and it is not a
    projector, and it is the same model: the same architecture, parameter count and layers as the source's
    header when the source is there (`source_info`), else the same name once precision and quantization are
    left out (the file's, or the header's general.name). A pure one is preferred, then the app's and the
    manual's names."""
    qtype = qtype.upper()
    app, manual = output_name(source, qtype), manual_output_name(source, qtype)
    want = model_identity(source)
    found = []
    for name, info in headers.items():
        if name == source or info.is_vision_projector or info.quantization != qtype:
            continue
        if source_info is not None:
            same = (info.architecture, info.parameter_count, info.block_count) == (
                source_info.architecture,
                source_info.parameter_count,
                source_info.block_count,
            )
        else:
            same = want in (model_identity(name), model_identity(info.name or ""))
        if same:
            found.append(name)
    found.sort(key=lambda n: (not headers[n].is_pure, n not in (app, manual), n != app, n))
    return found[0] if found else None


def estimate_quantized_size(info: GgufInfo, qtype: str) -> int:
    """Bytes the output will take: matrices at the new type, everything else as it is (plus a margin)."""
    target = _QUANT_ELEMENT_TYPE.get(qtype, qtype)
    block = size = 0
    for name, b, s in GGML_TYPES.values():
        if name == target:
            block, size = b, s
    total = info.data_offset
    for t in info.tensors:
        is_matrix = sum(1 for d in t.shape if d > 1) >= 2
        if is_matrix and block and t.shape and t.shape[0] % block == 0:
            total += t.n_elements // block * size
        else:
            total += t.n_bytes
    return int(total * _ESTIMATE_MARGIN)


def find_quantize_tool(board: Board) -> str | None:
    """llama-quantize on the board: in the manual's build folder (where `probe` looks), else on PATH."""
    script = (
        'for d in "$HOME/dev/llm/llama.cpp/build/bin" "$HOME/dev/llm/llama.cpp/build-current/bin"; do '
        '[ -x "$d/llama-quantize" ] && { echo "$d/llama-quantize"; exit 0; }; done; '
        "command -v llama-quantize || true"
    )
    found = board.quick(script).stdout.strip()
    return found or None


@dataclass(frozen=True)
class QuantizePlan:
    source: str
    output: str
    qtype: str
    pure: bool
    allow_requantize: bool
    source_quantization: str
    estimated_size: int


def plan_quantize(
    board: Board,
    source: str,
    *,
    qtype: str = "Q4_0",
    pure: bool = True,
    allow_requantize: bool = False,
    output: str | None = None,
    directory: str | None = None,
    overwrite: bool = False,
) -> QuantizePlan:
    """Check a quantization before running it. Raises ProjectorNotQuantized, NeedsRequantize, UsageError, and
    ModelExists when the output is already on the board (`overwrite` replaces it)."""
    qtype = qtype.upper()
    if qtype not in QUANT_TYPES:
        raise UsageError(f"{qtype} is not a quantization type the app offers.", hint=", ".join(QUANT_TYPES))
    src = _in_models_dir(board, source, directory)
    info = inspect(board, src)
    if info.is_vision_projector:
        raise ProjectorNotQuantized(
            f"{posixpath.basename(src)} is a vision projector; projectors stay f16 (llama.cpp's image path "
            "expects them so). Quantize the text model instead."
        )
    current = info.quantization
    if current not in UNQUANTIZED and not allow_requantize:
        raise NeedsRequantize(
            f"{posixpath.basename(src)} is already quantized ({current}). Requantizing loses quality; "
            "quantize the f16 original if you have it.",
            hint="To go ahead anyway: --allow-requantize (the GUI asks).",
            quantization=current,
        )
    if output is not None and any(ord(c) < 32 or c == "\x7f" for c in output):
        # A newline would split the job's progress lines (the output path is reported in one).
        raise UsageError(f"{output!r} is not a usable file name: it contains control characters.")
    out = _in_models_dir(board, output or output_name(posixpath.basename(src), qtype), directory)
    if out == src:
        out = _in_models_dir(
            board, output_name(posixpath.basename(src)[:-5] + "-pure.gguf", qtype), directory
        )
    if not overwrite and board.exists(out):
        # llama-quantize's output replaces the file at the end (mv -f): a file made earlier, perhaps with
        # other settings or by hand, would be lost without a word.
        raise ModelExists(
            f"{posixpath.basename(out)} is already on the board.",
            hint="Delete it first, choose another output name, or overwrite it (--overwrite; the GUI asks).",
            path=out,
        )
    return QuantizePlan(
        src, out, qtype, pure, allow_requantize and current not in UNQUANTIZED, current,
        estimate_quantized_size(info, qtype),
    )  # fmt: skip


def quantize(
    board: Board,
    source: str,
    *,
    qtype: str = "Q4_0",
    pure: bool = True,
    allow_requantize: bool = False,
    output: str | None = None,
    delete_source: bool = False,
    served: Collection[str] = (),
    quantize_bin: str | None = None,
    directory: str | None = None,
    overwrite: bool = False,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
    scripts: jobs.ScriptStore | None = None,
    reconnect: jobs.ReconnectFn | None = None,
) -> BoardModel:
    """Quantize a model in the models folder with the board's llama-quantize (default: pure Q4_0).

    An output already on the board is refused (ModelExists) unless `overwrite`; a served one always is."""
    plan = plan_quantize(
        board,
        source,
        qtype=qtype,
        pure=pure,
        allow_requantize=allow_requantize,
        output=output,
        directory=directory,
        overwrite=overwrite,
    )
    served_paths = {posixpath.normpath(p) for p in served}
    if delete_source and posixpath.normpath(plan.source) in served_paths:
        raise ModelInUse(
            f"{posixpath.basename(plan.source)} is being served; stop the server before deleting it.",
            hint=STOP_SERVER_HINT,
        )
    if posixpath.normpath(plan.output) in served_paths:
        raise ModelInUse(
            f"{posixpath.basename(plan.output)} is being served; stop the server before replacing it.",
            hint=STOP_SERVER_HINT,
        )
    tool = quantize_bin or find_quantize_tool(board)
    if tool is None:
        raise NoQuantizeTool(
            "llama-quantize was not found on the board (~/dev/llm/llama.cpp/build/bin or PATH).",
            hint="Run the setup to build llama.cpp first.",
        )
    if plan.source_quantization not in UNQUANTIZED:
        report(
            Event(
                "warn",
                step="quantize",
                message=f"Requantizing {plan.source_quantization} to {plan.qtype}: quality suffers.",
            )
        )
    args = [tool, plan.source, plan.output, plan.qtype, "--need", str(plan.estimated_size)]
    if plan.pure:
        args.append("--pure")
    if plan.allow_requantize:
        args.append("--allow-requantize")
    key = "quantize-" + hashlib.sha256(plan.output.encode()).hexdigest()[:12]
    with jobs.OwnedReconnects(reconnect) as reconnects:
        job = jobs.run(
            board,
            scripts or jobs.ScriptStore(),
            QUANTIZE_SCRIPT,
            args,
            key=key,
            report=report,
            cancel=cancel,
            reconnect=reconnects.fn,
        )
        if job.status != 0:
            _raise_job_failure(job, f"Quantizing {posixpath.basename(plan.source)}")
        board = reconnects.live(board)
        result = _one(board, _info(job, "path") or plan.output)
        if delete_source:
            delete(board, plan.source, served=served)
            report(
                Event(STEP_DONE, step="delete-source", message=f"deleted {posixpath.basename(plan.source)}")
            )
        return result


# --- delete and upload -------------------------------------------------------------------------------------


def delete(board: Board, path: str, *, served: Collection[str] = (), directory: str | None = None) -> None:
    """Delete a model (or an unfinished `.part`) from the models folder. Never a file being served."""
    full = _in_models_dir(board, path, directory)
    if not (full.endswith(".gguf") or full.endswith(".gguf.part")):
        raise UsageError(f"{posixpath.basename(full)} is not a model file.")
    if full in {posixpath.normpath(p) for p in served}:
        raise ModelInUse(
            f"{posixpath.basename(full)} is being served; stop the server before deleting it.",
            hint=STOP_SERVER_HINT,
        )
    sftp = board.sftp()
    try:
        with file_op("delete", full, missing_ok=True):
            sftp.remove(full)
    except FileNotFoundError:
        raise ModelNotFound(f"{posixpath.basename(full)} is not on the board.") from None
    marker = f"{posixpath.dirname(full)}/.{posixpath.basename(full)}.sha256"
    with contextlib.suppress(FileNotFoundError):
        sftp.remove(marker)


def push(
    board: Board,
    local: Path,
    *,
    name: str | None = None,
    overwrite: bool = False,
    served: Collection[str] = (),
    directory: str | None = None,
    report: Reporter = ignore,
    cancel: CancelToken | None = None,
) -> BoardModel:
    """Upload a GGUF file from this computer into the models folder, with progress; resumes a `.part`."""
    try:
        info = read_gguf_info(local)
    except FileNotFoundError:
        raise UsageError(f"{local} does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"{local} is a folder, not a GGUF file.") from None
    target_name = name or local.name
    if not _PLAIN_NAME.match(target_name):
        raise UsageError(
            f"{target_name!r} is not a plain .gguf file name.",
            hint="Use letters, digits, '.', '_', '+' and '-', ending in .gguf.",
        )
    base = directory or models_dir(board)
    remote = f"{base}/{target_name}"
    if board.exists(remote):
        if not overwrite:
            raise ModelExists(
                f"{target_name} is already on the board.", hint="Delete it first, or overwrite."
            )
        if remote in {posixpath.normpath(p) for p in served}:
            raise ModelInUse(
                f"{target_name} is being served; stop the server before replacing it.", hint=STOP_SERVER_HINT
            )
    size = local.stat().st_size
    try:
        have = board.sftp().stat(remote + ".part").st_size or 0
    except FileNotFoundError:
        have = 0
    free = disk_free(board, base)
    need = size - min(have, size)
    if need > free:
        raise NoSpace(
            f"Uploading {local.name} needs {format_bytes(need)} on the board, but only {format_bytes(free)} "
            "is free.",
            needed=need,
            free=free,
        )
    report(Event(STEP_START, step="upload", message=f"Upload {target_name}"))

    def progress(ev: Event) -> None:
        if ev.kind == PROGRESS and "bytes" in ev.data:
            d = ev.data
            ev = Event(
                PROGRESS,
                step=ev.step,
                fraction=ev.fraction,
                message=describe_transfer(
                    d["bytes"], d.get("total", size), d.get("speed") or 0, d.get("eta")
                ),
                data={**d, "file": target_name},
            )
        report(ev)

    try:
        board.put_file(local, remote, report=progress, cancel=cancel, resume=True, step="upload")
    except paramiko.SFTPError as exc:  # pragma: no cover - put_file maps OSErrors; SFTPError is rare
        raise RemoteFailed(f"Upload of {local.name} failed: {exc}") from None
    report(Event(STEP_DONE, step="upload", message=target_name))
    model = _one(board, remote)
    if model.info is None or model.info.tensor_count != info.tensor_count:
        raise RemoteFailed(f"The uploaded {target_name} does not read back as the file that was sent.")
    return model


# --- the catalogue against a board -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    ram: bool | None  # None: not known (no board facts)
    disk: bool | None
    why: str = ""


def catalogue_fit(model: CatalogueModel, *, mem_total_kb: int = 0, disk_free_bytes: int | None = None) -> Fit:
    """Whether a catalogue model fits a board's RAM (with room for the system) and free disk."""
    ram = None if not mem_total_kb else model.ram_mb * 1024 + 1024 * 1024 <= mem_total_kb
    disk = None if disk_free_bytes is None else model.disk_needed <= disk_free_bytes
    reasons = []
    if ram is False:
        reasons.append(f"needs about {model.ram_mb} MB of RAM")
    if disk is False:
        reasons.append(f"needs {format_bytes(model.disk_needed)} of free disk")
    return Fit(ram, disk, "; ".join(reasons))


def token_env(token: str | None) -> Mapping[str, str]:
    """The job environment that carries a Hugging Face token (for callers that start jobs themselves)."""
    return {"HF_TOKEN": token} if token else {}


ServedPaths = Callable[[], Collection[str]]
"""What the server module provides: the absolute paths of the models it serves right now."""
