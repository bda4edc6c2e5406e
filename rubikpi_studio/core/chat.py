"""A client for llama-server's OpenAI-compatible chat API: probe the server, stream answers, stop at once.

Runs on a worker thread (blocking `requests`, one keep-alive `Session` per server). The UI gets text through
`on_delta` as it arrives and stops a request by cancelling the `CancelToken`, which shuts the request's socket
down from the cancelling thread: the blocked read returns at once and llama-server sees the closed connection
on its next write and frees the slot.

Server facts this follows (llama.cpp `tools/server`): SSE events are `data: <json>` + blank line, keep-alive
comments are `:` lines, OpenAI endpoints end with `data: [DONE]`, the last chunks carry `timings` and (with
`stream_options.include_usage`) `usage`; an error after streaming started arrives as `data: {"error": ...}`,
one before it as an ordinary HTTP error with the `{"error": {code, message, type}}` envelope.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import StudioError, UsageError
from .events import CancelToken, Reporter, ignore
from .imaging import ImageData, ImageEncoder, PassthroughEncoder
from .lazy import lazy_module

if TYPE_CHECKING:
    import requests
    import urllib3.exceptions
    from urllib3.connection import HTTPConnection
    from urllib3.response import HTTPResponse

    from .ssh import Board
else:  # imported at the first request, not when the GUI starts (lazy.py); see also chat_transport.py
    requests = lazy_module("requests")
    urllib3 = lazy_module("urllib3")

__all__ = [
    "ApiKeyRejected",
    "ChatDelta",
    "ChatError",
    "ChatMessage",
    "ChatParams",
    "ChatResult",
    "ContextExceeded",
    "ServerEndpoint",
    "ServerError",
    "ServerInfo",
    "ServerLoading",
    "ServerUnreachable",
    "SseEvent",
    "SseParser",
    "StreamInterrupted",
    "StreamProtocolError",
    "Timings",
    "Usage",
    "VisionUnsupported",
    "build_request_messages",
    "check_vision",
    "fetch_slots",
    "probe_server",
    "stream_chat",
]

DEFAULT_MAX_LINE_BYTES = 1024 * 1024
_READ_SIZE = 64 * 1024
_ERROR_BODY_LIMIT = 64 * 1024
# /props, /v1/models and /slots answer with a few kB; more is not a llama-server (or it went wrong).
_JSON_LIMIT = 2 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------------
# Errors


class ChatError(StudioError):
    """The chat request failed."""

    code = "E_CHAT"

    def __init__(self, message: str = "", *, hint: str = "", partial: ChatResult | None = None, **data: Any):
        super().__init__(message, hint=hint, **data)
        # What had arrived before the failure (None when nothing was streamed yet).
        self.partial = partial


class ServerUnreachable(ChatError):
    """The model server cannot be reached."""

    code = "E_SERVER_UNREACHABLE"

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: refused | timeout | network
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class ApiKeyRejected(ChatError):
    """The model server refused the API key."""

    code = "E_API_KEY"

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: missing | wrong
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class ServerLoading(ChatError):
    """The model server is still loading the model."""

    code = "E_SERVER_LOADING"


class ServerError(ChatError):
    """The model server answered with an error."""

    code = "E_SERVER"

    def __init__(
        self, message: str = "", *, status: int = 0, error_type: str = "", hint: str = "", **data: Any
    ) -> None:
        super().__init__(message, hint=hint, status=status, error_type=error_type, **data)
        self.status = status
        self.error_type = error_type


class ContextExceeded(ServerError):
    """The conversation no longer fits in the model's context."""

    code = "E_CONTEXT_FULL"


class VisionUnsupported(ChatError):
    """The served model does not take images."""

    code = "E_NO_VISION"


class StreamInterrupted(ChatError):
    """The answer stopped before it was complete."""

    code = "E_STREAM_INTERRUPTED"

    def __init__(self, message: str = "", *, reason: str = "", hint: str = "", **data: Any) -> None:
        # reason: dropped | timeout | no_done
        super().__init__(message, hint=hint, reason=reason, **data)
        self.reason = reason


