"""A model quantized by hand with the RUBIK Pi manual's commands is, to the wizard, the quantized model.

The manual runs `llama-quantize --pure qwen2-1_5b-instruct-fp16.gguf qwen2-1_5b-instruct-q4_0-pure.gguf Q4_0`;
the app would name the output `...-q4_0.gguf`. On the rig the real llama-quantize makes the manual's file
from the tiny f16 model (a catalogue entry is written for it), and the wizard's model step reads the board:
the file is told by its header (Q4_0, pure, the source's architecture and size), so the model counts as on
the board, is what the server will load, and is neither downloaded nor quantized again.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import rig
from rig import models as rig_models

from rubikpi_studio.core import models as m
from rubikpi_studio.core.catalogue import CatalogueModel, default_path, parse_catalogue
from rubikpi_studio.core.ssh import Board
from rubikpi_studio.ui.wizard_pages.model import default_choice, read_board_models, served_file


@pytest.fixture
def board(rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    with rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts) as b:
        yield b


def catalogue_with_tiny() -> list[CatalogueModel]:
    """The app's catalogue plus the rig's tiny f16 llama, to be quantized to pure Q4_0 as the manual's are."""
    raw = json.loads(default_path().read_text(encoding="utf-8"))
    size = rig_models.tiny_f16_path().stat().st_size
    raw["models"].append(
        {
            "id": "tiny-test", "name": "Tiny test llama", "repo": "rubikpi-studio/tiny",
            "model": {"file": "tiny-f16.gguf", "size": size, "size_exact": True, "sha256": None},
            "projector": None, "kind": "text", "parameters": "0.1M", "licence": "apache-2.0",
            "quantization": "Q4_0", "pure": True, "quantized_size": size // 3, "ram_mb": 1,
            "source": "catalogue", "verified": True,
            "description": {"en": "The rig's tiny model.", "zh_CN": "测试环境的小模型。"},
        }
    )  # fmt: skip
    return parse_catalogue(raw)


def by_hand(board: Board, folder: str, tool: str, *args: str) -> None:
    """A command typed in the models folder, as the manual has the user do (not through the app)."""
    command = f"cd {shlex.quote(folder)} && {shlex.join([tool, *args])}"
    result = board.run(["sh", "-c", command], timeout=300)
    assert result.ok, result.tail()


def test_a_model_quantized_by_hand_with_the_manuals_name_is_recognised_by_its_header(board: Board) -> None:
    catalogue = catalogue_with_tiny()
    tiny = next(x for x in catalogue if x.id == "tiny-test")
    tool = rig_models.quantize_tool_on(board)
    folder = m.models_dir(board)
    m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    manual = m.manual_output_name("tiny-f16.gguf", "Q4_0")
    assert manual == "tiny-q4_0-pure.gguf" and served_file(tiny) == "tiny-q4_0.gguf"
    # Files that must not pass for it: the same model at another type, another model at Q4_1.
    by_hand(board, folder, tool, "--pure", "tiny-f16.gguf", "tiny-q8_0.gguf", "Q8_0")
    m.push(board, rig_models.smollm2_path(), name="smollm2-135m-instruct-q4_1.gguf")

    before = read_board_models(board, catalogue)
    assert not before.has(tiny) and tiny.id not in before.quantized, "nothing quantized to Q4_0 yet"

    by_hand(board, folder, tool, "--pure", "tiny-f16.gguf", manual, "Q4_0")
    on_board = read_board_models(board, catalogue)
    assert on_board.quantized == {tiny.id: manual}, "only the tiny model is there quantized"
    assert on_board.served_name(tiny) == manual and on_board.has(tiny)
    assert default_choice(catalogue, on_board, {}) is tiny, "the model already on the board is chosen"
    listed = {x.name: x for x in m.list_models(board)}
    assert listed[manual].quantization == "Q4_0" and listed[manual].info is not None
    assert listed[manual].info.is_pure and listed[manual].warning == ""

    # The f16 deleted after quantizing (the header has nothing to compare with): the name still tells.
    board.sftp().remove(f"{folder}/tiny-f16.gguf")
    assert read_board_models(board, catalogue).served_name(tiny) == manual
    # Renamed to anything else, without the source: not taken for it (no header says which model it is).
    board.sftp().rename(f"{folder}/{manual}", f"{folder}/my-model.gguf")
    assert not read_board_models(board, catalogue).has(tiny)
    # With the f16 back, the header matches the source's (architecture, size, layers) under any name.
    m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    assert read_board_models(board, catalogue).served_name(tiny) == "my-model.gguf"


@pytest.mark.parametrize(
    ("name", "identity"),
    [
        ("qwen2-1_5b-instruct-fp16.gguf", "qwen2-1-5b-instruct"),
        ("qwen2-1_5b-instruct-q4_0-pure.gguf", "qwen2-1-5b-instruct"),
        ("qwen2-1_5b-instruct-q4_0.gguf", "qwen2-1-5b-instruct"),
        ("SmolVLM-500M-Instruct-f16.gguf", "smolvlm-500m-instruct"),
        ("SmolVLM-500M-Instruct-q4_0-pure.gguf", "smolvlm-500m-instruct"),
        ("Qwen2-1.5B-Instruct", "qwen2-1-5b-instruct"),  # a header's general.name
        ("model-Q4_K_M.gguf", "model"),
        ("smollm2-135m-instruct-q4_1.gguf", "smollm2-135m-instruct"),
    ],
)
def test_model_identity_leaves_out_precision_and_quantization(name: str, identity: str) -> None:
    assert m.model_identity(name) == identity


def test_manual_output_names_are_the_manuals() -> None:
    # manual lines 116 and 206
    assert (
        m.manual_output_name("qwen2-1_5b-instruct-fp16.gguf", "Q4_0") == "qwen2-1_5b-instruct-q4_0-pure.gguf"
    )
    assert (
        m.manual_output_name("SmolVLM-500M-Instruct-f16.gguf", "Q4_0")
        == "SmolVLM-500M-Instruct-q4_0-pure.gguf"
    )
