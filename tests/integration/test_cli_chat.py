"""`rubikpi-studio chat` against a REAL llama-server (SmolLM2-135M): directly with --url, and over SSH on the
rig board, where the CLI adopts the server the board user started and tunnels to it.

The CLI runs as a separate process (`python -m rubikpi_studio.cli`), as a user would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rig
from rig import models
from rig.llama_server import LlamaServer, find_llama_server, free_port, llama_server_missing_reason

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def llama_bin() -> Path:
    binary = find_llama_server()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    return binary


@pytest.fixture(scope="module")
def text_server(llama_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(llama_bin, models.smollm2_path(), log_dir=tmp_path_factory.mktemp("llama")) as srv:
        yield srv


def cli(*args: str, stdin: str = "", timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rubikpi_studio.cli", "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def test_chat_url_streams_a_real_answer(text_server: LlamaServer) -> None:
    r = cli(
        "--url", text_server.base_url, "--max-tokens", "24", "--seed", "3", "--temperature", "0", "Hello!"
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip()
    assert "tokens/s" in r.stderr and "prompt tokens" in r.stderr and "first token after" in r.stderr

    # --json: one object per delta, then the result; the deltas add up to the answer, same seed same text
    j = cli(
        "--url",
        text_server.base_url,
        "--json",
        "--max-tokens",
        "24",
        "--seed",
        "3",
        "--temperature",
        "0",
        "Hello!",
    )
    assert j.returncode == 0, j.stderr
    lines = [json.loads(line) for line in j.stdout.splitlines()]
    deltas = [x["delta"] for x in lines if "delta" in x]
    result = lines[-1]["result"]
    assert len(deltas) > 1 and "".join(deltas) == result["content"]
    assert result["timings"]["predicted_n"] == len(deltas) and result["usage"]["prompt_tokens"] > 0
    assert result["content"].strip() == r.stdout.strip()


def test_chat_refuses_an_image_for_a_text_model_before_sending(
    text_server: LlamaServer, tmp_path: Path
) -> None:
    png = tmp_path / "red.png"
    png.write_bytes(bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 32)
    before = text_server.log_text().count("/v1/chat/completions")
    r = cli("--url", text_server.base_url, "--image", str(png), "What is this?")
    assert r.returncode == 1
    assert "does not take images" in r.stderr and "mmproj" in r.stderr
    assert text_server.log_text().count("/v1/chat/completions") == before


def test_chat_usage_errors(text_server: LlamaServer) -> None:
    assert cli("--url", text_server.base_url).returncode == 2
    r = cli("--url", "http://127.0.0.1:9", "Hello")  # nothing listens on the discard port
    assert r.returncode == 3 and "cannot be reached" in r.stderr


def _wait_health(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("llama-server on the board did not become ready")


def _start_on_board(account: rig.RigAccount, llama_bin: Path, *, cwd: str = "~", extra: str = "") -> int:
    """Start llama-server by hand as the board user (as the manual does); returns its port once healthy."""
    port = free_port()
    model = models.smollm2_path()
    start = (
        f"cd {cwd}; setsid nohup {llama_bin} -m {model} --host 127.0.0.1 --port {port} -c 1024 -np 1 "
        f"--no-warmup -t 2 {extra} > ~/llama.log 2>&1 < /dev/null & echo started"
    )
    assert "started" in rig.run_as(account.user, start).stdout
    _wait_health(port)
    return port


def _ssh_args(sshd: rig.RigSshd, account: rig.RigAccount, known_hosts: Path) -> list[str]:
    return [
        sshd.host,
        "--port",
        str(sshd.port),
        "--user",
        account.user,
        "--identity",
        str(account.key_path),
        "--known-hosts",
        str(known_hosts),
    ]


def test_chat_over_ssh_adopts_the_boards_server(
    llama_bin: Path, rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    try:
        _start_on_board(fresh_account, llama_bin)
        r = cli(*_ssh_args(rig_sshd, fresh_account, tmp_known_hosts), "--max-tokens", "16", "Say hello.")
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.strip() and "tokens/s" in r.stderr
    finally:
        rig.run_as(fresh_account.user, 'pkill -u "$(id -u)" -x llama-server; true')


def test_chat_image_over_ssh_is_scaled_to_the_projectors_size_and_counted(
    llama_bin: Path,
    rig_sshd: rig.RigSshd,
    fresh_account: rig.RigAccount,
    tmp_known_hosts: Path,
    tmp_path: Path,
) -> None:
    """The board's server was started by hand with a projector given relative to its working folder; the CLI
    reads the projector's image size (32 px) from its header over SFTP and scales the image to it."""
    mmproj = models.tiny_mmproj_path(576)
    big = tmp_path / "big.png"
    big.write_bytes(models.make_png(1200, 800, (200, 80, 40)))
    ssh = _ssh_args(rig_sshd, fresh_account, tmp_known_hosts)
    try:
        _start_on_board(fresh_account, llama_bin, cwd=str(mmproj.parent), extra=f"--mmproj {mmproj.name}")

        def ask(*extra: str) -> dict[str, object]:
            r = cli(*ssh, "--json", "--max-tokens", "4", "--temperature", "0", *extra, "Describe it.")
            assert r.returncode == 0, r.stdout + r.stderr
            result = json.loads(r.stdout.splitlines()[-1])["result"]
            assert isinstance(result, dict)
            return result

        with_image, without = ask("--image", str(big)), ask()
    finally:
        rig.run_as(fresh_account.user, 'pkill -u "$(id -u)" -x llama-server; true')
    assert with_image["image_max_side"] == models.MMPROJ_IMAGE_SIZE
    assert "image_max_side" not in without
    image_tokens = (models.MMPROJ_IMAGE_SIZE // models.MMPROJ_PATCH_SIZE) ** 2
    usage_with, usage_without = with_image["usage"], without["usage"]
    assert isinstance(usage_with, dict) and isinstance(usage_without, dict)
    assert usage_with["prompt_tokens"] - usage_without["prompt_tokens"] == image_tokens
