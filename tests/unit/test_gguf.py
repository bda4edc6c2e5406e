"""The pure-Python GGUF header reader against real files, with the `gguf` package's reader as the oracle."""

from __future__ import annotations

import io
import random
import subprocess
from pathlib import Path
from typing import Any

import gguf
import pytest
from rig import models

from rubikpi_studio.core import gguf as core_gguf
from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.gguf import FIRST_CHUNK, ArrayInfo, GgufInfo, NotGguf, pairs_with, read_gguf_info


@pytest.fixture(scope="module")
def smollm2() -> Path:
    return models.smollm2_path()


@pytest.fixture(scope="module")
def tiny() -> Path:
    return models.tiny_f16_path()


@pytest.fixture(scope="module")
def mmproj64() -> Path:
    return models.tiny_mmproj_path(64)


@pytest.fixture(scope="module")
def mmproj576() -> Path:
    return models.tiny_mmproj_path(576)


def quantized(pure: bool) -> Path:
    if models.find_llama_quantize() is None:
        pytest.skip(
            "no llama-quantize binary yet (built by the llama.cpp setup issue; or set LLAMA_QUANTIZE)"
        )
    return models.tiny_quantized_path("Q4_0", pure=pure)


class CountingReader:
    """read(offset, size) over a real file, recording every call."""

    def __init__(self, path: Path) -> None:
        self.data = path.read_bytes()
        self.calls: list[tuple[int, int]] = []

    def __call__(self, offset: int, size: int) -> bytes:
        self.calls.append((offset, size))
        return self.data[offset : offset + size]

    @property
    def bytes_read(self) -> int:
        return sum(min(size, max(0, len(self.data) - off)) for off, size in self.calls)


