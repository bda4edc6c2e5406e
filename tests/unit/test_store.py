"""core/store: chat history in a real SQLite file, saved while streaming, recovered after a kill."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rubikpi_studio.core.chat import ChatResult, Timings, Usage
from rubikpi_studio.core.imaging import ImageData
from rubikpi_studio.core.store import (
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
    STATUS_STOPPED,
    STATUS_STREAMING,
    ChatStore,
    StoreError,
)

PNG = ImageData(data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 24, mime="image/png")
TIMINGS = {"prompt_n": 36, "prompt_ms": 12.0, "predicted_n": 5, "predicted_per_second": 250.0}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "chats.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[ChatStore]:
    s = ChatStore(db_path)
    try:
        yield s
    finally:
        s.close()


def read_content(db_path: Path, message_id: int) -> tuple[str, str]:
    """What another process would see now: a separate read-only connection."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT content, status FROM messages WHERE id = ?", (message_id,)).fetchone()
    finally:
        con.close()
    return str(row[0]), str(row[1])


def test_conversations_messages_and_images(store: ChatStore, db_path: Path) -> None:
    cid = store.create_conversation(system_prompt="Be brief.", params={"temperature": 0.5}, model="smollm2")
    uid = store.add_message(
        cid, "user", "\n  What is on this picture? It is a long question about cats\n", images=[PNG]
    )
    conv = store.get_conversation(cid)
    assert conv.title == "What is on this picture? It is a long question about cats"
    assert (
        conv.params == {"temperature": 0.5} and conv.system_prompt == "Be brief." and conv.model == "smollm2"
    )
    (msg,) = store.messages(cid)
    assert msg.id == uid and msg.role == "user" and msg.status == STATUS_COMPLETE
    assert msg.images == (PNG,)

    other = store.create_conversation("Other")
    assert [c.id for c in store.list_conversations()] == [other, cid]
    store.add_message(cid, "user", "again")
    assert [c.id for c in store.list_conversations()] == [cid, other]
    assert store.get_conversation(other).title == "Other"  # an explicit title is not replaced

    store.rename_conversation(cid, "Cats")
    store.update_conversation(cid, params={"temperature": 0.9, "seed": 3})
    conv = store.get_conversation(cid)
    assert conv.title == "Cats" and conv.params == {"temperature": 0.9, "seed": 3}

    store.delete_conversation(cid)
    assert [c.id for c in store.list_conversations()] == [other]
    with pytest.raises(StoreError):
        store.get_conversation(cid)
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM message_images").fetchone()[0] == 0
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_streamed_answer_is_saved_and_finished(store: ChatStore, db_path: Path) -> None:
    cid = store.create_conversation()
    store.add_message(cid, "user", "Tell me a story")
    mid = store.begin_assistant_message(cid)
    assert read_content(db_path, mid) == ("", STATUS_STREAMING)
    pieces = ["Once", " upon", " a", " time", "…"]
    for p in pieces:
        store.append_delta(mid, p)
    store.append_delta(mid, "hmm", is_reasoning=True)
    result = ChatResult(
        content="".join(pieces),
        reasoning="hmm",
        finish_reason="stop",
        usage=Usage(36, 5, 41),
        timings=Timings.from_json(TIMINGS),
        ttft_s=0.042,
        tokens_per_second=230.0,
    )
    store.finish_with_result(mid, result)
    assert read_content(db_path, mid) == ("Once upon a time…", STATUS_COMPLETE)
    msg = store.get_message(mid)
    assert msg.reasoning == "hmm" and msg.finish_reason == "stop"
    assert msg.timings == TIMINGS
    assert msg.usage == {"prompt_tokens": 36, "completion_tokens": 5, "total_tokens": 41}
    assert msg.ttft_s == 0.042 and msg.tokens_per_second == 230.0