class StreamProtocolError(ChatError):
    """The server sent something that is not a valid chat stream."""

    code = "E_STREAM_PROTOCOL"


# ---------------------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class ChatMessage:
    """One turn. `images` are the attached files' bytes; they are run through an `ImageEncoder` when sent."""

    role: str  # system | user | assistant
    text: str
    images: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class ChatParams:
    """Per-conversation sampling settings. None means: the server's default."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    system_prompt: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "system_prompt": self.system_prompt,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatParams:
        def num(key: str) -> float | None:
            v = data.get(key)
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

        def whole(key: str) -> int | None:
            v = data.get(key)
            return int(v) if isinstance(v, int) and not isinstance(v, bool) else None

        sp = data.get("system_prompt")
        return cls(
            temperature=num("temperature"),
            top_p=num("top_p"),
            max_tokens=whole("max_tokens"),
            seed=whole("seed"),
            system_prompt=sp if isinstance(sp, str) else "",
        )

    def request_fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("temperature", "top_p", "max_tokens", "seed"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        return out


def _int(v: Any) -> int:
    # Python's JSON parser takes NaN, Infinity and 1e400, which int() refuses.
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else 0


def _float(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else 0.0


@dataclass(frozen=True)
class Timings:
    """llama-server's own measurement of one answer (`timings` on the last chunk)."""

    prompt_n: int = 0
    prompt_ms: float = 0.0
    prompt_per_second: float = 0.0
    predicted_n: int = 0
    predicted_ms: float = 0.0
    predicted_per_second: float = 0.0
    cache_n: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timings:
        return cls(
            prompt_n=_int(data.get("prompt_n")),
            prompt_ms=_float(data.get("prompt_ms")),
            prompt_per_second=_float(data.get("prompt_per_second")),
            predicted_n=_int(data.get("predicted_n")),
            predicted_ms=_float(data.get("predicted_ms")),
            predicted_per_second=_float(data.get("predicted_per_second")),
            cache_n=_int(data.get("cache_n")),
            raw=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        return (
            dict(self.raw)
            if self.raw
            else {
                "prompt_n": self.prompt_n,
                "prompt_ms": self.prompt_ms,
                "prompt_per_second": self.prompt_per_second,
                "predicted_n": self.predicted_n,
                "predicted_ms": self.predicted_ms,
                "predicted_per_second": self.predicted_per_second,
                "cache_n": self.cache_n,
            }
        )


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Usage:
        return cls(
            prompt_tokens=_int(data.get("prompt_tokens")),
            completion_tokens=_int(data.get("completion_tokens")),
            total_tokens=_int(data.get("total_tokens")),
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True)
class ChatDelta:
    """One piece of streamed text plus the live numbers at that moment."""

    text: str
    is_reasoning: bool  # True for `reasoning_content` (a thinking model's thoughts)
    n_tokens: int  # deltas received so far (llama-server sends one token per delta)
    elapsed_s: float  # since the request was sent
    ttft_s: float  # time to first token, measured on this side
    tokens_per_second: float | None  # live rate since the first token; None until two tokens arrived


@dataclass(frozen=True)
class ChatResult:
    content: str
    reasoning: str = ""
    finish_reason: str | None = None  # stop | length | tool_calls; None when stopped or interrupted
    usage: Usage | None = None
    timings: Timings | None = None
    ttft_s: float | None = None  # client-side time to first token
    elapsed_s: float = 0.0
    n_tokens: int = 0  # deltas received
    tokens_per_second: float | None = None  # client-side rate after the first token
    model: str = ""
    stopped: bool = False  # the user cancelled; content is what had arrived


@dataclass(frozen=True)
class ServerInfo:
    model: str
    model_path: str
    n_ctx: int
    total_slots: int
    has_vision: bool
    build_info: str
    input_modalities: frozenset[str] = frozenset()
    props: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------------------
# The endpoint and its cancellable connections

_active = threading.local()


class _CancelScope:
    """Ties one request's connection to a CancelToken: cancelling shuts that socket down, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: HTTPConnection | None = None
        self.cancelled = False
        self.opened_connection = False  # False: the request went out on a pooled keep-alive connection

    def attach(self, conn: HTTPConnection, *, fresh: bool = False) -> None:
        with self._lock:
            self._conn = conn
            self.opened_connection = self.opened_connection or fresh
            cancelled = self.cancelled
        if cancelled:
            self._shutdown(conn)

    def abort(self) -> None:
        with self._lock:
            self.cancelled = True
            conn = self._conn
        if conn is not None:
            self._shutdown(conn)

    @staticmethod
    def _shutdown(conn: HTTPConnection) -> None:
        sock = conn.sock
        if sock is None:
            return
        # shutdown(), not close(): it wakes a recv() blocked in the worker thread and sends FIN now; the
        # worker closes the socket itself when it unwinds.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _attach_to_scope(conn: HTTPConnection, *, fresh: bool = False) -> None:
    scope: _CancelScope | None = getattr(_active, "scope", None)
    if scope is not None:
        scope.attach(conn, fresh=fresh)


class ServerEndpoint:
    """Where llama-server answers (the tunnel's local end or a LAN URL) and its API key.

    Owns one keep-alive `requests.Session`; `close()` it (or use `with`) when done. The key is never shown in
    repr, logs or error messages.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 300.0,
        link: Board | None = None,
    ) -> None:
        url = base_url.strip().rstrip("/")
        if url.endswith("/v1"):
            url = url[: -len("/v1")]
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        self.base_url = url
        self._api_key = api_key or None
        self.connect_timeout = connect_timeout
        # Longest silence allowed between bytes of an answer. llama-server pings every 30 s while busy.
        self.read_timeout = read_timeout
        # The SSH connection the tunnel rides on, when there is one: stream_chat tells the user when it falls
        # silent during an answer (a stalled link reads like a model that thinks, for up to read_timeout).
        self.link = link
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def api_key(self) -> str | None:
        return self._api_key

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"ServerEndpoint({self.base_url!r}, api_key=<{key}>)"

    @property
    def session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                s = requests.Session()
                # No proxies or .netrc from the environment: the server is on loopback (tunnel) or the LAN,
                # and a .netrc entry must not replace the Authorization header.
                s.trust_env = False
                from .chat_transport import CancellableAdapter

                adapter = CancellableAdapter(pool_connections=1, pool_maxsize=4)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                self._session = s
            return self._session

    def url(self, path: str) -> str:
        return self.base_url + path

    def headers(self) -> dict[str, str]:
        h = {"Accept": "application/json"}
        if self._api_key:
            h["Authorization"] = f"Bearer {self._api_key}"
        return h

    def close(self) -> None:
        with self._lock:
            s, self._session = self._session, None
        if s is not None:
            s.close()

    def __enter__(self) -> ServerEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------------------
# HTTP errors


def _error_from_envelope(
    status: int, body: bytes | Mapping[str, Any], endpoint: ServerEndpoint, partial: ChatResult | None = None
) -> ChatError:
    err: Any = None
    if isinstance(body, Mapping):
        err = body.get("error")
    else:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            err = parsed.get("error")
    message = ""
    etype = ""
    if isinstance(err, dict):
        message = str(err.get("message") or "")
        etype = str(err.get("type") or "")
        status = status or _int(err.get("code"))
    elif isinstance(err, str):
        message = err
    if not message and isinstance(body, bytes):
        message = body[:300].decode("utf-8", "replace").strip()
    message = message or http.client.responses.get(status, "error")

    if status == 401 or etype == "authentication_error":
        if endpoint.api_key is None:
            return ApiKeyRejected(
                "The model server needs an API key.",
                reason="missing",
                hint="Enter the key the server was started with (--api-key).",
                partial=partial,
            )
        return ApiKeyRejected(
            "The model server refused the API key.",
            reason="wrong",
            hint="Check the key the server was started with (--api-key).",
            partial=partial,
        )
    if status == 503 or etype == "unavailable_error":
        return ServerLoading(
            f"The model server is not ready yet ({message}).",
            hint="It is still loading the model; try again in a moment.",
            partial=partial,
        )
    if "image input is not supported" in message:
        return VisionUnsupported(
            "The served model does not take images.",
            hint="Start the server with the model's vision projector (mmproj) or remove the image.",
            partial=partial,
            server_message=message,
        )
    if etype == "exceed_context_size_error":
        return ContextExceeded(
            f"The conversation is too long for the model's context: {message}",
            status=status,
            error_type=etype,
            hint="Start a new conversation or remove earlier messages.",
            partial=partial,
        )
    return ServerError(
        f"The model server answered HTTP {status}: {message}",
        status=status,
        error_type=etype,
        partial=partial,
    )


def _unreachable(exc: Exception, endpoint: ServerEndpoint) -> ServerUnreachable:
    if isinstance(exc, requests.Timeout):
        reason = "timeout"
    elif isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower():
        reason = "refused"
    else:
        reason = "network"
    return ServerUnreachable(
        f"The model server at {endpoint.base_url} cannot be reached ({reason}).",
        reason=reason,
        hint="Check that the server is running and the tunnel is open.",
        cause=f"{type(exc).__name__}: {exc}"[:300],  # for bug reports (the CLI's --json shows it)
    )


_STALE_ERRORS = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)


