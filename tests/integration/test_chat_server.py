"""core/chat and core/store against a REAL llama-server (SmolLM2-135M; a tiny vision projector) on 127.0.0.1.

Skips only when no llama-server binary exists (see rig/llama_server.py for where it is looked for).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rig
from rig import models
from rig.faultproxy import FaultProxy
from rig.llama_server import LlamaServer, find_llama_server, llama_server_missing_reason

from rubikpi_studio.core.chat import (
    ApiKeyRejected,
    ChatDelta,
    ChatMessage,
    ChatParams,
    ChatResult,
    ServerEndpoint,
    StreamInterrupted,
    VisionUnsupported,
    check_vision,
    fetch_slots,
    probe_server,
    stream_chat,
)
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.core.store import STATUS_COMPLETE, STATUS_INTERRUPTED, STATUS_STOPPED, ChatStore

IMAGE_TOKENS = (models.MMPROJ_IMAGE_SIZE // models.MMPROJ_PATCH_SIZE) ** 2  # 4 for the tiny projector
LONG = {"ignore_eos": True, "max_tokens": 1500}  # keeps generating until stopped (ctx 2048)


@pytest.fixture(scope="module")
def llama_server_bin() -> Path:
    binary = find_llama_server()
    if binary is None:
        pytest.skip(llama_server_missing_reason())
    return binary


@pytest.fixture(scope="module")
def text_server(llama_server_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(
        llama_server_bin, models.smollm2_path(), log_dir=tmp_path_factory.mktemp("llama")
    ) as srv:
        yield srv


@pytest.fixture(scope="module")
def vision_server(llama_server_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with LlamaServer(
        llama_server_bin,
        models.smollm2_path(),
        mmproj=models.tiny_mmproj_path(576),
        log_dir=tmp_path_factory.mktemp("llama-vision"),
    ) as srv:
        yield srv


@pytest.fixture
def text_endpoint(text_server: LlamaServer) -> Iterator[ServerEndpoint]:
    with ServerEndpoint(text_server.base_url) as ep:
        yield ep


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChatStore]:
    with ChatStore(tmp_path / "chats.sqlite3") as s:
        yield s


def wait_slot_idle(endpoint: ServerEndpoint, timeout: float = 3.0) -> float:
    """Seconds until every slot reports is_processing false; fails after `timeout`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not any(s.get("is_processing") for s in fetch_slots(endpoint)):
            return time.monotonic() - t0
        time.sleep(0.02)
    raise AssertionError(
        f"slot still processing {timeout} s after the request ended: {fetch_slots(endpoint)}"
    )


def test_probe_text_server(text_endpoint: ServerEndpoint) -> None:
    info = probe_server(text_endpoint)
    assert "SmolLM2" in info.model or "SmolLM2" in info.model_path
    assert info.n_ctx == 2048
    assert info.total_slots == 1
    assert info.has_vision is False
    assert info.build_info.startswith("b")


def test_streamed_answer_is_stored_as_shown_with_timings(
    text_endpoint: ServerEndpoint, store: ChatStore
) -> None:
    params = ChatParams(
        temperature=0.8, top_p=0.95, max_tokens=24, seed=3, system_prompt="You answer briefly."
    )
    cid = store.create_conversation(
        system_prompt=params.system_prompt, params=params.to_dict(), model="smollm2"
    )
    store.add_message(cid, "user", "Name three colours.")
    mid = store.begin_assistant_message(cid)
    shown: list[str] = []

    def on_delta(d: ChatDelta) -> None:
        shown.append(d.text)
        store.append_delta(mid, d.text, is_reasoning=d.is_reasoning)

    result = stream_chat(
        text_endpoint,
        [ChatMessage("user", "Name three colours.")],
        params,
        on_delta=on_delta,
        cancel=CancelToken(),
    )
    store.finish_with_result(mid, result)

    assert len(shown) >= 2 and "".join(shown) == result.content
    assert result.finish_reason in ("stop", "length")
    assert result.timings is not None and result.usage is not None
    assert result.timings.prompt_n > 0 and 1 <= result.timings.predicted_n <= 24
    assert result.timings.predicted_per_second > 0
    assert result.usage.completion_tokens == result.timings.predicted_n
    assert result.ttft_s is not None and 0 < result.ttft_s < result.elapsed_s
    assert result.tokens_per_second is not None and result.tokens_per_second > 0

    _user, answer = store.messages(cid)
    assert answer.content == "".join(shown) and answer.status == STATUS_COMPLETE
    assert answer.timings is not None and answer.timings["predicted_n"] == result.timings.predicted_n
    assert answer.usage == result.usage.to_dict()
    # Same seed, same answer: the request really carried the parameters.
    again = stream_chat(
        text_endpoint,
        [ChatMessage("user", "Name three colours.")],
        params,
        on_delta=lambda d: None,
        cancel=CancelToken(),
    )
    assert again.content == result.content


