"""core/chat against a real HTTP server on 127.0.0.1 that answers with arbitrary, malformed and oversized
responses (issue 10, part 3). test_chat_sse.py covers the named cases (bad JSON chunk, no `[DONE]`, a 10 MB
SSE line, cuts, timeouts); here hypothesis throws any JSON shape and any bytes at every client call, and the
oversized answers of the plain JSON endpoints are checked. Every outcome must be a result or a ChatError
(a typed error the chat page explains); any other exception is a finding. Chat text of any kind reaches the
server unchanged or is refused with a typed error.
"""

from __future__ import annotations

import json
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubikpi_studio.core.chat import (
    ChatError,
    ChatMessage,
    ChatResult,
    ServerEndpoint,
    ServerInfo,
    StreamProtocolError,
    fetch_slots,
    probe_server,
    stream_chat,
)
from rubikpi_studio.core.errors import StudioError, UsageError
from rubikpi_studio.core.events import CancelToken

MANY = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEN_MB = 10 * 2**20

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append(body)
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.reply(404, b'{"error": {"code": 404, "message": "File Not Found"}}')
            return
        try:
            route(self)
        except OSError:  # the client gave up on an oversized answer: that is what the test wants
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle

    def reply(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, pieces: list[bytes], ctype: str = "text/event-stream") -> None:
        """A chunked body, one HTTP chunk per piece (as llama-server streams)."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            if piece:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def endless(self, status: int = 200, ctype: str = "application/json") -> None:
        """A close-delimited body that never ends on its own (stops when the client hangs up)."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(b'{"data": "')
        while True:
            self.wfile.write(b"x" * 65536)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.received: list[bytes] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(5)


@pytest.fixture
def endpoint(server: Server) -> Iterator[ServerEndpoint]:
    server.routes.clear()
    server.received.clear()
    ep = ServerEndpoint(server.base_url, read_timeout=5.0)
    try:
        yield ep
    finally:
        ep.close()


def typed(exc: BaseException) -> None:
    assert isinstance(exc, ChatError | UsageError), (
        f"untyped {type(exc).__module__}.{type(exc).__name__}: {exc!r}"
    )


def chat(endpoint: ServerEndpoint, text: str = "Hi") -> ChatResult:
    return stream_chat(endpoint, [ChatMessage("user", text)], on_delta=lambda _d: None, cancel=CancelToken())


# --- strategies -----------------------------------------------------------------------------------------

# Keys the client looks for, so the shapes hit its code paths, plus noise.
KEYS = [
    "choices", "delta", "message", "content", "reasoning_content", "finish_reason", "usage", "timings",
    "prompt_tokens", "completion_tokens", "total_tokens", "prompt_n", "predicted_n", "predicted_per_second",
    "error", "code", "type", "model", "data", "models", "id", "architecture", "input_modalities",
    "capabilities", "meta", "n_ctx", "default_generation_settings", "modalities", "vision", "total_slots",
    "build_info", "model_path", "model_alias",
]  # fmt: skip
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8),
    st.sampled_from([10**400, -(10**30), "image", "multimodal", "stop", "authentication_error"]),
)  # fmt: skip
json_value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)), inner, max_size=5),
    ),
    max_leaves=20,
)


def dumps(value: Any) -> bytes:
    # Python writes NaN/Infinity for non-finite floats: not JSON, but a server may send anything.
    return json.dumps(value).encode()


body = st.one_of(json_value.map(dumps), st.binary(max_size=200))
status = st.sampled_from([200, 200, 200, 400, 401, 404, 500, 503])


# --- the JSON endpoints ---------------------------------------------------------------------------------


@MANY
@given(props=body, models=body, props_status=status, models_status=status)
def test_probe_any_answer(
    server: Server,
    endpoint: ServerEndpoint,
    props: bytes,
    models: bytes,
    props_status: int,
    models_status: int,
) -> None:
    server.routes["/props"] = lambda h: h.reply(props_status, props)
    server.routes["/v1/models"] = lambda h: h.reply(models_status, models)
    try:
        info = probe_server(endpoint)
    except Exception as exc:
        typed(exc)
        return
    assert isinstance(info, ServerInfo) and isinstance(info.model, str) and isinstance(info.n_ctx, int)


@MANY
@given(answer=body, code=status)
def test_slots_any_answer(server: Server, endpoint: ServerEndpoint, answer: bytes, code: int) -> None:
    server.routes["/slots"] = lambda h: h.reply(code, answer)
    try:
        slots = fetch_slots(endpoint)
    except Exception as exc:
        typed(exc)
        return
    assert all(isinstance(s, dict) for s in slots)