def _is_stale_connection_error(exc: BaseException) -> bool:
    """The server had closed the pooled connection before our request reached it (nothing was processed)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, _STALE_ERRORS):
            return True
        todo += [*e.args, getattr(e, "reason", None), e.__cause__, e.__context__]
    return False


def _send(
    endpoint: ServerEndpoint, method: str, path: str, scope: _CancelScope, **kwargs: Any
) -> requests.Response:
    """One request; once more on a new connection when a reused keep-alive connection turns out closed.

    llama-server closes the connection after every streamed answer although it announces keep-alive, so the
    next request can race the server's FIN on the pooled socket. Such a request never reached the server,
    so sending it again is safe. `scope` ties the connection to a CancelToken.
    """
    for attempt in (0, 1):
        scope.opened_connection = False
        _active.scope = scope
        try:
            return endpoint.session.request(method, endpoint.url(path), **kwargs)
        except requests.RequestException as exc:
            if scope.cancelled:
                raise
            if attempt == 0 and not scope.opened_connection and _is_stale_connection_error(exc):
                continue
            raise _unreachable(exc, endpoint) from exc
        finally:
            _active.scope = None
    raise AssertionError("unreachable")


def _get_json(endpoint: ServerEndpoint, path: str, *, allow_404: bool = False) -> dict[str, Any]:
    resp = _send(
        endpoint,
        "GET",
        path,
        _CancelScope(),
        headers=endpoint.headers(),
        timeout=(endpoint.connect_timeout, max(endpoint.connect_timeout, 10.0)),
        stream=True,
    )
    with resp:
        if resp.status_code == 404 and allow_404:
            return {}
        data = _bounded_json(resp, path, endpoint)
    if not isinstance(data, dict):
        raise StreamProtocolError(f"{path} returned {type(data).__name__}, not an object.")
    return data


def _bounded_json(resp: requests.Response, path: str, endpoint: ServerEndpoint) -> Any:
    """The JSON body of a streamed response, read only up to a limit: a server that answers with megabytes
    (or never stops) gets a typed error, not all of this computer's memory. Errors become ChatErrors."""
    try:
        if resp.status_code != 200:
            raise _error_from_envelope(resp.status_code, resp.raw.read(_ERROR_BODY_LIMIT), endpoint)
        data = resp.raw.read(_JSON_LIMIT + 1, decode_content=True)
    except _stream_errors() as exc:
        raise StreamInterrupted(f"The answer to {path} broke off.", reason="dropped") from exc
    if len(data) > _JSON_LIMIT:
        raise StreamProtocolError(f"The server's answer to {path} is too large.")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise StreamProtocolError(f"{path} did not return JSON.") from exc


