"""core/chat against a real HTTP server on 127.0.0.1 that sends scripted llama-server responses.

The server speaks HTTP/1.1 with chunked transfer (as llama-server does) or a close-delimited body, and records
what it received, so the tests check both sides of the wire: what the client sent, what it made of the answer,
and what the server saw when the client stopped.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rubikpi_studio.core.chat import (
    ApiKeyRejected,
    ChatDelta,
    ChatMessage,
    ChatParams,
    ContextExceeded,
    ServerEndpoint,
    ServerError,
    ServerInfo,
    ServerLoading,
    ServerUnreachable,
    SseParser,
    StreamInterrupted,
    StreamProtocolError,
    VisionUnsupported,
    build_request_messages,
    check_vision,
    fetch_slots,
    probe_server,
    stream_chat,
)
from rubikpi_studio.core.events import CancelToken
from rubikpi_studio.core.imaging import ImageRejected, PassthroughEncoder, sniff_image_mime

CHAT = ("POST", "/v1/chat/completions")
# A 1×1 PNG.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TIMINGS = {
    "cache_n": 0,
    "prompt_n": 12,
    "prompt_ms": 3.5,
    "prompt_per_token_ms": 0.29,
    "prompt_per_second": 3428.6,
    "predicted_n": 3,
    "predicted_ms": 1.5,
    "predicted_per_token_ms": 0.5,
    "predicted_per_second": 2000.0,
}
FILLER = b"x" * 65536


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScriptServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append((self.command, self.path, dict(self.headers), body))
        route = self.server.routes.get((self.command, self.path.split("?")[0]))
        if route is None:
            self.send_json(
                404, {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}}
            )
            return
        route(self)

    do_GET = _handle
    do_POST = _handle

    # Response helpers used by the scripts.
    def send_json(self, status: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_sse(self, *, chunked: bool = True) -> None:
        self.chunked = chunked
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def raw(self, data: bytes) -> None:
        if self.chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(data)

    def sse(self, obj: Any) -> None:
        self.raw(b"data: " + json.dumps(obj).encode() + b"\n\n")

    def done(self) -> None:
        self.raw(b"data: [DONE]\n\n")
        self.end()

    def end(self) -> None:
        if self.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def cut(self, *, reset: bool = False) -> None:
        """Drop the connection without finishing the body (FIN, or RST with `reset`)."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def wait_client_gone(self, timeout: float) -> bool:
        """True when the client closed its side within `timeout` (a read returns EOF or fails)."""
        self.connection.settimeout(timeout)
        try:
            return bool(self.connection.recv(1) == b"")
        except TimeoutError:
            return False
        except OSError:
            return True


class ScriptServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.routes: dict[tuple[str, str], Callable[[Handler], None]] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.connections = 0
        self.notes: dict[str, Any] = {}
        self.release = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def posted(self) -> list[dict[str, Any]]:
        return [json.loads(b) for m, p, _h, b in self.requests if m == "POST" and p.startswith("/v1/chat")]


@pytest.fixture
def server() -> Iterator[ScriptServer]:
    srv = ScriptServer()
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        t.join(5)


@pytest.fixture
def endpoint(server: ScriptServer) -> Iterator[ServerEndpoint]:
    ep = ServerEndpoint(server.base_url)
    try:
        yield ep
    finally:
        ep.close()


def chunk(content: str | None = None, *, reasoning: str | None = None, finish: str | None = None) -> Any:
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta["reasoning_content"] = reasoning
    return {
        "choices": [{"finish_reason": finish, "index": 0, "delta": delta}],
        "created": 1,
        "id": "chatcmpl-test",
        "model": "smollm2",
        "system_fingerprint": "b11434-test",
        "object": "chat.completion.chunk",
    }


