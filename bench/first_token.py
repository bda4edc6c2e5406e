"""Time to first token through the app's `stream_chat` vs `curl -N`, against the same real llama-server.

    .venv/bin/python bench/first_token.py [--n 21] [--max-tokens 4]

Both send the same request body (the one `stream_chat` builds) to the same llama-server (SmolLM2-135M, CPU),
alternating, and stop the clock at the first `data:` event that carries content. curl is started before its
clock starts: it reads the body from stdin (`--data-binary @-`), so the clock starts when the body is written,
not when the process is spawned. Prints the medians and the difference. Target: the app adds <= 5 ms.
The server's prompt cache makes every repeat cheap, which leaves mostly the client's own overhead to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time

from _rig import ROOT  # noqa: F401  (puts tests/ and the project on sys.path)
from rig import models
from rig.llama_server import LlamaServer, find_llama_server, llama_server_missing_reason

from rubikpi_studio.core.chat import (
    ChatDelta,
    ChatMessage,
    ChatParams,
    ServerEndpoint,
    build_request_messages,
    stream_chat,
)
from rubikpi_studio.core.events import CancelToken

PROMPT = "Say hello."


def body(params: ChatParams) -> bytes:
    # The same fields stream_chat sends.
    data = {
        "messages": build_request_messages([ChatMessage("user", PROMPT)]),
        "stream": True,
        "stream_options": {"include_usage": True},
        "timings_per_token": False,
        **params.request_fields(),
    }
    return json.dumps(data).encode()


def app_ttft(ep: ServerEndpoint, params: ChatParams) -> float:
    first: list[float] = []

    def on_delta(d: ChatDelta) -> None:
        if not first:
            first.append(time.perf_counter())

    t0 = time.perf_counter()
    stream_chat(ep, [ChatMessage("user", PROMPT)], params, on_delta=on_delta, cancel=CancelToken())
    return (first[0] - t0) * 1000


def curl_ttft(url: str, payload: bytes) -> float:
    proc = subprocess.Popen(
        [
            "curl", "-sN", "--no-buffer", "-H", "Content-Type: application/json",
            "-H", "Accept: text/event-stream", "--data-binary", "@-", url + "/v1/chat/completions",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    time.sleep(0.05)  # let curl start and block on stdin
    t0 = time.perf_counter()
    proc.stdin.write(payload)
    proc.stdin.close()
    t1 = None
    for line in iter(proc.stdout.readline, b""):
        if line.startswith(b"data: {") and t1 is None:
            obj = json.loads(line[6:])
            choices = obj.get("choices") or [{}]
            if (choices[0].get("delta") or {}).get("content"):
                t1 = time.perf_counter()
    proc.wait()
    if t1 is None:
        raise RuntimeError("curl saw no content")
    return (t1 - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=21)
    ap.add_argument("--max-tokens", type=int, default=4)
    args = ap.parse_args()
    binary = find_llama_server()
    if binary is None:
        raise SystemExit(llama_server_missing_reason())
    params = ChatParams(temperature=0, max_tokens=args.max_tokens, seed=1)
    payload = body(params)
    with LlamaServer(binary, models.smollm2_path()) as srv, ServerEndpoint(srv.base_url) as ep:
        app_ttft(ep, params)  # warm: model pages, prompt cache, keep-alive pool
        curl_ttft(srv.base_url, payload)
        app: list[float] = []
        curl: list[float] = []
        for _ in range(args.n):
            app.append(app_ttft(ep, params))
            curl.append(curl_ttft(srv.base_url, payload))
    a, c = statistics.median(app), statistics.median(curl)
    print(f"llama-server {binary}")
    print(f"time to first token, median of {args.n}:")
    print(f"  app (stream_chat) {a:8.2f} ms   (min {min(app):.2f}, max {max(app):.2f})")
    print(f"  curl -N           {c:8.2f} ms   (min {min(curl):.2f}, max {max(curl):.2f})")
    print(f"  added by the app  {a - c:+8.2f} ms   (target <= 5 ms): {'OK' if a - c <= 5 else 'OVER'}")


if __name__ == "__main__":
    main()