# ---------------------------------------------------------------------------------------------------------
# Probing


def probe_server(endpoint: ServerEndpoint) -> ServerInfo:
    """What the server serves: model, context size, slots, whether it takes images, build.

    Raises ServerUnreachable, ApiKeyRejected (401), ServerLoading (503) or ServerError.
    """
    props = _get_json(endpoint, "/props", allow_404=True)
    models = _get_json(endpoint, "/v1/models")

    entries: list[Mapping[str, Any]] = [
        e for key in ("data", "models") for e in (models.get(key) or []) if isinstance(e, Mapping)
    ]
    first = next((e for e in models.get("data") or [] if isinstance(e, Mapping)), {})

    modalities: set[str] = set()
    capabilities: set[str] = set()
    for e in entries:
        arch = e.get("architecture")
        if isinstance(arch, Mapping):
            modalities.update(str(m) for m in arch.get("input_modalities") or [])
        capabilities.update(str(c) for c in e.get("capabilities") or [])
    props_modalities = props.get("modalities")
    vision_prop = isinstance(props_modalities, Mapping) and bool(props_modalities.get("vision"))
    has_vision = vision_prop or "image" in modalities or "multimodal" in capabilities
    if vision_prop:
        modalities.add("image")

    model_path = str(props.get("model_path") or "")
    model = str(first.get("id") or props.get("model_alias") or model_path.rsplit("/", 1)[-1])

    n_ctx = 0
    dgs = props.get("default_generation_settings")
    if isinstance(dgs, Mapping):
        n_ctx = _int(dgs.get("n_ctx"))
    if not n_ctx:
        meta = first.get("meta")
        if isinstance(meta, Mapping):
            n_ctx = _int(meta.get("n_ctx"))

    return ServerInfo(
        model=model,
        model_path=model_path,
        n_ctx=n_ctx,
        total_slots=_int(props.get("total_slots")),
        has_vision=has_vision,
        build_info=str(props.get("build_info") or ""),
        input_modalities=frozenset(modalities),
        props=props,
    )