def normal_answer(h: Handler, *, chunked: bool = True) -> None:
    h.start_sse(chunked=chunked)
    h.sse({**chunk(), "choices": [{"finish_reason": None, "index": 0, "delta": {"role": "assistant"}}]})
    for piece in ("Hel", "lo", " wörld"):
        h.sse(chunk(piece))
    h.sse({**chunk(finish="stop"), "timings": TIMINGS})
    h.sse(
        {
            **chunk(),
            "choices": [],
            "usage": {"completion_tokens": 3, "prompt_tokens": 12, "total_tokens": 15},
            "timings": TIMINGS,
        }
    )
    h.done()


def partial_answer(h: Handler) -> None:
    h.start_sse()
    h.sse(chunk("Once"))
    h.sse(chunk(" upon"))


def run(
    endpoint: ServerEndpoint, text: str = "Hi", params: ChatParams | None = None, **kw: Any
) -> tuple[Any, list[ChatDelta]]:
    deltas: list[ChatDelta] = []
    cancel = kw.pop("cancel", None) or CancelToken()
    result = stream_chat(
        endpoint, [ChatMessage("user", text)], params, on_delta=deltas.append, cancel=cancel, **kw
    )
    return result, deltas


# --- the normal path -------------------------------------------------------------------------------------


def test_streams_deltas_and_returns_the_whole_answer(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = normal_answer
    params = ChatParams(temperature=0.7, top_p=0.9, max_tokens=64, seed=3, system_prompt="Be brief.")
    result, deltas = run(endpoint, "Hi", params)

    assert [d.text for d in deltas] == ["Hel", "lo", " wörld"]
    assert [d.n_tokens for d in deltas] == [1, 2, 3]
    assert all(not d.is_reasoning for d in deltas)
    assert deltas[0].tokens_per_second is None and deltas[2].tokens_per_second is not None
    assert deltas[0].ttft_s > 0 and deltas[2].ttft_s == deltas[0].ttft_s
    assert result.content == "Hello wörld"
    assert result.finish_reason == "stop"
    assert not result.stopped
    assert result.model == "smollm2"
    assert result.usage is not None and (result.usage.prompt_tokens, result.usage.completion_tokens) == (
        12,
        3,
    )
    assert result.timings is not None
    assert (result.timings.prompt_n, result.timings.predicted_n) == (12, 3)
    assert result.timings.predicted_per_second == 2000.0
    assert result.timings.to_dict()["prompt_per_token_ms"] == 0.29
    assert result.ttft_s is not None and 0 < result.ttft_s <= result.elapsed_s

    (body,) = server.posted()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["timings_per_token"] is False
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (0.7, 0.9, 64, 3)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    headers = server.requests[0][2]
    assert headers["Accept"] == "text/event-stream"
    assert "Authorization" not in headers


def test_unset_params_are_not_sent(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = normal_answer
    run(endpoint, "Hi", ChatParams(), extra={"ignore_eos": True})
    (body,) = server.posted()
    assert not {"temperature", "top_p", "max_tokens", "seed"} & body.keys()
    assert body["ignore_eos"] is True
    assert body["messages"] == [{"role": "user", "content": "Hi"}]


def test_close_delimited_body_without_chunking(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = lambda h: normal_answer(h, chunked=False)
    result, deltas = run(endpoint)
    assert result.content == "Hello wörld" and len(deltas) == 3 and result.finish_reason == "stop"


def test_keep_alive_reuses_one_connection(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = normal_answer
    for _ in range(3):
        assert run(endpoint)[0].content == "Hello wörld"
    assert server.connections == 1


def test_server_closing_a_kept_alive_connection_is_retried_once(
    server: ScriptServer, endpoint: ServerEndpoint
) -> None:
    """llama-server closes the connection after each streamed answer while announcing keep-alive: a request
    sent on the pooled socket before its FIN arrives gets no response and must go out again, once."""

    def answer_then_drop_next(h: Handler) -> None:
        normal_answer(h)
        h.connection.settimeout(5)
        with contextlib.suppress(OSError):
            h.connection.recv(1, socket.MSG_PEEK)  # the client's next request is here: drop it unanswered
        h.cut()

    server.routes[CHAT] = answer_then_drop_next
    assert run(endpoint)[0].content == "Hello wörld"
    assert run(endpoint)[0].content == "Hello wörld"
    assert server.connections == 2
    assert len(server.posted()) == 2  # the dropped request never reached the handler


def test_fresh_connection_closed_without_answer_is_not_retried(
    server: ScriptServer, endpoint: ServerEndpoint
) -> None:
    server.routes[CHAT] = lambda h: h.cut()
    with pytest.raises(ServerUnreachable):
        run(endpoint)
    assert len(server.posted()) == 1


def test_keepalive_comments_crlf_and_odd_splits(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    """Pings (`:`), CRLF endings, and TCP pieces that split lines and even a UTF-8 character."""

    def script(h: Handler) -> None:
        h.start_sse()
        stream = (
            b":\r\n\r\n"
            + b"data: "
            + json.dumps(chunk("h\u00e9"), ensure_ascii=False).encode()
            + b"\r\n\r\n"
            + b": ping\n\n"
            + b"data: "
            + json.dumps(chunk("llo"), ensure_ascii=False).encode()
            + b"\n\n"
            + b"id: 7\nretry: 10\n"
            + b"data: "
            + json.dumps(chunk(finish="stop")).encode()
            + b"\n\ndata: [DONE]\n\n"
        )
        cut_at = stream.index("é".encode()) + 1  # between the two bytes of é
        for piece in (stream[:3], stream[3:cut_at], stream[cut_at : cut_at + 5], stream[cut_at + 5 :]):
            h.raw(piece)
            time.sleep(0.01)
        h.end()

    server.routes[CHAT] = script
    result, deltas = run(endpoint)
    assert [d.text for d in deltas] == ["hé", "llo"]
    assert result.content == "héllo" and result.finish_reason == "stop"


def test_reasoning_content_is_kept_apart(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    def script(h: Handler) -> None:
        h.start_sse()
        h.sse(chunk(reasoning="Think"))
        h.sse(chunk(reasoning="ing."))
        h.sse(chunk("Answer"))
        h.sse(chunk(finish="stop"))
        h.done()

    server.routes[CHAT] = script
    result, deltas = run(endpoint)
    assert [(d.text, d.is_reasoning) for d in deltas] == [("Think", True), ("ing.", True), ("Answer", False)]
    assert result.reasoning == "Thinking." and result.content == "Answer"


def test_non_stream_json_answer_is_accepted(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = lambda h: h.send_json(
        200,
        {
            "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": "whole"}}],
            "usage": {"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3},
        },
    )
    result, deltas = run(endpoint)
    assert (
        result.content == "whole" and result.finish_reason == "stop" and [d.text for d in deltas] == ["whole"]
    )


# --- images -----------------------------------------------------------------------------------------------


def test_images_are_sent_as_data_url_parts(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = normal_answer
    msg = ChatMessage("user", "What is this?", images=(PNG_1PX,))
    stream_chat(endpoint, [msg], on_delta=lambda d: None, cancel=CancelToken())
    (body,) = server.posted()
    content = body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1]["type"] == "image_url"
    url = content[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == PNG_1PX


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PNG_1PX, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"BM" + b"\x00" * 60, "image/bmp"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7", None),
        (b"hello world", None),
        (b"", None),
    ],
)
def test_sniff_image_mime(data: bytes, mime: str | None) -> None:
    assert sniff_image_mime(data) == mime


def test_passthrough_encoder_refuses_non_images(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = normal_answer
    with pytest.raises(ImageRejected):
        PassthroughEncoder().encode(b"hello world")
    with pytest.raises(ImageRejected):
        stream_chat(
            endpoint,
            [ChatMessage("user", "x", images=(b"%PDF-1.7 ...",))],
            on_delta=lambda d: None,
            cancel=CancelToken(),
        )
    assert server.posted() == []
    with pytest.raises(ImageRejected, match="too large"):
        PassthroughEncoder(max_bytes=10).encode(PNG_1PX)


def test_pluggable_encoder_is_used(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    class Shrink:
        def encode(self, data: bytes) -> Any:
            from rubikpi_studio.core.imaging import ImageData

            return ImageData(data=b"\xff\xd8\xff" + data[:3], mime="image/jpeg")

    msgs = build_request_messages([ChatMessage("user", "", images=(PNG_1PX,))], encoder=Shrink())
    (part,) = msgs[0]["content"]
    assert (
        part["image_url"]["url"]
        == "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff" + PNG_1PX[:3]).decode()
    )


def test_check_vision_stops_images_before_sending(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    info = ServerInfo(
        model="smollm2", model_path="", n_ctx=2048, total_slots=1, has_vision=False, build_info=""
    )
    check_vision(info, [ChatMessage("user", "text only")])
    with pytest.raises(VisionUnsupported, match="does not take images"):
        check_vision(info, [ChatMessage("user", "look", images=(PNG_1PX,))])
    check_vision(
        ServerInfo(model="v", model_path="", n_ctx=0, total_slots=1, has_vision=True, build_info=""),
        [ChatMessage("user", "look", images=(PNG_1PX,))],
    )
    assert server.requests == []


# --- errors before the stream -----------------------------------------------------------------------------


def test_401_without_key(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = lambda h: h.send_json(
        401, {"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}}
    )
    with pytest.raises(ApiKeyRejected) as ei:
        run(endpoint)
    assert ei.value.reason == "missing" and ei.value.code == "E_API_KEY"


def test_401_with_wrong_key_never_shows_the_key(server: ScriptServer) -> None:
    server.routes[CHAT] = lambda h: h.send_json(
        401, {"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}}
    )
    with ServerEndpoint(server.base_url + "/v1/", "s3cret-key") as ep:
        assert "s3cret" not in repr(ep)
        with pytest.raises(ApiKeyRejected) as ei:
            run(ep)
    assert ei.value.reason == "wrong"
    assert "s3cret" not in str(ei.value) and "s3cret" not in repr(ei.value.data)
    assert server.requests[0][2]["Authorization"] == "Bearer s3cret-key"
    assert server.requests[0][1] == "/v1/chat/completions"


def test_500_image_not_supported_is_vision_unsupported(
    server: ScriptServer, endpoint: ServerEndpoint
) -> None:
    msg = "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj"
    server.routes[CHAT] = lambda h: h.send_json(
        500, {"error": {"code": 500, "message": msg, "type": "server_error"}}
    )
    with pytest.raises(VisionUnsupported) as ei:
        stream_chat(
            endpoint,
            [ChatMessage("user", "look", images=(PNG_1PX,))],
            on_delta=lambda d: None,
            cancel=CancelToken(),
        )
    assert ei.value.data["server_message"] == msg


def test_other_http_errors(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[CHAT] = lambda h: h.send_json(
        400,
        {"error": {"code": 400, "message": "context is 2048 tokens", "type": "exceed_context_size_error"}},
    )
    with pytest.raises(ContextExceeded):
        run(endpoint)
    server.routes[CHAT] = lambda h: h.send_json(
        503, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
    )
    with pytest.raises(ServerLoading):
        run(endpoint)

    def plain_500(h: Handler) -> None:
        h.send_response(500)
        h.send_header("Content-Length", "4")
        h.end_headers()
        h.wfile.write(b"oops")

    server.routes[CHAT] = plain_500
    with pytest.raises(ServerError, match="HTTP 500: oops") as ei:
        run(endpoint)
    assert ei.value.status == 500


def test_unreachable_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with ServerEndpoint(f"http://127.0.0.1:{port}") as ep:
        with pytest.raises(ServerUnreachable) as ei:
            run(ep)
        assert ei.value.reason == "refused"
        with pytest.raises(ServerUnreachable):
            probe_server(ep)


# --- errors during the stream -----------------------------------------------------------------------------


def test_error_chunk_mid_stream_keeps_partial(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        h.sse({"error": {"code": 500, "message": "decode failed", "type": "server_error"}})
        h.done()

    server.routes[CHAT] = script
    with pytest.raises(ServerError, match="decode failed") as ei:
        run(endpoint)
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon"


def test_stream_without_done_is_interrupted(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        h.end()

    server.routes[CHAT] = script
    with pytest.raises(StreamInterrupted) as ei:
        run(endpoint)
    assert ei.value.reason == "no_done"
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon"


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_connection_cut_mid_stream(server: ScriptServer, endpoint: ServerEndpoint, reset: bool) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        time.sleep(0.05)
        h.cut(reset=reset)

    server.routes[CHAT] = script
    seen: list[str] = []
    with pytest.raises(StreamInterrupted) as ei:
        stream_chat(
            endpoint,
            [ChatMessage("user", "Hi")],
            on_delta=lambda d: seen.append(d.text),
            cancel=CancelToken(),
        )
    assert ei.value.reason == "dropped" and ei.value.code == "E_STREAM_INTERRUPTED"
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon" == "".join(seen)
    # The endpoint stays usable after a dropped connection.
    server.routes[CHAT] = normal_answer
    assert run(endpoint)[0].content == "Hello wörld"


def test_read_timeout_is_interrupted(server: ScriptServer) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        server.release.wait(10)

    server.routes[CHAT] = script
    with ServerEndpoint(server.base_url, read_timeout=0.3) as ep, pytest.raises(StreamInterrupted) as ei:
        run(ep)
    assert ei.value.reason == "timeout"
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon"


def test_bad_json_chunk(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        h.raw(b'data: {"choices": [\n\n')
        h.done()

    server.routes[CHAT] = script
    with pytest.raises(StreamProtocolError, match="not valid JSON") as ei:
        run(endpoint)
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon"


def test_ten_megabyte_line_is_refused_without_buffering_it(
    server: ScriptServer, endpoint: ServerEndpoint
) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        h.raw(b"data: ")
        try:
            for _ in range(160):  # 10 MiB, one line
                h.raw(FILLER)
            h.raw(b"\n\n")
            h.done()
        except OSError:
            server.notes["client_closed"] = True

    server.routes[CHAT] = script
    tracemalloc.start()
    try:
        with pytest.raises(StreamProtocolError, match="longer than 1024 KiB") as ei:
            run(endpoint)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes while refusing a 10 MiB line"
    assert ei.value.partial is not None and ei.value.partial.content == "Once upon"


def test_sse_parser_limits_and_fields() -> None:
    p = SseParser(max_line_bytes=16)
    evs = p.feed(b"event: x\ndata: a\ndata: b\n\n: c\n\ndata:no-space\n\n")
    assert [(e.event, e.data) for e in evs] == [("x", b"a\nb"), ("", b"no-space")]
    assert p.comments == 1
    assert p.feed(b"data: 0123") == []
    with pytest.raises(StreamProtocolError):
        p.feed(b"456789abcdef")


# --- stop -------------------------------------------------------------------------------------------------


def test_cancel_mid_stream_closes_the_connection(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    def script(h: Handler) -> None:
        partial_answer(h)
        server.notes["client_gone"] = h.wait_client_gone(5)
        server.notes["gone_at"] = time.monotonic()
        h.close_connection = True

    server.routes[CHAT] = script
    cancel = CancelToken()

    def on_delta(d: ChatDelta) -> None:
        if d.n_tokens == 2:
            # Cancel from another thread while this one blocks in recv(), as the UI's Stop does.
            threading.Timer(0.1, cancel.cancel).start()

    t0 = time.monotonic()
    result = stream_chat(endpoint, [ChatMessage("user", "Hi")], on_delta=on_delta, cancel=cancel)
    elapsed = time.monotonic() - t0
    assert result.stopped and result.content == "Once upon" and result.finish_reason is None
    assert elapsed < 2
    deadline = time.monotonic() + 3
    while "client_gone" not in server.notes and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.notes.get("client_gone") is True
    # A new request after Stop works on a fresh connection.
    server.routes[CHAT] = normal_answer
    assert run(endpoint)[0].content == "Hello wörld"


def test_cancel_before_headers(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    """Stop while the server is still processing the prompt (no response headers yet)."""

    def script(h: Handler) -> None:
        server.notes["client_gone"] = h.wait_client_gone(5)
        h.close_connection = True

    server.routes[CHAT] = script
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    t0 = time.monotonic()
    result, deltas = run(endpoint, cancel=cancel)
    assert time.monotonic() - t0 < 2
    assert result.stopped and result.content == "" and deltas == []
    deadline = time.monotonic() + 3
    while "client_gone" not in server.notes and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.notes.get("client_gone") is True


def test_already_cancelled_sends_nothing(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    cancel = CancelToken()
    cancel.cancel()
    result, _ = run(endpoint, cancel=cancel)
    assert result.stopped and server.requests == []


# --- probe ------------------------------------------------------------------------------------------------


def props(vision: bool) -> dict[str, Any]:
    return {
        "default_generation_settings": {"n_ctx": 2048, "params": {}},
        "total_slots": 1,
        "model_path": "/models/SmolLM2-135M-Instruct.Q4_1.gguf",
        "modalities": {"vision": vision, "audio": False},
        "build_info": "b11434-515e855",
    }


def models(vision: bool) -> dict[str, Any]:
    mods = ["text", "image"] if vision else ["text"]
    return {
        "object": "list",
        "data": [
            {
                "id": "SmolLM2-135M-Instruct.Q4_1.gguf",
                "object": "model",
                "architecture": {"input_modalities": mods, "output_modalities": ["text"]},
                "meta": {"n_ctx": 4096},
            }
        ],
        "models": [{"name": "x", "capabilities": ["completion", *(["multimodal"] if vision else [])]}],
    }


@pytest.mark.parametrize("vision", [False, True])
def test_probe(server: ScriptServer, endpoint: ServerEndpoint, vision: bool) -> None:
    server.routes[("GET", "/props")] = lambda h: h.send_json(200, props(vision))
    server.routes[("GET", "/v1/models")] = lambda h: h.send_json(200, models(vision))
    info = probe_server(endpoint)
    assert info.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert info.n_ctx == 2048 and info.total_slots == 1
    assert info.has_vision is vision
    assert ("image" in info.input_modalities) is vision
    assert info.build_info == "b11434-515e855"


def test_probe_vision_from_models_only(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    """An older server without /props: vision and n_ctx come from /v1/models."""
    server.routes[("GET", "/v1/models")] = lambda h: h.send_json(200, models(True))
    info = probe_server(endpoint)
    assert info.has_vision and info.n_ctx == 4096 and info.build_info == ""


def test_probe_errors(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[("GET", "/props")] = lambda h: h.send_json(
        503, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
    )
    with pytest.raises(ServerLoading, match="Loading model"):
        probe_server(endpoint)
    server.routes[("GET", "/props")] = lambda h: h.send_json(
        401, {"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}}
    )
    with pytest.raises(ApiKeyRejected):
        probe_server(endpoint)


def test_fetch_slots(server: ScriptServer, endpoint: ServerEndpoint) -> None:
    server.routes[("GET", "/slots")] = lambda h: h.send_json(200, [{"id": 0, "is_processing": False}])
    assert fetch_slots(endpoint) == [{"id": 0, "is_processing": False}]
