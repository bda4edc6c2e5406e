"""Read what matters about a GGUF model from its header, in pure Python.

The app ships without numpy or the `gguf` package, and reads headers of files that live on the board over
SFTP, so the reader takes a `read(offset, size) -> bytes` callback (or a seekable binary file, or a local
path) and asks only for header bytes: it starts with a small chunk and asks for a larger one whenever a
value runs past what it has (a 150k-token vocabulary makes a header of several megabytes).

Layout (little-endian unless the version reads byte-swapped; GGUF v2/v3):
    magic "GGUF", u32 version, u64 tensor_count, u64 kv_count,
    kv_count × (string key, u32 type, value), tensor_count × (string name, u32 n_dims, u64 ne[n_dims],
    u32 ggml_type, u64 offset), padding to `general.alignment` (default 32), tensor data.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import StudioError

ReadAt = Callable[[int, int], bytes]
"""`read(offset, size)` returns up to `size` bytes at `offset`; fewer only at the end of the file."""

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
FIRST_CHUNK = 64 * 1024
MAX_CHUNK = 16 * 1024 * 1024
MAX_HEADER = 256 * 1024 * 1024
# Arrays with at most this many elements keep their values in `GgufInfo.metadata` (image_mean, ...).
SMALL_ARRAY = 16


class NotGguf(StudioError):
    """The file is not a GGUF model."""

    code = "E_NOT_GGUF"
    exit_code = 1

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: magic | truncated | version | corrupt | empty
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


# ggml_type id → (name, elements per block, bytes per block), as in llama.cpp b11434 (ggml-common.h, gguf-py).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
    40: ("NVFP4", 64, 36),
    41: ("Q1_0", 128, 18),
    42: ("Q2_0", 64, 18),
}

# general.file_type (llama_ftype) → the name llama-quantize takes and prints.
FILE_TYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
    41: "Q2_0",
}

# GGUF metadata value types.
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL, _STRING, _ARRAY = range(10)
_UINT64, _INT64, _FLOAT64 = 10, 11, 12
_SCALAR_FORMATS = {
    _UINT8: "B",
    _INT8: "b",
    _UINT16: "H",
    _INT16: "h",
    _UINT32: "I",
    _INT32: "i",
    _FLOAT32: "f",
    _BOOL: "?",
    _UINT64: "Q",
    _INT64: "q",
    _FLOAT64: "d",
}
_SCALAR_SIZES = {t: struct.calcsize("<" + f) for t, f in _SCALAR_FORMATS.items()}


@dataclass(frozen=True)
class ArrayInfo:
    """A metadata array too long to keep: its element type (GGUF value type id) and length."""

    item_type: int
    count: int


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # ggml ne order: ne[0] is the row length
    type_id: int
    offset: int  # relative to the start of the tensor data

    @property
    def type_name(self) -> str:
        return ggml_type_name(self.type_id)

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def n_bytes(self) -> int:
        _, block, size = GGML_TYPES.get(self.type_id, ("", 0, 0))
        if block == 0:
            return 0
        return self.n_elements // block * size


@dataclass(frozen=True)
class GgufInfo:
    version: int
    architecture: str
    name: str
    tensor_count: int
    parameter_count: int
    file_type: int | None  # general.file_type, if present
    file_type_name: str  # from general.file_type, else derived from the tensors
    dominant_type: str  # the ggml type holding most elements of the ≥2-D tensors (the matrices)
    type_histogram: dict[str, int]  # ggml type name → number of tensors
    other_matrix_types: tuple[str, ...]  # types of matrices that are not `dominant_type`, sorted
    context_length: int | None
    embedding_length: int | None
    block_count: int | None
    vocab_size: int | None
    is_vision_projector: bool
    projector_type: str | None
    projection_width: int | None  # the text n_embd this projector feeds
    header_size: int  # bytes up to the end of the tensor infos (what had to be read)
    data_offset: int  # where tensor data starts (header_size padded to the alignment)
    data_size: int  # bytes of tensor data the tensor infos describe
    file_size: int | None  # when known; a file shorter than data_offset + data_size is refused
    metadata: dict[str, Any] = field(repr=False)  # scalars, strings, short arrays; long ones as ArrayInfo
    tensors: tuple[TensorInfo, ...] = field(repr=False)

    @property
    def quantization(self) -> str:
        """What to show as the model's quantization."""
        return self.file_type_name

    @property
    def is_pure(self) -> bool:
        """All matrices share one type (1-D tensors such as F32 norms and biases do not count)."""
        return not self.other_matrix_types

    @property
    def needs_pure_requant(self) -> bool:
        """Labelled or mostly Q4_0 but holding matrices of other types: slow on the Adreno OpenCL path,
        which is fast only for Q4_0; `llama-quantize --pure ... Q4_0` fixes it."""
        return (
            not self.is_vision_projector
            and "Q4_0" in (self.file_type_name, self.dominant_type)
            and not (self.is_pure and self.dominant_type == "Q4_0")
        )

    @property
    def expected_file_size(self) -> int:
        return self.data_offset + self.data_size

    @property
    def vision_image_size(self) -> int | None:
        """A vision projector's input size in pixels (`clip.vision.image_size`): what it resizes images to."""
        if not self.is_vision_projector:
            return None
        size = _int_or_none(self.metadata.get("clip.vision.image_size"))
        return size if size is not None and size > 0 else None


