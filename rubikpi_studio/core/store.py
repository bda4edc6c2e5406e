"""Chat history in SQLite: conversations and messages, saved while they stream so nothing shown is lost.

One file (the GUI keeps it at `chat/history.sqlite3` under `core.appdirs.data_dir()`, which is
QStandardPaths' AppDataLocation, shared by the GUI and the Qt-free CLI), WAL mode, `synchronous=NORMAL`: a
committed transaction survives an app crash, and readers never block the streaming writer.

Streaming: `begin_assistant_message()` creates the row in `streaming` status, `append_delta()` buffers text
and commits at most every `flush_interval` seconds or every `flush_every` deltas (a background flusher also
commits a buffered tail when the stream pauses), `finish_message()` / `mark_interrupted()` commit the rest
with the final status. A message found in `streaming` status when the store opens belonged to an app that
died mid-answer: it becomes `interrupted`, keeping its text.

Thread safety: one connection guarded by one lock, so the UI thread and one streaming worker may both call
in. Search uses LIKE (substring, ASCII case-insensitive): it matches what users type mid-word, and
streaming updates do not have to maintain a full-text index.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import StudioError
from .imaging import ImageData

if TYPE_CHECKING:
    from .chat import ChatResult

__all__ = [
    "STATUS_COMPLETE",
    "STATUS_INTERRUPTED",
    "STATUS_STOPPED",
    "STATUS_STREAMING",
    "ChatStore",
    "Conversation",
    "SearchHit",
    "StoreError",
    "StoredMessage",
]

SCHEMA_VERSION = 1

STATUS_COMPLETE = "complete"
STATUS_STREAMING = "streaming"
STATUS_INTERRUPTED = "interrupted"
STATUS_STOPPED = "stopped"
_STATUSES = (STATUS_COMPLETE, STATUS_STREAMING, STATUS_INTERRUPTED, STATUS_STOPPED)
_ROLES = ("system", "user", "assistant")
_TITLE_MAX = 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    created       REAL NOT NULL,
    updated       REAL NOT NULL,
    system_prompt TEXT NOT NULL DEFAULT '',
    params        TEXT NOT NULL DEFAULT '{}',
    model         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL DEFAULT '',
    reasoning       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'complete'
                    CHECK (status IN ('complete', 'streaming', 'interrupted', 'stopped')),
    finish_reason   TEXT,
    timings         TEXT,
    usage           TEXT,
    ttft_s          REAL,
    tokens_per_second REAL,
    error           TEXT NOT NULL DEFAULT '',
    created         REAL NOT NULL,
    updated         REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS message_images (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS images_by_message ON message_images(message_id, position);
"""


class StoreError(StudioError):
    """The chat history could not be read or written."""

    code = "E_STORE"


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created: float
    updated: float
    system_prompt: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    model: str = ""


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    role: str
    content: str
    status: str
    created: float
    reasoning: str = ""
    images: tuple[ImageData, ...] = ()
    finish_reason: str | None = None
    timings: Mapping[str, Any] | None = None
    usage: Mapping[str, Any] | None = None
    ttft_s: float | None = None
    tokens_per_second: float | None = None
    error: str = ""


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    title: str
    message_id: int | None  # None when only the title matched
    role: str
    snippet: str


class _Pending:
    __slots__ = ("content", "count", "reasoning")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.count = 0