def fetch_slots(endpoint: ServerEndpoint) -> list[dict[str, Any]]:
    """`GET /slots`: one dict per slot (`id`, `is_processing`, ...)."""
    resp = _send(
        endpoint,
        "GET",
        "/slots",
        _CancelScope(),
        headers=endpoint.headers(),
        timeout=(endpoint.connect_timeout, 10.0),
        stream=True,
    )
    with resp:
        data = _bounded_json(resp, "/slots", endpoint)
    if not isinstance(data, list):
        raise StreamProtocolError("/slots did not return a list.")
    return [s for s in data if isinstance(s, dict)]


# ---------------------------------------------------------------------------------------------------------
# Messages and images


def check_vision(server: ServerInfo, messages: Sequence[ChatMessage]) -> None:
    """Raise VisionUnsupported before sending when an image is attached but the served model has no vision."""
    if not server.has_vision and any(m.images for m in messages):
        raise VisionUnsupported(
            f"The served model ({server.model or 'unknown'}) does not take images.",
            hint="Remove the image, or serve a vision model with its projector (mmproj).",
        )


def build_request_messages(
    messages: Sequence[ChatMessage], *, system_prompt: str = "", encoder: ImageEncoder | None = None
) -> list[dict[str, Any]]:
    """OpenAI chat messages: a plain string, or text + `image_url` data-URL parts when images are attached."""
    enc = encoder or PassthroughEncoder()
    out: list[dict[str, Any]] = []
    if system_prompt and not (messages and messages[0].role == "system"):
        out.append({"role": "system", "content": system_prompt})
    for m in messages:
        if m.role not in ("system", "user", "assistant"):
            raise ValueError(f"unknown role {m.role!r}")
        if not m.images:
            out.append({"role": m.role, "content": m.text})
            continue
        parts: list[dict[str, Any]] = []
        if m.text:
            parts.append({"type": "text", "text": m.text})
        for raw in m.images:
            img: ImageData = enc.encode(raw)
            parts.append({"type": "image_url", "image_url": {"url": img.to_data_url()}})
        out.append({"role": m.role, "content": parts})
    return out