def ggml_type_name(type_id: int) -> str:
    return GGML_TYPES.get(type_id, (f"TYPE_{type_id}", 0, 0))[0]


def file_type_name(file_type: int) -> str:
    return FILE_TYPES.get(file_type, f"FTYPE_{file_type}")


class _Cursor:
    """Reads the header sequentially, fetching more bytes from `read` in growing chunks."""

    def __init__(self, read: ReadAt, first_chunk: int, max_header: int) -> None:
        self._read = read
        self._buf = bytearray()
        self._eof = False
        self._chunk = max(16, first_chunk)
        self._max_header = max_header
        self.pos = 0
        self.endian = "<"
        self.reads = 0

    def _ensure(self, n: int, what: str) -> None:
        need = self.pos + n
        while len(self._buf) < need:
            if self._eof:
                raise NotGguf(
                    f"The GGUF header is cut short: it ends at byte {len(self._buf)} while reading {what}.",
                    reason="truncated",
                    hint="The file is incomplete (an interrupted download or copy). Download it again.",
                )
            if need > self._max_header:
                raise NotGguf(
                    f"The GGUF header would be larger than {self._max_header} bytes ({what}); "
                    "the file is corrupt or not a GGUF model.",
                    reason="corrupt",
                )
            size = max(self._chunk, need - len(self._buf))
            size = min(size, self._max_header - len(self._buf))
            data = self._read(len(self._buf), size)
            self.reads += 1
            if len(data) < size:
                self._eof = True
            self._buf += data
            self._chunk = min(self._chunk * 2, MAX_CHUNK)

    def peek(self, n: int) -> bytes:
        """Up to `n` bytes at the cursor without moving it; fewer only at the end of the file."""
        with contextlib.suppress(NotGguf):
            self._ensure(n, "the start")
        return bytes(self._buf[self.pos : self.pos + n])

    def unpack(self, fmt: str, size: int, what: str) -> Any:
        self._ensure(size, what)
        (v,) = struct.unpack_from(self.endian + fmt, self._buf, self.pos)
        self.pos += size
        return v

    def u32(self, what: str) -> int:
        return int(self.unpack("I", 4, what))

    def u64(self, what: str) -> int:
        return int(self.unpack("Q", 8, what))

    def raw(self, n: int, what: str) -> bytes:
        self._ensure(n, what)
        b = bytes(self._buf[self.pos : self.pos + n])
        self.pos += n
        return b

    def skip(self, n: int, what: str) -> None:
        self._ensure(n, what)
        self.pos += n

    def string(self, what: str) -> str:
        n = self.u64(what)
        if n > self._max_header:
            raise NotGguf(f"Corrupt GGUF header: a string of {n} bytes ({what}).", reason="corrupt")
        return self.raw(n, what).decode("utf-8", errors="replace")

    def skip_string(self, what: str) -> None:
        n = self.u64(what)
        if n > self._max_header:
            raise NotGguf(f"Corrupt GGUF header: a string of {n} bytes ({what}).", reason="corrupt")
        self.skip(n, what)


def _reader_for(source: str | os.PathLike[str] | IO[bytes] | ReadAt) -> tuple[ReadAt, int | None, Any]:
    """(read, file size if known, something to close)."""
    if isinstance(source, str | os.PathLike):
        f = Path(source).open("rb")  # noqa: SIM115 - closed by the caller through the third value
        return _file_reader(f), os.fstat(f.fileno()).st_size, f
    if callable(source) and not hasattr(source, "read"):
        return source, None, None
    f2: IO[bytes] = source  # type: ignore[assignment]
    size: int | None = None
    try:
        # paramiko's SFTPFile.seek returns None: ask tell() for the position instead
        f2.seek(0, io.SEEK_END)
        size = int(f2.tell())
    except (OSError, ValueError, AttributeError, TypeError):
        size = None
    return _file_reader(f2), size, None