def test_deltas_are_committed_in_batches(db_path: Path) -> None:
    with ChatStore(db_path, flush_interval=60, flush_every=5) as s:
        cid = s.create_conversation()
        mid = s.begin_assistant_message(cid)
        s.append_delta(mid, "a")  # the first delta after a quiet period is committed at once
        for ch in "bcde":
            s.append_delta(mid, ch)
        assert read_content(db_path, mid)[0] == "a"
        s.append_delta(mid, "f")  # fifth buffered delta: one commit
        assert read_content(db_path, mid)[0] == "abcdef"
        s.append_delta(mid, "g")
        assert s.messages(cid)[0].content == "abcdefg"  # reads include the buffer


def test_paused_stream_tail_is_committed_by_the_flusher(db_path: Path) -> None:
    with ChatStore(db_path, flush_interval=0.05, flush_every=1000) as s:
        cid = s.create_conversation()
        mid = s.begin_assistant_message(cid)
        s.append_delta(mid, "first")
        s.append_delta(mid, " second")  # within the interval: buffered
        deadline = time.monotonic() + 5
        while read_content(db_path, mid)[0] != "first second" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert read_content(db_path, mid) == ("first second", STATUS_STREAMING)


def test_interrupted_and_stopped(store: ChatStore) -> None:
    cid = store.create_conversation()
    a = store.begin_assistant_message(cid)
    store.append_delta(a, "Half an ans")
    store.mark_interrupted(a, "The connection to the model server was lost during the answer.")
    b = store.begin_assistant_message(cid)
    store.append_delta(b, "Sto")
    store.finish_with_result(b, ChatResult(content="Stop", stopped=True))
    ma, mb = store.messages(cid)
    assert (ma.content, ma.status) == ("Half an ans", STATUS_INTERRUPTED)
    assert ma.error.startswith("The connection")
    assert (mb.content, mb.status, mb.finish_reason) == ("Stop", STATUS_STOPPED, None)


def test_regenerate_deletes_from_a_message_on(store: ChatStore) -> None:
    cid = store.create_conversation()
    u1 = store.add_message(cid, "user", "one")
    store.add_message(cid, "assistant", "1")
    u2 = store.add_message(cid, "user", "two")
    store.add_message(cid, "assistant", "2")
    store.delete_messages_from(cid, u2)
    assert [m.id for m in store.messages(cid)] == [u1, u1 + 1]


CHILD = textwrap.dedent(
    """
    import sys, time
    from rubikpi_studio.core.store import ChatStore
    path, mode = sys.argv[1], sys.argv[2]
    s = ChatStore(path, flush_interval=0.05, flush_every=8)
    cid = s.create_conversation()
    s.add_message(cid, "user", "Count to 400")
    mid = s.begin_assistant_message(cid)
    print(mid, flush=True)
    for i in range(400):
        s.append_delta(mid, f"{i} ")
        if mode == "pause" or i % 50 == 0:
            print(f"shown {i}", flush=True)
        time.sleep(0.0005)
    if mode == "pause":
        time.sleep(0.5)  # the answer is fully shown; the app then dies while idle
        print("idle", flush=True)
    time.sleep(60)
    """
)


def run_child_and_kill(db_path: Path, mode: str, kill_after_line: str) -> tuple[int, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), mode], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        mid = int(proc.stdout.readline())
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == kill_after_line:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return mid, lines


def test_crash_keeps_everything_shown_and_marks_interrupted(db_path: Path) -> None:
    mid, _ = run_child_and_kill(db_path, "pause", "idle")
    expected = "".join(f"{i} " for i in range(400))
    # A second connection sees the answer as the dead process left it.
    assert read_content(db_path, mid) == (expected, STATUS_STREAMING)
    with ChatStore(db_path) as s:
        assert s.recovered == [mid]
        msg = s.get_message(mid)
        assert msg.content == expected and msg.status == STATUS_INTERRUPTED
        assert msg.error == "The app closed during the answer."
    with ChatStore(db_path) as s:
        assert s.recovered == []