# ---------------------------------------------------------------------------------------------------------
# SSE


@dataclass(frozen=True)
class SseEvent:
    event: str  # "" for the default "message"
    data: bytes


class SseParser:
    """Incremental Server-Sent Events parser over raw bytes.

    Lines are split on LF (CR before it dropped); `:` comments are skipped; `data:` lines of one event are
    joined with LF and dispatched at the blank line. A line longer than `max_line_bytes` raises
    StreamProtocolError without buffering more of it.
    """

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.max_line_bytes = max_line_bytes
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf already known to hold no LF
        self._data: list[bytes] = []
        self._event = ""
        self.comments = 0

    def feed(self, chunk: bytes) -> list[SseEvent]:
        buf = self._buf
        buf += chunk
        out: list[SseEvent] = []
        start = 0
        nl = buf.find(b"\n", self._scanned)
        while nl >= 0:
            if nl - start > self.max_line_bytes:
                self._too_long()
            line = bytes(buf[start:nl])
            start = nl + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            self._line(line, out)
            nl = buf.find(b"\n", start)
        if start:
            del buf[:start]
        if len(buf) > self.max_line_bytes:
            self._too_long()
        self._scanned = len(buf)
        return out

    def _too_long(self) -> None:
        self._buf.clear()
        self._scanned = 0
        raise StreamProtocolError(
            f"The server sent a line longer than {self.max_line_bytes // 1024} KiB; the stream was abandoned."
        )

    def _line(self, line: bytes, out: list[SseEvent]) -> None:
        if not line:
            if self._data:
                out.append(SseEvent(self._event, b"\n".join(self._data)))
            self._data = []
            self._event = ""
            return
        if line[:1] == b":":
            self.comments += 1
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"error":
            # Older llama-server builds sent mid-stream errors as an `error:` field.
            self._event = "error"
            self._data.append(value)
        # id:, retry: and unknown fields are ignored, as the SSE spec says.


# ---------------------------------------------------------------------------------------------------------
# Streaming