@pytest.mark.parametrize("path", ["/props", "/v1/models", "/slots"])
@pytest.mark.parametrize("endless", [False, True], ids=["10MB", "endless"])
def test_oversized_json_answers_end_in_a_typed_error(
    server: Server, endpoint: ServerEndpoint, path: str, endless: bool
) -> None:
    """A 10 MB (or never-ending) answer where a few kB are expected is refused without buffering it all."""
    big = b'{"data": "' + b"x" * TEN_MB + b'"}'
    server.routes[path] = (lambda h: h.endless()) if endless else (lambda h: h.reply(200, big))
    if path != "/props":
        server.routes["/props"] = lambda h: h.reply(200, b"{}")
    call = (lambda: fetch_slots(endpoint)) if path == "/slots" else (lambda: probe_server(endpoint))
    tracemalloc.start()
    try:
        with pytest.raises(StreamProtocolError, match="too large"):
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * 2**20, f"peak {peak} bytes while refusing a 10 MB answer"


@pytest.mark.parametrize("code", [400, 500, 503])
def test_oversized_error_body_is_not_buffered(server: Server, endpoint: ServerEndpoint, code: int) -> None:
    server.routes["/v1/chat/completions"] = lambda h: h.endless(code)
    server.routes["/props"] = lambda h: h.endless(code)
    for call in (lambda: chat(endpoint), lambda: probe_server(endpoint)):
        tracemalloc.start()
        try:
            with pytest.raises(ChatError):
                call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 6 * 2**20, f"peak {peak} bytes for an endless HTTP {code} body"


# --- the chat stream ------------------------------------------------------------------------------------


def sse(value: Any) -> bytes:
    return b"data: " + dumps(value) + b"\n\n"


@MANY
@given(
    chunks=st.lists(json_value, max_size=5),
    done=st.booleans(),
    split=st.integers(1, 64),
    ctype=st.sampled_from(["text/event-stream", "application/json", "text/html", ""]),
)
def test_stream_of_any_chunks(
    server: Server, endpoint: ServerEndpoint, chunks: list[Any], done: bool, split: int, ctype: str
) -> None:
    data = b"".join(sse(c) for c in chunks) + (b"data: [DONE]\n\n" if done else b"")
    pieces = [data[i : i + split] for i in range(0, len(data), split)]
    server.routes["/v1/chat/completions"] = lambda h: h.stream(pieces, ctype)
    try:
        result = chat(endpoint)
    except Exception as exc:
        typed(exc)
        return
    assert isinstance(result.content, str) and result.n_tokens >= 0


@MANY
@given(raw=st.binary(max_size=400), done=st.booleans())
def test_stream_of_any_bytes(server: Server, endpoint: ServerEndpoint, raw: bytes, done: bool) -> None:
    data = raw + (b"\n\ndata: [DONE]\n\n" if done else b"")
    server.routes["/v1/chat/completions"] = lambda h: h.stream([data])
    try:
        chat(endpoint)
    except Exception as exc:
        typed(exc)


def test_non_finite_numbers_in_usage_and_timings(server: Server, endpoint: ServerEndpoint) -> None:
    """JSON has no NaN or Infinity, but Python's parser takes them (and 1e400): counts must stay numbers."""
    tail = b'{"choices": [], "usage": {"prompt_tokens": Infinity, "completion_tokens": NaN, '
    tail += b'"total_tokens": 1e400}'
    tail += b', "timings": {"predicted_n": -Infinity, "predicted_per_second": NaN}}'
    server.routes["/v1/chat/completions"] = lambda h: h.stream(
        [sse({"choices": [{"delta": {"content": "ok"}}]}), b"data: " + tail + b"\n\n", b"data: [DONE]\n\n"]
    )
    result = chat(endpoint)
    assert result.content == "ok"
    assert result.usage is not None and result.usage.total_tokens == 0 and result.usage.prompt_tokens == 0
    assert result.timings is not None and result.timings.predicted_n == 0
    assert result.timings.predicted_per_second == 0.0


# --- chat text ------------------------------------------------------------------------------------------


@MANY
@given(text=st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_any_chat_text_reaches_the_server_unchanged(
    server: Server, endpoint: ServerEndpoint, text: str
) -> None:
    server.routes["/v1/chat/completions"] = lambda h: h.stream(
        [sse({"choices": [{"delta": {"content": "ok"}}]}), b"data: [DONE]\n\n"]
    )
    server.received.clear()
    try:
        result = chat(endpoint, text)
    except Exception as exc:
        assert isinstance(exc, StudioError), f"untyped {type(exc).__name__}: {exc!r}"
        # Only text that has no UTF-8 form (a lone surrogate) may be refused.
        with pytest.raises(UnicodeEncodeError):
            text.encode("utf-8")
        assert server.received == [], "refused text was still sent"
        return
    assert result.content == "ok"
    sent = json.loads(server.received[-1])
    assert sent["messages"][-1]["content"] == text