def test_stop_closes_the_request_and_frees_the_slot(text_endpoint: ServerEndpoint, store: ChatStore) -> None:
    cid = store.create_conversation()
    mid = store.begin_assistant_message(cid)
    cancel = CancelToken()
    busy_while_streaming: list[bool] = []

    def on_delta(d: ChatDelta) -> None:
        store.append_delta(mid, d.text)
        if d.n_tokens == 3:
            with ServerEndpoint(text_endpoint.base_url) as other:
                busy_while_streaming.append(any(s.get("is_processing") for s in fetch_slots(other)))
        if d.n_tokens == 8:
            threading.Thread(target=cancel.cancel).start()  # Stop pressed in the UI thread

    t0 = time.monotonic()
    result = stream_chat(
        text_endpoint,
        [ChatMessage("user", "Tell me a long story.")],
        on_delta=on_delta,
        cancel=cancel,
        extra=LONG,
    )
    assert time.monotonic() - t0 < 30
    assert busy_while_streaming == [True]
    assert result.stopped and result.finish_reason is None
    assert 8 <= result.n_tokens < 1500
    idle_after = wait_slot_idle(text_endpoint)
    assert idle_after < 3
    store.finish_with_result(mid, result)
    msg = store.get_message(mid)
    assert msg.status == STATUS_STOPPED and msg.content == result.content
    # The server is free for the next request right away.
    nxt = stream_chat(
        text_endpoint,
        [ChatMessage("user", "Hi")],
        ChatParams(max_tokens=4),
        on_delta=lambda d: None,
        cancel=CancelToken(),
    )
    assert nxt.timings is not None and nxt.timings.predicted_n <= 4


def test_dropped_connection_keeps_the_partial_answer(text_server: LlamaServer, store: ChatStore) -> None:
    cid = store.create_conversation()
    store.add_message(cid, "user", "Tell me a long story.")
    mid = store.begin_assistant_message(cid)
    shown: list[str] = []
    with FaultProxy(text_server.port) as proxy, ServerEndpoint(f"http://127.0.0.1:{proxy.port}") as ep:

        def on_delta(d: ChatDelta) -> None:
            shown.append(d.text)
            store.append_delta(mid, d.text)
            if d.n_tokens == 6:
                proxy.cut()

        with pytest.raises(StreamInterrupted) as ei:
            stream_chat(
                ep,
                [ChatMessage("user", "Tell me a long story.")],
                on_delta=on_delta,
                cancel=CancelToken(),
                extra=LONG,
            )
    assert ei.value.reason == "dropped"
    partial = ei.value.partial
    assert isinstance(partial, ChatResult) and partial.content == "".join(shown) and partial.n_tokens >= 6
    store.mark_interrupted(mid, ei.value.message, partial=partial)
    msg = store.get_message(mid)
    assert msg.status == STATUS_INTERRUPTED and msg.content == "".join(shown)
    with ServerEndpoint(text_server.base_url) as direct:
        wait_slot_idle(direct, timeout=10)


def test_image_is_accepted_and_counted(vision_server: LlamaServer) -> None:
    with ServerEndpoint(vision_server.base_url) as ep:
        info = probe_server(ep)
        assert info.has_vision and "image" in info.input_modalities
        params = ChatParams(temperature=0, max_tokens=4, seed=1)
        no_cache = {"cache_prompt": False}
        text_only = [ChatMessage("user", "What is in the picture?")]
        with_image = [
            ChatMessage("user", "What is in the picture?", images=(models.make_png(32, 32, (200, 30, 30)),))
        ]
        check_vision(info, with_image)
        plain = stream_chat(
            ep, text_only, params, on_delta=lambda d: None, cancel=CancelToken(), extra=no_cache
        )
        seen = stream_chat(
            ep, with_image, params, on_delta=lambda d: None, cancel=CancelToken(), extra=no_cache
        )
    assert plain.usage is not None and seen.usage is not None
    assert seen.usage.prompt_tokens == plain.usage.prompt_tokens + IMAGE_TOKENS
    assert seen.timings is not None and seen.timings.prompt_n == seen.usage.prompt_tokens