class _Accumulator:
    def __init__(self, on_delta: Callable[[ChatDelta], None]) -> None:
        self.on_delta = on_delta
        self.t0 = time.perf_counter()
        self.t_first: float | None = None
        self.t_last = self.t0
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.n = 0
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.timings: Timings | None = None
        self.model = ""

    def rate(self) -> float | None:
        if self.t_first is None or self.n < 2 or self.t_last <= self.t_first:
            return None
        return (self.n - 1) / (self.t_last - self.t_first)

    def add(self, text: str, *, is_reasoning: bool) -> None:
        now = time.perf_counter()
        if self.t_first is None:
            self.t_first = now
        self.t_last = now
        self.n += 1
        (self.reasoning if is_reasoning else self.content).append(text)
        self.on_delta(
            ChatDelta(
                text=text,
                is_reasoning=is_reasoning,
                n_tokens=self.n,
                elapsed_s=now - self.t0,
                ttft_s=self.t_first - self.t0,
                tokens_per_second=self.rate(),
            )
        )

    def result(self, *, stopped: bool = False) -> ChatResult:
        return ChatResult(
            content="".join(self.content),
            reasoning="".join(self.reasoning),
            finish_reason=None if stopped else self.finish_reason,
            usage=self.usage,
            timings=self.timings,
            ttft_s=None if self.t_first is None else self.t_first - self.t0,
            elapsed_s=time.perf_counter() - self.t0,
            n_tokens=self.n,
            tokens_per_second=self.rate(),
            model=self.model,
            stopped=stopped,
        )

    def chunk(self, obj: Any, endpoint: ServerEndpoint) -> None:
        if not isinstance(obj, dict):
            raise StreamProtocolError("The server sent a stream chunk that is not a JSON object.")
        if "error" in obj:
            raise _error_from_envelope(0, obj, endpoint, partial=self.result())
        model = obj.get("model")
        if isinstance(model, str):
            self.model = model
        choices = obj.get("choices")
        if isinstance(choices, list) and choices:
            choice = choices[0]
            if isinstance(choice, dict):
                delta = choice.get("delta") or choice.get("message") or {}
                if isinstance(delta, dict):
                    rc = delta.get("reasoning_content")
                    if isinstance(rc, str) and rc:
                        self.add(rc, is_reasoning=True)
                    c = delta.get("content")
                    if isinstance(c, str) and c:
                        self.add(c, is_reasoning=False)
                fr = choice.get("finish_reason")
                if isinstance(fr, str) and fr:
                    self.finish_reason = fr
        usage = obj.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage.from_json(usage)
        timings = obj.get("timings")
        if isinstance(timings, dict):
            self.timings = Timings.from_json(timings)


def _iter_body(raw: HTTPResponse) -> Iterator[bytes]:
    """The body as it arrives, in pieces of at most _READ_SIZE bytes (never waiting for a full buffer)."""
    if raw.chunked and raw.supports_chunked_reads():
        yield from raw.read_chunked(_READ_SIZE, decode_content=True)
        return
    while True:
        data = raw.read1(_READ_SIZE)
        if not data:
            return
        yield data


def _stream_errors() -> tuple[type[BaseException], ...]:
    """What a dropped or stalled stream raises (a function: the tuple would import requests at import)."""
    return (urllib3.exceptions.HTTPError, requests.RequestException, http.client.HTTPException, OSError)


def stream_chat(
    endpoint: ServerEndpoint,
    messages: Sequence[ChatMessage],
    params: ChatParams | None = None,
    *,
    on_delta: Callable[[ChatDelta], None],
    cancel: CancelToken,
    encoder: ImageEncoder | None = None,
    extra: Mapping[str, Any] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    report: Reporter = ignore,
) -> ChatResult:
    """POST /v1/chat/completions with streaming; call `on_delta` per piece of text; return the whole answer.

    Cancelling `cancel` shuts the connection down at once and returns the partial answer with `stopped=True`.
    `extra` adds raw request fields (e.g. `ignore_eos`). Raises ServerUnreachable, ApiKeyRejected,
    ServerLoading, VisionUnsupported, ContextExceeded, ServerError (before or during the stream; `partial`
    holds what had arrived), StreamInterrupted (connection dropped, timed out, or ended without `[DONE]`) and
    StreamProtocolError (bad JSON, an over-long line, not an event stream). The encoder raises ImageRejected.
    `report` hears when the endpoint's SSH link falls silent during the answer and when it is heard again.
    """
    p = params or ChatParams()
    body: dict[str, Any] = {
        "messages": build_request_messages(messages, system_prompt=p.system_prompt, encoder=encoder),
        "stream": True,
        "stream_options": {"include_usage": True},
        "timings_per_token": False,
        **p.request_fields(),
        **(extra or {}),
    }
    try:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            "The message contains characters that cannot be sent (an unpaired surrogate).",
            hint="Remove the broken character, or paste the text again.",
        ) from None
    headers = {**endpoint.headers(), "Accept": "text/event-stream", "Content-Type": "application/json"}

    acc = _Accumulator(on_delta)
    if cancel.is_cancelled:
        return acc.result(stopped=True)

    scope = _CancelScope()
    unregister = cancel.on_cancel(scope.abort)
    resp: requests.Response | None = None
    watch = contextlib.ExitStack()
    if endpoint.link is not None:
        from .ssh import StallWatch

        watch.enter_context(StallWatch(endpoint.link, report, step="chat"))
    try:
        try:
            resp = _send(
                endpoint,
                "POST",
                "/v1/chat/completions",
                scope,
                data=payload,
                headers=headers,
                stream=True,
                timeout=(endpoint.connect_timeout, endpoint.read_timeout),
            )
        except requests.RequestException:
            # _send raises the raw error only when the request was cancelled.
            return acc.result(stopped=True)
        return _read_stream(resp, endpoint, acc, scope, max_line_bytes)
    finally:
        watch.close()
        unregister()
        if resp is not None:
            resp.close()


