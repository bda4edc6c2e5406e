"""The app's core operations, headless, in a process of their own, for the SIGKILL cells of the fault matrix.

    python driver.py <op> '<json spec>'

Prints one JSON object per line: `{"kind": <event kind>, ...}` for each Event the core reports, `delta`
objects for chat text (printed after the text is handed to the history store, i.e. when the app would show
it), then `{"kind": "result", ...}` or `{"kind": "error", "code": ..., "message": ...}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rubikpi_studio.core.errors import StudioError
from rubikpi_studio.core.events import Event
from rubikpi_studio.core.ssh import Board, KnownHosts, Target


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def report(ev: Event) -> None:
    emit({"kind": ev.kind, "step": ev.step, "message": ev.message, "code": ev.code, "data": ev.data})


def connect(spec: dict[str, Any]) -> Board:
    t = Target(
        "127.0.0.1",
        spec["port"],
        spec["user"],
        identity=spec["identity"],
        look_for_keys=False,
        use_agent=False,
    )
    return Board.connect(t, KnownHosts(Path(spec["known_hosts"]), system_paths=[]))


def run(op: str, spec: dict[str, Any]) -> dict[str, Any]:
    if op == "chat":
        return chat(spec)
    board = connect(spec)
    reconnect = lambda: connect(spec)  # noqa: E731
    if op == "setup":
        from rig.build import rig_setup_spec

        from rubikpi_studio.core.setup import run_setup

        res = run_setup(
            board,
            rig_setup_spec(gpu="off"),
            sudo_password=spec.get("sudo"),
            report=report,
            reconnect=reconnect,
        )
        return {"done": res.done, "skipped": res.skipped, "job": res.job.id}
    if op == "pull":
        from rubikpi_studio.core import models

        req = models.DownloadRequest(**spec["request"])
        model = models.pull(board, req, report=report, reconnect=reconnect)
        return {"path": model.path, "size": model.size}
    if op == "quantize":
        from rubikpi_studio.core import models

        model = models.quantize(
            board, spec["source"], quantize_bin=spec["tool"], report=report, reconnect=reconnect
        )
        return {"path": model.path, "size": model.size}
    if op == "push":
        from rubikpi_studio.core import models

        model = models.push(board, Path(spec["local"]), report=report)
        return {"path": model.path, "size": model.size}
    if op == "serve":
        from rubikpi_studio.core import server

        handle = server.start(board, server.ServerSpec(**spec["server"]), report=report)
        return {"port": handle.port, "job": handle.job.id if handle.job else None}
    raise SystemExit(f"unknown op {op}")


def chat(spec: dict[str, Any]) -> dict[str, Any]:
    from rubikpi_studio.core.chat import ChatDelta, ChatMessage, ChatParams, ServerEndpoint, stream_chat
    from rubikpi_studio.core.events import CancelToken
    from rubikpi_studio.core.store import ChatStore

    store = ChatStore(spec["db"])
    cid = store.create_conversation(model="m")
    store.add_message(cid, "user", spec["prompt"])
    mid = store.begin_assistant_message(cid)
    emit({"kind": "begin", "message_id": mid})

    def on_delta(d: ChatDelta) -> None:  # as the Chat page does: saved, then shown
        store.append_delta(mid, d.text)
        store.flush()
        emit({"kind": "delta", "text": d.text})

    with ServerEndpoint(spec["url"]) as ep:
        result = stream_chat(
            ep,
            [ChatMessage("user", spec["prompt"])],
            ChatParams(max_tokens=spec.get("max_tokens", 400), temperature=0),
            on_delta=on_delta,
            cancel=CancelToken(),
            extra={"ignore_eos": True},
        )
    store.finish_with_result(mid, result)
    store.close()
    return {"content": result.content}


def main() -> int:
    op, raw = sys.argv[1], sys.argv[2]
    try:
        out = run(op, json.loads(raw))
    except StudioError as exc:
        emit({"kind": "error", "code": exc.code, "message": str(exc), "type": type(exc).__name__})
        return 1
    emit({"kind": "result", **out})
    return 0


if __name__ == "__main__":
    sys.exit(main())