def test_text_only_server_refuses_an_image_before_the_request(text_endpoint: ServerEndpoint) -> None:
    info = probe_server(text_endpoint)
    msgs = [ChatMessage("user", "Look", images=(models.make_png(8, 8, (0, 0, 255)),))]
    with pytest.raises(VisionUnsupported, match="does not take images"):
        check_vision(info, msgs)
    # Sent anyway (e.g. an older server that probes wrong), the server's HTTP 500 maps to the same error.
    with pytest.raises(VisionUnsupported) as ei:
        stream_chat(text_endpoint, msgs, on_delta=lambda d: None, cancel=CancelToken())
    assert "image input is not supported" in ei.value.data["server_message"]


def test_api_key(llama_server_bin: Path, tmp_path: Path) -> None:
    key = "rps-test-key-123"
    with LlamaServer(llama_server_bin, models.smollm2_path(), api_key=key, log_dir=tmp_path) as srv:
        with ServerEndpoint(srv.base_url) as ep, pytest.raises(ApiKeyRejected) as ei:
            probe_server(ep)
        assert ei.value.reason == "missing"
        with ServerEndpoint(srv.base_url, "wrong-key") as ep, pytest.raises(ApiKeyRejected) as ei:
            stream_chat(ep, [ChatMessage("user", "Hi")], on_delta=lambda d: None, cancel=CancelToken())
        assert ei.value.reason == "wrong" and "wrong-key" not in str(ei.value)
        with ServerEndpoint(srv.base_url, key) as ep:
            assert probe_server(ep).total_slots == 1
            r = stream_chat(
                ep,
                [ChatMessage("user", "Hi")],
                ChatParams(max_tokens=3),
                on_delta=lambda d: None,
                cancel=CancelToken(),
            )
            assert r.timings is not None


# --- through the SSH tunnel, as the app reaches the board's server -----------------------------------------


@pytest.fixture
def tunnel_endpoint(
    text_server: LlamaServer, rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> Iterator[ServerEndpoint]:
    with rig.connect(rig_account, rig_sshd.port, tmp_known_hosts) as board:
        fwd = board.forward(text_server.port)  # the board's 127.0.0.1:<port>, as llama-server listens there
        with ServerEndpoint(fwd.url) as ep:
            yield ep
        fwd.close()


def test_through_the_tunnel_stream_store_and_stop(tunnel_endpoint: ServerEndpoint, store: ChatStore) -> None:
    info = probe_server(tunnel_endpoint)
    assert info.total_slots == 1 and not info.has_vision
    cid = store.create_conversation(model=info.model)
    store.add_message(cid, "user", "Say hello.")
    mid = store.begin_assistant_message(cid)
    shown: list[str] = []
    mid_stream: list[tuple[str, str, str]] = []  # (shown so far, committed content, committed status)

    def committed() -> tuple[str, str]:
        # What another process would read from the file now: only committed transactions.
        with contextlib.closing(sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT content, status FROM messages WHERE id = ?", (mid,)).fetchone()
        return str(row[0]), str(row[1])

    def on_delta(d: ChatDelta) -> None:
        shown.append(d.text)
        store.append_delta(mid, d.text)
        if d.n_tokens == 8:
            # A pause in the stream: the background flusher commits the buffered tail within ~0.1 s.
            time.sleep(3 * store.flush_interval)
            mid_stream.append(("".join(shown), *committed()))

    result = stream_chat(
        tunnel_endpoint,
        [ChatMessage("user", "Say hello.")],
        ChatParams(max_tokens=16, seed=7, temperature=0),
        extra={"ignore_eos": True},
        on_delta=on_delta,
        cancel=CancelToken(),
    )
    # Saved while streaming, before anything finishes the message: the file already holds what was shown.
    ((so_far, saved, status),) = mid_stream
    assert saved == so_far and status == "streaming"
    store.flush()
    assert committed() == ("".join(shown), "streaming")
    store.finish_with_result(mid, result)
    msg = store.get_message(mid)
    assert msg.content == "".join(shown) == result.content and msg.status == STATUS_COMPLETE
    assert msg.timings is not None and msg.timings["predicted_n"] >= 1 and result.ttft_s is not None

    # Stop through the tunnel: the forward closes its channel, sshd closes the server socket, the slot idles.
    cancel = CancelToken()

    def stop_after_five(d: ChatDelta) -> None:
        if d.n_tokens == 5:
            threading.Thread(target=cancel.cancel).start()

    stopped = stream_chat(
        tunnel_endpoint,
        [ChatMessage("user", "Tell me a long story.")],
        on_delta=stop_after_five,
        cancel=cancel,
        extra=LONG,
    )
    assert stopped.stopped and stopped.n_tokens < 1500
    wait_slot_idle(tunnel_endpoint, timeout=5)