def _now() -> float:
    return time.time()


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _snippet(text: str, query: str, width: int = 80) -> str:
    i = text.lower().find(query.lower())
    if i < 0:
        return text[:width].replace("\n", " ")
    start = max(0, i - width // 3)
    end = min(len(text), i + len(query) + width - width // 3)
    out = text[start:end].replace("\n", " ")
    return ("…" if start else "") + out + ("…" if end < len(text) else "")


def _title_from(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= _TITLE_MAX else line[: _TITLE_MAX - 1].rstrip() + "…"


def _json_or_none(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), ensure_ascii=False, sort_keys=True)


def _load_json(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class ChatStore:
    """The chat history database. Open with a file path (or ":memory:" in tests); `close()` when done."""

    def __init__(self, path: str | Path, *, flush_interval: float = 0.1, flush_every: int = 32) -> None:
        self.path = str(path)
        self.flush_interval = flush_interval
        self.flush_every = flush_every
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._pending: dict[int, _Pending] = {}
        self._pending_count = 0
        self._last_flush = 0.0
        self._closed = False
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a commit survives an application crash (not necessarily a power cut).
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            self.recovered = self._recover_streaming()
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the chat history {self.path}: {exc}") from exc
        self._flusher = threading.Thread(target=self._flush_loop, name="chat-store-flush", daemon=True)
        self._flusher.start()

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The chat history was written by a newer version of the app (schema {version}).",
                hint="Update RUBIK Pi Studio.",
            )
        if version < SCHEMA_VERSION:
            self._db.executescript(
                "BEGIN IMMEDIATE;" + _SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )

    def _recover_streaming(self) -> list[int]:
        """Answers left `streaming` by an app that died become `interrupted` (their text is kept)."""
        rows = self._db.execute("SELECT id FROM messages WHERE status = ?", (STATUS_STREAMING,)).fetchall()
        ids = [int(r[0]) for r in rows]
        if ids:
            with self._transaction():
                self._db.execute(
                    "UPDATE messages SET status = ?, error = CASE WHEN error = '' THEN ? ELSE error END "
                    "WHERE status = ?",
                    (STATUS_INTERRUPTED, "The app closed during the answer.", STATUS_STREAMING),
                )
        return ids

    @property
    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._flush_locked()
            self._closed = True
            self._cond.notify_all()
        self._flusher.join(5)
        with self._lock:
            self._db.close()

    def __enter__(self) -> ChatStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db
            self.own = False

        def __enter__(self) -> None:
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
                self.own = True
            else:
                self.own = False

        def __exit__(self, exc_type: object, *rest: object) -> None:
            if not self.own:
                return
            if exc_type is None:
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")

    def _transaction(self) -> ChatStore._Tx:
        self._check_open()
        return ChatStore._Tx(self._db)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The chat history is closed.")

    # -- conversations -----------------------------------------------------------------------------------

    def create_conversation(
        self,
        title: str = "",
        *,
        system_prompt: str = "",
        params: Mapping[str, Any] | None = None,
        model: str = "",
    ) -> int:
        """A new conversation. An empty title is filled from the first user message."""
        now = _now()
        with self._lock, self._transaction():
            self._check_open()
            cur = self._db.execute(
                "INSERT INTO conversations (title, created, updated, system_prompt, params, model) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (title, now, now, system_prompt, json.dumps(dict(params or {}), sort_keys=True), model),
            )
            return int(cur.lastrowid or 0)

    @staticmethod
    def _conversation(row: Sequence[Any]) -> Conversation:
        return Conversation(
            id=int(row[0]),
            title=str(row[1]),
            created=float(row[2]),
            updated=float(row[3]),
            system_prompt=str(row[4]),
            params=_load_json(row[5]) or {},
            model=str(row[6]),
        )

    def get_conversation(self, conversation_id: int) -> Conversation:
        with self._lock:
            self._check_open()
            row = self._db.execute(
                "SELECT id, title, created, updated, system_prompt, params, model FROM conversations "
                "WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None:
            raise StoreError(f"There is no conversation {conversation_id}.")
        return self._conversation(row)

    def list_conversations(self, *, limit: int = -1) -> list[Conversation]:
        """Most recently updated first."""
        with self._lock:
            self._check_open()
            rows = self._db.execute(
                "SELECT id, title, created, updated, system_prompt, params, model FROM conversations "
                "ORDER BY updated DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [self._conversation(r) for r in rows]

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.update_conversation(conversation_id, title=title)

    def update_conversation(
        self,
        conversation_id: int,
        *,
        title: str | None = None,
        system_prompt: str | None = None,
        params: Mapping[str, Any] | None = None,
        model: str | None = None,
    ) -> None:
        sets: list[str] = []
        values: list[Any] = []
        for col, value in (("title", title), ("system_prompt", system_prompt), ("model", model)):
            if value is not None:
                sets.append(f"{col} = ?")
                values.append(value)
        if params is not None:
            sets.append("params = ?")
            values.append(json.dumps(dict(params), sort_keys=True))
        sets.append("updated = ?")
        values.append(_now())
        with self._lock, self._transaction():
            self._check_open()
            cur = self._db.execute(
                # Column names come from the fixed list above; values are bound.
                f"UPDATE conversations SET {', '.join(sets)} WHERE id = ?",  # noqa: S608
                (*values, conversation_id),
            )
            if cur.rowcount == 0:
                raise StoreError(f"There is no conversation {conversation_id}.")

    def delete_conversation(self, conversation_id: int) -> None:
        with self._lock:
            self._check_open()
            self._flush_locked()
            with self._transaction():
                self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ----------------------------------------------------------------------------------------

    def _insert_message(
        self, conversation_id: int, role: str, content: str, status: str, images: Iterable[ImageData]
    ) -> int:
        if role not in _ROLES:
            raise ValueError(f"unknown role {role!r}")
        now = _now()
        with self._lock, self._transaction():
            self._check_open()
            conv = self._db.execute(
                "SELECT title FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if conv is None:
                raise StoreError(f"There is no conversation {conversation_id}.")
            cur = self._db.execute(
                "INSERT INTO messages (conversation_id, role, content, status, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, role, content, status, now, now),
            )
            msg_id = int(cur.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO message_images (message_id, position, mime, data) VALUES (?, ?, ?, ?)",
                [(msg_id, i, img.mime, img.data) for i, img in enumerate(images)],
            )
            title = str(conv[0])
            if not title and role == "user" and content.strip():
                title = _title_from(content)
            self._db.execute(
                "UPDATE conversations SET updated = ?, title = ? WHERE id = ?", (now, title, conversation_id)
            )
            return msg_id

    def add_message(
        self, conversation_id: int, role: str, content: str, *, images: Sequence[ImageData] = ()
    ) -> int:
        """A complete message (the user's, or a system note). Returns its id."""
        return self._insert_message(conversation_id, role, content, STATUS_COMPLETE, images)

    def begin_assistant_message(self, conversation_id: int) -> int:
        """An empty assistant message in `streaming` status, committed at once. Returns its id."""
        return self._insert_message(conversation_id, "assistant", "", STATUS_STREAMING, ())

    def append_delta(self, message_id: int, text: str, *, is_reasoning: bool = False) -> None:
        """Buffer streamed text; committed within `flush_interval` s or after `flush_every` deltas."""
        if not text:
            return
        with self._cond:
            self._check_open()
            pending = self._pending.get(message_id)
            if pending is None:
                pending = self._pending[message_id] = _Pending()
            (pending.reasoning if is_reasoning else pending.content).append(text)
            pending.count += 1
            self._pending_count += 1
            if (
                self._pending_count >= self.flush_every
                or time.monotonic() - self._last_flush >= self.flush_interval
            ):
                self._flush_locked()
            else:
                self._cond.notify_all()

    def flush(self) -> None:
        """Commit every buffered delta now."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._pending:
            self._last_flush = time.monotonic()
            return
        pending, self._pending, self._pending_count = self._pending, {}, 0
        now = _now()
        try:
            with self._transaction():
                for msg_id, p in pending.items():
                    self._db.execute(
                        "UPDATE messages SET content = content || ?, reasoning = reasoning || ?, updated = ? "
                        "WHERE id = ?",
                        ("".join(p.content), "".join(p.reasoning), now, msg_id),
                    )
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot save the answer: {exc}") from exc
        self._last_flush = time.monotonic()

    def _flush_loop(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._pending:
                    self._cond.wait()
                    continue
                delay = self._last_flush + self.flush_interval - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                try:
                    self._flush_locked()
                except StoreError:
                    # The writer sees the same failure on its next call; don't spin on it here.
                    self._cond.wait(self.flush_interval)

    def finish_message(
        self,
        message_id: int,
        *,
        status: str = STATUS_COMPLETE,
        content: str | None = None,
        reasoning: str | None = None,
        finish_reason: str | None = None,
        timings: Mapping[str, Any] | None = None,
        usage: Mapping[str, Any] | None = None,
        ttft_s: float | None = None,
        tokens_per_second: float | None = None,
        error: str = "",
    ) -> None:
        """Commit the buffered tail and the final status (`complete`, `stopped` or `interrupted`).

        `content`/`reasoning`, when given, replace what was streamed (the client's full text is the truth).
        """
        if status not in _STATUSES or status == STATUS_STREAMING:
            raise ValueError(f"bad final status {status!r}")
        with self._lock:
            self._check_open()
            self._flush_locked()
            with self._transaction():
                now = _now()
                cur = self._db.execute(
                    "UPDATE messages SET status = ?, content = COALESCE(?, content), "
                    "reasoning = COALESCE(?, reasoning), finish_reason = ?, timings = ?, usage = ?, "
                    "ttft_s = ?, tokens_per_second = ?, error = ?, updated = ? WHERE id = ?",
                    (
                        status,
                        content,
                        reasoning,
                        finish_reason,
                        _json_or_none(timings),
                        _json_or_none(usage),
                        ttft_s,
                        tokens_per_second,
                        error,
                        now,
                        message_id,
                    ),
                )
                if cur.rowcount == 0:
                    raise StoreError(f"There is no message {message_id}.")
                self._db.execute(
                    "UPDATE conversations SET updated = ? WHERE id = "
                    "(SELECT conversation_id FROM messages WHERE id = ?)",
                    (now, message_id),
                )

    def finish_with_result(self, message_id: int, result: ChatResult) -> None:
        """finish_message() from a chat.stream_chat() result (`stopped` when the user pressed Stop)."""
        self.finish_message(
            message_id,
            status=STATUS_STOPPED if result.stopped else STATUS_COMPLETE,
            content=result.content,
            reasoning=result.reasoning,
            finish_reason=result.finish_reason,
            timings=result.timings.to_dict() if result.timings else None,
            usage=result.usage.to_dict() if result.usage else None,
            ttft_s=result.ttft_s,
            tokens_per_second=result.tokens_per_second,
        )

    def mark_interrupted(
        self, message_id: int, error: str = "", *, partial: ChatResult | None = None
    ) -> None:
        """The connection dropped or the server failed mid-answer: keep the text, mark it `interrupted`."""
        self.finish_message(
            message_id,
            status=STATUS_INTERRUPTED,
            content=partial.content if partial is not None else None,
            reasoning=partial.reasoning if partial is not None else None,
            ttft_s=partial.ttft_s if partial is not None else None,
            error=error,
        )

    def delete_messages_from(self, conversation_id: int, message_id: int) -> None:
        """Delete this message and every later one (Regenerate, Edit-and-resend)."""
        with self._lock:
            self._check_open()
            self._flush_locked()
            with self._transaction():
                self._db.execute(
                    "DELETE FROM messages WHERE conversation_id = ? AND id >= ?",
                    (conversation_id, message_id),
                )
                self._db.execute(
                    "UPDATE conversations SET updated = ? WHERE id = ?", (_now(), conversation_id)
                )

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        """All messages of a conversation in order, including text still buffered."""
        with self._lock:
            self._check_open()
            self._flush_locked()
            rows = self._db.execute(
                "SELECT id, conversation_id, role, content, status, created, reasoning, finish_reason, "
                "timings, usage, ttft_s, tokens_per_second, error FROM messages "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
            images: dict[int, list[ImageData]] = {}
            for mid, mime, data in self._db.execute(
                "SELECT i.message_id, i.mime, i.data FROM message_images i JOIN messages m "
                "ON m.id = i.message_id WHERE m.conversation_id = ? ORDER BY i.message_id, i.position",
                (conversation_id,),
            ):
                images.setdefault(int(mid), []).append(ImageData(data=bytes(data), mime=str(mime)))
        return [
            StoredMessage(
                id=int(r[0]),
                conversation_id=int(r[1]),
                role=str(r[2]),
                content=str(r[3]),
                status=str(r[4]),
                created=float(r[5]),
                reasoning=str(r[6]),
                images=tuple(images.get(int(r[0]), ())),
                finish_reason=r[7],
                timings=_load_json(r[8]),
                usage=_load_json(r[9]),
                ttft_s=r[10],
                tokens_per_second=r[11],
                error=str(r[12]),
            )
            for r in rows
        ]

    def get_message(self, message_id: int) -> StoredMessage:
        with self._lock:
            self._check_open()
            row = self._db.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"There is no message {message_id}.")
            return next(m for m in self.messages(int(row[0])) if m.id == message_id)

    # -- search and export -------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Conversations whose title or messages contain `query` (substring, ASCII case-insensitive)."""
        query = query.strip()
        if not query:
            return []
        pattern = _like_pattern(query)
        with self._lock:
            self._check_open()
            self._flush_locked()
            rows = self._db.execute(
                "SELECT c.id, c.title, m.id, m.role, m.content FROM messages m "
                "JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.content LIKE ? ESCAPE '\\' "
                "UNION ALL "
                "SELECT c.id, c.title, NULL, '', c.title FROM conversations c "
                "WHERE c.title LIKE ? ESCAPE '\\' "
                "ORDER BY 1 DESC, 3 LIMIT ?",
                (pattern, pattern, limit),
            ).fetchall()
        return [
            SearchHit(
                conversation_id=int(r[0]),
                title=str(r[1]),
                message_id=None if r[2] is None else int(r[2]),
                role=str(r[3]),
                snippet=_snippet(str(r[4]), query),
            )
            for r in rows
        ]

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        """The conversation as plain JSON data (images as data URLs)."""
        conv = self.get_conversation(conversation_id)
        return {
            "format": "rubikpi-studio-chat",
            "version": 1,
            "id": conv.id,
            "title": conv.title,
            "created": conv.created,
            "updated": conv.updated,
            "model": conv.model,
            "system_prompt": conv.system_prompt,
            "params": dict(conv.params),
            "messages": [
                {
                    "role": m.role,
                    "content": m.content,
                    **({"reasoning": m.reasoning} if m.reasoning else {}),
                    "status": m.status,
                    "created": m.created,
                    "images": [img.to_data_url() for img in m.images],
                    **({"finish_reason": m.finish_reason} if m.finish_reason else {}),
                    **({"timings": dict(m.timings)} if m.timings else {}),
                    **({"usage": dict(m.usage)} if m.usage else {}),
                    **({"ttft_s": m.ttft_s} if m.ttft_s is not None else {}),
                    **({"error": m.error} if m.error else {}),
                }
                for m in self.messages(conversation_id)
            ],
        }

    def export_markdown(self, conversation_id: int, *, inline_images: bool = False) -> str:
        """The conversation as Markdown. Images are placeholders unless `inline_images` (data URLs)."""
        conv = self.get_conversation(conversation_id)
        out = [f"# {conv.title or 'Conversation'}", ""]
        meta = [f"- Created: {time.strftime('%Y-%m-%d %H:%M', time.localtime(conv.created))}"]
        if conv.model:
            meta.append(f"- Model: {conv.model}")
        out += [*meta, ""]
        if conv.system_prompt:
            out += ["## System", "", conv.system_prompt, ""]
        for m in self.messages(conversation_id):
            heading = {"user": "User", "assistant": "Assistant", "system": "System"}[m.role]
            if m.status in (STATUS_INTERRUPTED, STATUS_STOPPED, STATUS_STREAMING):
                heading += f" ({m.status})"
            out += [f"## {heading}", ""]
            for n, img in enumerate(m.images, 1):
                if inline_images:
                    out.append(f"![image {n}]({img.to_data_url()})")
                else:
                    out.append(f"*[image {n}: {img.mime}, {img.size} bytes]*")
            if m.images:
                out.append("")
            if m.reasoning:
                out += ["> " + line for line in m.reasoning.splitlines()] + [""]
            out += [m.content, ""]
            if m.timings:
                t = m.timings
                stats = (
                    f"*{t.get('prompt_n', 0)} prompt tokens, {t.get('predicted_n', 0)} generated, "
                    f"{float(t.get('predicted_per_second', 0.0)):.1f} tokens/s"
                )
                if m.ttft_s is not None:
                    stats += f", first token after {m.ttft_s * 1000:.0f} ms"
                out += [stats + "*", ""]
        return "\n".join(out).rstrip() + "\n"

    def export_json_text(self, conversation_id: int) -> str:
        return json.dumps(self.export_json(conversation_id), ensure_ascii=False, indent=2)