def test_kill_mid_stream_leaves_a_consistent_prefix(db_path: Path) -> None:
    mid, _ = run_child_and_kill(db_path, "fast", "shown 200")
    full = "".join(f"{i} " for i in range(400))
    content, status = read_content(db_path, mid)
    assert status == STATUS_STREAMING
    assert full.startswith(content)
    # Deltas before the last commit that preceded "shown 150" are certainly there (8 per batch).
    assert content.startswith("".join(f"{i} " for i in range(150)))
    with ChatStore(db_path) as s:
        assert s.get_message(mid).status == STATUS_INTERRUPTED
        assert s._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_search(store: ChatStore) -> None:
    a = store.create_conversation("Raspberry comparisons")
    store.add_message(a, "user", "How fast is the Adreno GPU?")
    store.add_message(a, "assistant", "It runs 100% of layers; see load_tensors output.")
    b = store.create_conversation()
    store.add_message(b, "user", "Write a haiku about the adreno")
    hits = store.search("ADRENO")
    # b's title was taken from its first message, so it matches by title too.
    assert {(h.conversation_id, h.role) for h in hits} == {(a, "user"), (b, "user"), (b, "")}
    assert all("adreno" in h.snippet.lower() for h in hits)
    assert [h.message_id for h in store.search("100%")] == [store.messages(a)[1].id]
    assert len(store.search("load_tensors")) == 1
    assert store.search("load%tensors") == []  # % is literal, not a wildcard
    assert store.search("a_b") == []
    (title_hit,) = store.search("comparisons")
    assert title_hit.message_id is None and title_hit.conversation_id == a
    assert store.search("   ") == []


def test_export_markdown_and_json(store: ChatStore) -> None:
    cid = store.create_conversation("Picture", system_prompt="Be brief.", model="SmolVLM", params={"seed": 1})
    store.add_message(cid, "user", "What is this?", images=[PNG])
    mid = store.begin_assistant_message(cid)
    store.append_delta(mid, "A **cat**.\n\n```python\nprint('meow')\n```")
    store.finish_message(mid, finish_reason="stop", timings=TIMINGS, ttft_s=0.25)
    cut = store.begin_assistant_message(cid)
    store.append_delta(cut, "Partial")
    store.mark_interrupted(cut, "dropped")

    md = store.export_markdown(cid)
    assert md.startswith("# Picture\n")
    assert "- Model: SmolVLM" in md and "## System\n\nBe brief." in md
    assert "## User\n\n*[image 1: image/png, 32 bytes]*\n\nWhat is this?" in md
    assert "## Assistant\n\nA **cat**.\n\n```python\nprint('meow')\n```" in md
    assert "*36 prompt tokens, 5 generated, 250.0 tokens/s, first token after 250 ms*" in md
    assert "## Assistant (interrupted)\n\nPartial" in md
    assert "data:image/png;base64," in store.export_markdown(cid, inline_images=True)

    data = json.loads(store.export_json_text(cid))
    assert (
        data["title"] == "Picture" and data["params"] == {"seed": 1} and data["system_prompt"] == "Be brief."
    )
    roles = [(m["role"], m["status"]) for m in data["messages"]]
    assert roles == [("user", "complete"), ("assistant", "complete"), ("assistant", "interrupted")]
    assert data["messages"][0]["images"][0].startswith("data:image/png;base64,")
    assert data["messages"][1]["timings"] == TIMINGS and data["messages"][1]["ttft_s"] == 0.25
    assert data["messages"][2]["error"] == "dropped"


def test_writer_thread_and_reader_thread(store: ChatStore) -> None:
    cid = store.create_conversation()
    mid = store.begin_assistant_message(cid)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(2000):
                store.append_delta(mid, f"{i},")
            store.finish_message(mid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=write)
    t.start()
    seen = 0
    while t.is_alive():
        content = store.messages(cid)[0].content
        assert len(content) >= seen
        seen = len(content)
        store.list_conversations()
        store.search("199")
    t.join()
    assert errors == []
    assert store.messages(cid)[0].content == "".join(f"{i}," for i in range(2000))


def test_refuses_a_newer_schema(db_path: Path) -> None:
    ChatStore(db_path).close()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(StoreError, match="newer version"):
        ChatStore(db_path)


def test_closed_store_refuses_calls(db_path: Path) -> None:
    s = ChatStore(db_path)
    cid = s.create_conversation()
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.add_message(cid, "user", "late")