def _file_reader(f: IO[bytes]) -> ReadAt:
    def read(offset: int, size: int) -> bytes:
        f.seek(offset)
        out = bytearray()
        while len(out) < size:  # a pipe or SFTP file may return less than asked before the end
            chunk = f.read(size - len(out))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    return read


def read_gguf_info(
    source: str | os.PathLike[str] | IO[bytes] | ReadAt,
    *,
    file_size: int | None = None,
    first_chunk: int = FIRST_CHUNK,
    max_header: int = MAX_HEADER,
) -> GgufInfo:
    """Parse the header of a GGUF file.

    `source` is a local path, a seekable binary file (e.g. a paramiko SFTPFile) or `read(offset, size)`.
    `file_size`, when given or known from the file, is checked against the size the tensors need, so a
    partial download is refused even when its header is complete. Raises `NotGguf`.
    """
    read, known_size, closer = _reader_for(source)
    try:
        return parse_header(
            read,
            file_size=file_size if file_size is not None else known_size,
            first_chunk=first_chunk,
            max_header=max_header,
        )
    finally:
        if closer is not None:
            closer.close()


def parse_header(
    read: ReadAt,
    *,
    file_size: int | None = None,
    first_chunk: int = FIRST_CHUNK,
    max_header: int = MAX_HEADER,
) -> GgufInfo:
    c = _Cursor(read, first_chunk, max_header)
    head = c.peek(4)
    if not head:
        raise NotGguf("The file is empty, not a GGUF model.", reason="empty")
    if head != MAGIC:
        raise NotGguf(
            f"Not a GGUF model: the file starts with {head!r} instead of b'GGUF'.",
            reason="magic",
            hint="It may be an HTML error page saved by a download, or a model in another format.",
        )
    c.skip(4, "the magic")
    version = c.u32("the version")
    if version & 0xFFFF == 0 and version > 0xFFFF:
        c.endian = ">"  # a big-endian file: the version reads byte-swapped
        version = int.from_bytes(version.to_bytes(4, "little"), "big")
    if version not in (2, 3):
        raise NotGguf(f"Unsupported GGUF version {version} (this reader knows 2 and 3).", reason="version")
    tensor_count = c.u64("the tensor count")
    kv_count = c.u64("the metadata count")
    if tensor_count > 1 << 24 or kv_count > 1 << 24:
        raise NotGguf(
            f"Corrupt GGUF header: {tensor_count} tensors and {kv_count} metadata keys.", reason="corrupt"
        )

    meta: dict[str, Any] = {}
    for i in range(kv_count):
        key = c.string(f"metadata key {i}")
        vtype = c.u32(f"the type of {key}")
        meta[key] = _read_value(c, vtype, key)

    tensors: list[TensorInfo] = []
    for i in range(tensor_count):
        name = c.string(f"tensor name {i}")
        n_dims = c.u32(f"the dimensions of {name}")
        if n_dims > 8:
            raise NotGguf(f"Corrupt GGUF header: tensor {name} has {n_dims} dimensions.", reason="corrupt")
        shape = tuple(c.u64(f"the shape of {name}") for _ in range(n_dims))
        type_id = c.u32(f"the type of {name}")
        offset = c.u64(f"the offset of {name}")
        tensors.append(TensorInfo(name, shape, type_id, offset))
    header_size = c.pos

    alignment = meta.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = DEFAULT_ALIGNMENT
    data_offset = (header_size + alignment - 1) // alignment * alignment
    data_size = max((t.offset + t.n_bytes for t in tensors), default=0)
    if file_size is not None and file_size < data_offset + data_size:
        raise NotGguf(
            f"The GGUF file is cut short: it has {file_size} bytes but its tensors need "
            f"{data_offset + data_size}.",
            reason="truncated",
            hint="The file is incomplete (an interrupted download or copy). Download it again.",
            file_size=file_size,
            expected_size=data_offset + data_size,
        )
    return _summarise(version, meta, tensors, header_size, data_offset, data_size, file_size)