def _read_stream(
    resp: requests.Response,
    endpoint: ServerEndpoint,
    acc: _Accumulator,
    scope: _CancelScope,
    max_line_bytes: int,
) -> ChatResult:
    raw: HTTPResponse = resp.raw
    try:
        if resp.status_code != 200:
            raise _error_from_envelope(resp.status_code, raw.read(_ERROR_BODY_LIMIT), endpoint)
        ctype = resp.headers.get("Content-Type", "")
        if "text/event-stream" not in ctype:
            return _read_plain_json(raw, ctype, endpoint, acc, max_line_bytes)

        parser = SseParser(max_line_bytes)
        body = _iter_body(raw)
        for piece in body:
            for ev in parser.feed(piece):
                if ev.data == b"[DONE]":
                    _drain(body)
                    return acc.result()
                try:
                    obj = json.loads(ev.data)
                except ValueError as exc:
                    raise StreamProtocolError(
                        "The server sent a stream chunk that is not valid JSON.",
                        partial=acc.result(),
                        excerpt=ev.data[:120].decode("utf-8", "replace"),
                    ) from exc
                if ev.event == "error" and not (isinstance(obj, dict) and "error" in obj):
                    obj = {"error": obj}
                acc.chunk(obj, endpoint)
    except _stream_errors() as exc:
        if scope.cancelled:
            return acc.result(stopped=True)
        timed_out = isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError | requests.Timeout)
        raise StreamInterrupted(
            "The connection to the model server was lost during the answer."
            if not timed_out
            else f"The model server sent nothing for {endpoint.read_timeout:.0f} s.",
            reason="timeout" if timed_out else "dropped",
            hint="The partial answer was kept; you can continue it.",
            partial=acc.result(),
        ) from exc
    except StreamProtocolError as exc:
        if scope.cancelled:
            return acc.result(stopped=True)
        if exc.partial is None:
            exc.partial = acc.result()
        raise
    if scope.cancelled:
        return acc.result(stopped=True)
    raise StreamInterrupted(
        "The answer ended before the server said it was complete.",
        reason="no_done",
        hint="The partial answer was kept; you can continue it.",
        partial=acc.result(),
    )


def _drain(body: Iterator[bytes], limit: int = _READ_SIZE) -> None:
    """Read the end of the body after [DONE] so the keep-alive connection can be reused."""
    seen = 0
    for piece in body:
        seen += len(piece)
        if seen > limit:
            return


def _read_plain_json(
    raw: HTTPResponse, ctype: str, endpoint: ServerEndpoint, acc: _Accumulator, limit: int
) -> ChatResult:
    if "json" not in ctype:
        raise StreamProtocolError(
            f"The server answered with {ctype or 'no content type'}, not an event stream."
        )
    data = raw.read(limit + 1)
    if len(data) > limit:
        raise StreamProtocolError("The server's answer is too large.")
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise StreamProtocolError("The server's answer is not valid JSON.") from exc
    acc.chunk(obj, endpoint)
    return acc.result()