class ShortReads(io.RawIOBase):
    """A real file whose read() returns at most 1000 bytes, as SFTP and pipes may."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def readinto(self, b: Any) -> int:
        data = self._f.read(min(len(b), 1000))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._f.close()
        super().close()


# --- real files -----------------------------------------------------------------------------------------


def test_smollm2(smollm2: Path) -> None:
    info = read_gguf_info(smollm2)
    assert info.version == 3
    assert info.architecture == "llama"
    assert 130e6 < info.parameter_count < 140e6  # "135M"
    assert info.file_type == 3 and info.quantization == "Q4_1"
    assert info.dominant_type == "Q4_1"
    assert info.embedding_length == 576
    assert info.block_count == 30
    assert info.context_length == 8192
    assert info.vocab_size == 49152
    assert not info.is_vision_projector and info.projector_type is None and info.projection_width is None
    assert info.vision_image_size is None
    assert info.tensor_count == 272
    # llama-quantize kept token_embd at Q8_0: a real example of a file that is not pure.
    assert info.other_matrix_types == ("Q8_0",)
    assert not info.is_pure
    assert not info.needs_pure_requant  # Q4_1, not Q4_0: the OpenCL warning is about Q4_0 files
    assert info.expected_file_size == info.file_size == smollm2.stat().st_size
    assert info.metadata["tokenizer.ggml.model"] == "gpt2"
    assert info.metadata["tokenizer.ggml.tokens"] == ArrayInfo(8, 49152)


def test_tiny_f16(tiny: Path) -> None:
    info = read_gguf_info(tiny)
    assert (info.architecture, info.file_type_name, info.dominant_type) == ("llama", "F16", "F16")
    assert (info.embedding_length, info.block_count, info.context_length) == (64, 2, 2048)
    assert info.vocab_size == 267
    assert info.type_histogram == {"F16": 15, "F32": 5}
    assert info.is_pure and not info.needs_pure_requant
    assert info.tensor_count == 20
    # 267×64 embeddings + 2 × (4 norms… 2×64 norms + 64² q + 2×64×32 kv + 64² o + 3×64×128 ffn) + 64 norm
    per_block = 2 * 64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128
    assert info.parameter_count == 267 * 64 + 64 + 2 * per_block
    assert info.metadata["general.name"] == info.name == "rubikpi-studio tiny test llama"


@pytest.mark.parametrize("width", [64, 576])
def test_tiny_mmproj(width: int, tiny: Path, smollm2: Path) -> None:
    info = read_gguf_info(models.tiny_mmproj_path(width))
    assert info.is_vision_projector
    assert info.architecture == "clip"
    assert info.projector_type == "mlp"
    assert info.projection_width == width
    assert info.embedding_length == 64 and info.block_count == 2  # the vision tower's own
    assert info.metadata["clip.vision.image_mean"] == [0.5, 0.5, 0.5]
    assert info.vision_image_size == models.MMPROJ_IMAGE_SIZE == 32  # what the chat scales images to
    assert not info.needs_pure_requant
    tiny_info, smol_info = read_gguf_info(tiny), read_gguf_info(smollm2)
    assert pairs_with(info, tiny_info) is (width == 64)
    assert pairs_with(info, smol_info) is (width == 576)
    assert not pairs_with(tiny_info, info)


def test_pure_q4_0_from_real_llama_quantize() -> None:
    info = read_gguf_info(quantized(pure=True))
    assert info.file_type_name == "Q4_0" and info.dominant_type == "Q4_0"
    assert info.type_histogram == {"Q4_0": 15, "F32": 5}
    assert info.is_pure and not info.needs_pure_requant
    assert info.metadata["general.quantization_version"] == 2


def test_q4_0_without_pure_is_flagged() -> None:
    info = read_gguf_info(quantized(pure=False))
    assert info.file_type_name == "Q4_0"
    assert info.other_matrix_types  # token_embd falls back from q6_K to q8_0 on 64-wide rows
    assert info.needs_pure_requant


# --- the oracle -----------------------------------------------------------------------------------------


def _oracle_value(field: Any) -> Any:
    return field.contents()


@pytest.mark.parametrize("which", ["smollm2", "tiny", "mmproj64", "mmproj576", "q4_0"])
def test_matches_gguf_package(which: str, request: pytest.FixtureRequest) -> None:
    path = quantized(pure=True) if which == "q4_0" else request.getfixturevalue(which)
    info = read_gguf_info(path)
    reader = gguf.GGUFReader(path)
    assert info.data_offset == reader.data_offset
    assert info.tensor_count == len(reader.tensors)
    for mine, theirs in zip(info.tensors, reader.tensors, strict=True):
        assert mine.name == theirs.name
        assert mine.shape == tuple(int(d) for d in theirs.shape)
        assert mine.type_id == int(theirs.tensor_type)
        assert mine.type_name == theirs.tensor_type.name
        assert mine.n_elements == theirs.n_elements
        assert mine.n_bytes == theirs.n_bytes
        assert info.data_offset + mine.offset == theirs.data_offset
    assert info.parameter_count == sum(t.n_elements for t in reader.tensors)
    fields = {k: f for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    assert set(info.metadata) == set(fields)
    for key, value in info.metadata.items():
        if isinstance(value, ArrayInfo):
            assert value.count == len(fields[key].data)  # contents() of a 49k vocab takes seconds
            continue
        expected = _oracle_value(fields[key])
        if isinstance(value, float) or (isinstance(value, list) and value and isinstance(value[0], float)):
            assert value == pytest.approx(expected)
        else:
            assert value == expected, key


def test_type_tables_match_gguf_package() -> None:
    known = {qt.value for qt in gguf.GGMLQuantizationType}
    for type_id, (name, block, size) in core_gguf.GGML_TYPES.items():
        if type_id not in known:  # newer than the installed gguf package (Q2_0 = 42 in b11434)
            continue
        qt = gguf.GGMLQuantizationType(type_id)
        assert qt.name == name
        if name == "Q8_1":
            # gguf 0.19.0 still says 40 (two f32); ggml-common.h in llama.cpp b11434 asserts
            # sizeof(block_q8_1) == 2*sizeof(ggml_half) + 32, and its own gguf-py says (32, 2 + 2 + 32).
            assert (block, size) == (32, 36)
            continue
        assert gguf.GGML_QUANT_SIZES[qt] == (block, size), name
    for qt in gguf.GGMLQuantizationType:
        assert qt.value in core_gguf.GGML_TYPES, f"{qt.name} missing from GGML_TYPES"
    for ft in gguf.LlamaFileType:
        if ft.name == "GUESSED":
            continue
        assert core_gguf.FILE_TYPES.get(ft.value) == ft.name.removeprefix("MOSTLY_").replace("ALL_", ""), ft


# --- reading only the header, remotely --------------------------------------------------------------------


def test_reads_only_the_header_in_growing_chunks(smollm2: Path) -> None:
    reader = CountingReader(smollm2)
    info = read_gguf_info(reader)
    assert info.file_size is None  # a bare callback does not tell the size
    assert info.header_size > 1_000_000  # the vocab and merges
    assert len(reader.calls) > 2
    sizes = [size for _, size in reader.calls]
    assert sizes[0] == FIRST_CHUNK
    assert sizes == sorted(sizes)  # each read asks for more than the last
    offsets = [off for off, _ in reader.calls]
    assert offsets == sorted(set(offsets))  # never the same bytes twice
    assert reader.bytes_read < 2 * info.header_size + FIRST_CHUNK
    assert reader.bytes_read < smollm2.stat().st_size / 20


def test_small_first_chunk_and_short_reads(tiny: Path) -> None:
    whole = read_gguf_info(tiny)
    size = tiny.stat().st_size
    assert read_gguf_info(CountingReader(tiny), first_chunk=16, file_size=size) == whole
    with ShortReads(tiny) as f:
        assert read_gguf_info(f) == whole  # the size comes from seeking to the end


def test_header_bytes_alone_with_and_without_a_size(smollm2: Path) -> None:
    info = read_gguf_info(smollm2)
    head = smollm2.read_bytes()[: info.header_size]
    from_head = read_gguf_info(lambda off, n: head[off : off + n], file_size=info.file_size)
    assert from_head == info
    with pytest.raises(NotGguf) as e:
        read_gguf_info(io.BytesIO(head))  # the size of a BytesIO is its length: far too short
    assert e.value.reason == "truncated"


# --- refusals ---------------------------------------------------------------------------------------------


def test_not_gguf() -> None:
    with pytest.raises(NotGguf) as e:
        read_gguf_info(models.not_gguf_path())
    assert e.value.code == "E_NOT_GGUF" and e.value.reason == "magic"
    assert isinstance(e.value, StudioError)
    assert "<!DO" in str(e.value) and "GGUF" in str(e.value)


def test_truncated_header() -> None:
    with pytest.raises(NotGguf) as e:
        read_gguf_info(models.truncated_gguf_path("header"))
    assert e.value.reason == "truncated"
    assert "cut short" in e.value.message


def test_truncated_data() -> None:
    path = models.truncated_gguf_path("data")
    with pytest.raises(NotGguf) as e:
        read_gguf_info(path)
    assert e.value.reason == "truncated"
    assert e.value.data["file_size"] == path.stat().st_size
    assert e.value.data["expected_size"] == models.tiny_f16_path().stat().st_size


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.gguf"
    p.write_bytes(b"")
    with pytest.raises(NotGguf) as e:
        read_gguf_info(p)
    assert e.value.reason == "empty"


def test_unsupported_version(tiny: Path) -> None:
    data = bytearray(tiny.read_bytes())
    data[4:8] = (1).to_bytes(4, "little")
    with pytest.raises(NotGguf) as e:
        read_gguf_info(io.BytesIO(bytes(data)))
    assert e.value.reason == "version"


def test_every_cut_of_a_header_is_refused_cleanly(mmproj64: Path) -> None:
    data = mmproj64.read_bytes()
    header_size = read_gguf_info(mmproj64).header_size
    for cut in range(0, header_size + 1, 3):
        with pytest.raises(NotGguf):
            read_gguf_info(io.BytesIO(data[:cut]))


def test_corrupted_headers_never_raise_anything_else(mmproj64: Path) -> None:
    data = mmproj64.read_bytes()
    header_size = read_gguf_info(mmproj64).header_size
    rng = random.Random(7)
    parsed = 0
    for _ in range(400):
        bad = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            bad[rng.randrange(4, header_size)] = rng.randrange(256)
        try:
            info = read_gguf_info(io.BytesIO(bytes(bad)))
        except NotGguf:
            continue
        assert isinstance(info, GgufInfo)
        parsed += 1
    assert parsed > 0  # most single-byte changes land in names or values and still parse


def test_llama_quantize_refuses_what_we_refuse() -> None:
    """The truncated files really are unloadable for llama.cpp, not only for our reader."""
    binary = models.find_llama_quantize()
    if binary is None:
        pytest.skip(
            "no llama-quantize binary yet (built by the llama.cpp setup issue; or set LLAMA_QUANTIZE)"
        )
    for path in (
        models.truncated_gguf_path("header"),
        models.truncated_gguf_path("data"),
        models.not_gguf_path(),
    ):
        out = path.with_name(path.name + ".q4_0.out")
        r = subprocess.run([str(binary), str(path), str(out), "Q4_0"], capture_output=True, timeout=60)
        out.unlink(missing_ok=True)
        assert r.returncode != 0, path.name