def _read_value(c: _Cursor, vtype: int, key: str) -> Any:
    if vtype in _SCALAR_FORMATS:
        v = c.unpack(_SCALAR_FORMATS[vtype], _SCALAR_SIZES[vtype], key)
        return bool(v) if vtype == _BOOL else v
    if vtype == _STRING:
        return c.string(key)
    if vtype == _ARRAY:
        item_type = c.u32(f"the array type of {key}")
        count = c.u64(f"the array length of {key}")
        if count > 1 << 32:
            raise NotGguf(f"Corrupt GGUF header: array {key} has {count} items.", reason="corrupt")
        if count <= SMALL_ARRAY:
            return [_read_value(c, item_type, key) for _ in range(count)]
        if item_type in _SCALAR_SIZES:
            c.skip(count * _SCALAR_SIZES[item_type], key)
        elif item_type == _STRING:
            for _ in range(count):
                c.skip_string(key)
        elif item_type == _ARRAY:
            for _ in range(count):
                _read_value(c, _ARRAY, key)
        else:
            raise NotGguf(f"Corrupt GGUF header: unknown array type {item_type} for {key}.", reason="corrupt")
        return ArrayInfo(item_type, count)
    raise NotGguf(f"Corrupt GGUF header: unknown value type {vtype} for {key}.", reason="corrupt")


def _int_or_none(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _summarise(
    version: int,
    meta: dict[str, Any],
    tensors: list[TensorInfo],
    header_size: int,
    data_offset: int,
    data_size: int,
    file_size: int | None,
) -> GgufInfo:
    arch = meta.get("general.architecture")
    arch = arch if isinstance(arch, str) else ""
    name = meta.get("general.name")
    name = name if isinstance(name, str) else ""

    histogram = Counter(t.type_name for t in tensors)
    matrices = [t for t in tensors if sum(1 for d in t.shape if d > 1) >= 2]
    weights: Counter[str] = Counter()
    for t in matrices or tensors:
        weights[t.type_name] += t.n_elements
    dominant = weights.most_common(1)[0][0] if weights else ""
    others = tuple(sorted({t.type_name for t in matrices} - {dominant}))

    ftype = _int_or_none(meta.get("general.file_type"))
    ftype_name = file_type_name(ftype) if ftype is not None else dominant

    is_projector = arch == "clip" or any(k.startswith("clip.") for k in meta)
    projector_type = meta.get("clip.projector_type")
    if not isinstance(projector_type, str):
        projector_type = None
        if is_projector and meta.get("clip.has_llava_projector") is True:
            projector_type = "mlp"  # older llava-style files omit the type
    by_name = {t.name: t for t in tensors}
    width: int | None = None
    if is_projector:
        # mm.2 (mlp / llava) and idefics3's fc are [n_embd_vision, n_embd_text]: ne[1] is the output width.
        for out_name in ("mm.2.weight", "mm.model.fc.weight"):
            out = by_name.get(out_name)
            if out is not None and len(out.shape) >= 2:
                width = out.shape[1]
                break
        if width is None:
            width = _int_or_none(meta.get("clip.vision.projection_dim"))

    prefix = "clip.vision" if is_projector and arch == "clip" else arch
    tokens = meta.get("tokenizer.ggml.tokens")
    vocab = (
        tokens.count if isinstance(tokens, ArrayInfo) else len(tokens) if isinstance(tokens, list) else None
    )
    if vocab is None:
        vocab = _int_or_none(meta.get(f"{arch}.vocab_size"))

    return GgufInfo(
        version=version,
        architecture=arch,
        name=name,
        tensor_count=len(tensors),
        parameter_count=sum(t.n_elements for t in tensors),
        file_type=ftype,
        file_type_name=ftype_name,
        dominant_type=dominant,
        type_histogram=dict(histogram),
        other_matrix_types=others,
        context_length=_int_or_none(meta.get(f"{prefix}.context_length")),
        embedding_length=_int_or_none(meta.get(f"{prefix}.embedding_length")),
        block_count=_int_or_none(meta.get(f"{prefix}.block_count")),
        vocab_size=vocab,
        is_vision_projector=is_projector,
        projector_type=projector_type,
        projection_width=width,
        header_size=header_size,
        data_offset=data_offset,
        data_size=data_size,
        file_size=file_size,
        metadata=meta,
        tensors=tuple(tensors),
    )


def pairs_with(projector: GgufInfo, text_model: GgufInfo) -> bool:
    """A vision projector can serve a text model when its output width is the text model's n_embd."""
    return (
        projector.is_vision_projector
        and not text_model.is_vision_projector
        and projector.projection_width is not None
        and projector.projection_width == text_model.embedding_length
    )
