"""A local Hugging Face stand-in: a real HTTP server with HF's URL layout, headers and faults.

    with HfServer() as hf:
        hf.add_file("org/tiny-GGUF", "tiny-f16.gguf", models.tiny_f16_path())
        url = hf.url("org/tiny-GGUF", "tiny-f16.gguf")       # http://127.0.0.1:PORT/org/tiny-GGUF/resolve/main/...
        hf.cut_after("org/tiny-GGUF", "tiny-f16.gguf", 50_000)  # the next GET ends after 50,000 body bytes
        ...
        hf.bytes_served("org/tiny-GGUF", "tiny-f16.gguf")       # body bytes actually written to sockets
        hf.requests_for("org/tiny-GGUF", "tiny-f16.gguf")       # each with its Range header and status

Routes (what huggingface.co answers, as far as downloaders use it; see board-and-llama-cpp-facts.md §E):
- `GET|HEAD /<owner>/<repo>/resolve/<rev>/<path>`: the file. `Content-Length`, `Accept-Ranges: bytes`,
  `ETag`, `X-Repo-Commit`; for LFS files also `X-Linked-Size` and `X-Linked-Etag` (the quoted sha256).
  `Range: bytes=a-b | a- | -n` → 206 with `Content-Range`; unsatisfiable → 416. `rev` is a branch or the
  40-hex commit. With `redirect=True` an LFS file answers 302 to `/cdn/<sha256>/<name>` like HF's CDN
  redirect (the X-Linked-* headers stay on the 302), so `curl -L` is exercised.
- `GET /api/models/<owner>/<repo>/tree/<rev>[/<dir>][?recursive=true]`: `[{type, path, size, oid,
  lfs: {oid: sha256, size, pointerSize}}]`.
- `GET /api/models/<owner>/<repo>/refs`: `{"branches": [{"name", "ref", "targetCommit"}], "tags": [],
  "converts": []}`.
- Errors: 404 with `X-Error-Code: RepoNotFound | RevisionNotFound | EntryNotFound`; 401 when a repo
  requires a token (`require_token`) and the request has no `Authorization: Bearer <token>` or a wrong one.

Faults apply to GETs of file bodies and are consumed one per request: `cut_after` closes the connection
after n body bytes of that response, `stall_after` stops sending after n bytes and holds the socket open
until `release()` (then it goes on sending, or closes), `not_found` answers 404. `set_rate` throttles a file.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

CHUNK = 64 * 1024
LFS_SUFFIXES = (".gguf", ".bin", ".safetensors", ".pt", ".onnx", ".zip", ".tar", ".gz")
LFS_MIN_SIZE = 10 * 1024 * 1024

_hash_cache: dict[tuple[str, int, int], str] = {}
_hash_lock = threading.Lock()


def _sha256_file(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _hash_lock:
        if key in _hash_cache:
            return _hash_cache[key]
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    with _hash_lock:
        _hash_cache[key] = h.hexdigest()
    return h.hexdigest()


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class HostedFile:
    repo: str
    path: str
    rev: str
    size: int
    sha256: str
    is_lfs: bool
    source: Path | None = None
    data: bytes | None = None

    @property
    def lfs_pointer(self) -> bytes:
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n"
        return pointer.encode()

    @property
    def oid(self) -> str:
        """The git object id: of the LFS pointer for LFS files, of the content otherwise."""
        if self.is_lfs:
            return _git_blob_sha1(self.lfs_pointer)
        assert self.data is not None or self.source is not None
        return _git_blob_sha1(self.data if self.data is not None else self.source.read_bytes())  # type: ignore[union-attr]

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"' if self.is_lfs else f'"{self.oid}"'

    def read(self, offset: int, size: int) -> bytes:
        if self.data is not None:
            return self.data[offset : offset + size]
        assert self.source is not None
        with self.source.open("rb") as f:
            f.seek(offset)
            return f.read(size)


@dataclass
class RequestRecord:
    method: str
    path: str  # the URL path with the query
    repo: str = ""
    file: str = ""  # the file path inside the repo, for /resolve/ requests
    range: str | None = None  # the Range header as sent
    authorization: bool = False  # whether an Authorization header was sent (never its value)
    status: int = 0
    body_bytes: int = 0  # body bytes written for this request
    fault: str = ""  # cut | stall | not_found when a fault was applied


@dataclass
class _Fault:
    kind: str  # cut | stall | not_found
    nbytes: int = 0
    remaining: int | None = 1  # None: every request until cleared
    then: str = "continue"  # for stalls: continue | close
    release: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)  # set when a response hangs


class Stall:
    """Handle returned by `stall_after`: `wait_stalled()` until a response hangs, then `release()`."""

    def __init__(self, fault: _Fault) -> None:
        self._fault = fault
        self.stalled = fault.stalled

    def release(self) -> None:
        self._fault.release.set()

    def wait_stalled(self, timeout: float = 10.0) -> bool:
        return self.stalled.wait(timeout)


class HfServer:
    def __init__(self, *, redirect: bool = False, host: str = "127.0.0.1") -> None:
        self.redirect = redirect
        self._lock = threading.Lock()
        self._files: dict[tuple[str, str, str], HostedFile] = {}  # (repo, rev, path)
        self._branches: dict[str, dict[str, str]] = {}  # repo → branch → commit
        self._tokens: dict[str, str] = {}
        self._faults: dict[tuple[str, str], list[_Fault]] = {}
        self._stalls: list[Stall] = []
        self._rates: dict[tuple[str, str], float] = {}
        self._served: dict[tuple[str, str], int] = {}
        self.requests: list[RequestRecord] = []
        self._closed = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HfServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="hf-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            for faults in self._faults.values():
                for f in faults:
                    f.release.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> HfServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- content ---

    def commit_of(self, repo: str, rev: str = "main") -> str:
        """The 40-hex commit a branch points at (stable per repo and branch)."""
        return hashlib.sha1(f"{repo}@{rev}".encode(), usedforsecurity=False).hexdigest()

    def add_file(
        self, repo: str, path: str, content: Path | str | bytes, rev: str = "main", *, lfs: bool | None = None
    ) -> HostedFile:
        """Serve `content` (a local file, or bytes) as `repo`'s `path` on branch `rev`."""
        if repo.count("/") != 1:
            raise ValueError(f"repo must be owner/name, not {repo!r}")
        if isinstance(content, bytes):
            data: bytes | None = content
            source = None
            size = len(content)
            sha = hashlib.sha256(content).hexdigest()
        else:
            source = Path(content)
            data = None
            size = source.stat().st_size
            sha = _sha256_file(source)
        if lfs is None:
            lfs = path.endswith(LFS_SUFFIXES) or size >= LFS_MIN_SIZE
        hosted = HostedFile(repo, path, rev, size, sha, lfs, source, data)
        with self._lock:
            self._files[(repo, rev, path)] = hosted
            self._branches.setdefault(repo, {})[rev] = self.commit_of(repo, rev)
        return hosted

    def url(self, repo: str, path: str, rev: str = "main") -> str:
        return f"{self.endpoint}/{repo}/resolve/{rev}/{urllib.parse.quote(path)}"

    def require_token(self, repo: str, token: str | None) -> None:
        """Make `repo` gated: every request needs `Authorization: Bearer <token>` (None lifts it)."""
        with self._lock:
            if token is None:
                self._tokens.pop(repo, None)
            else:
                self._tokens[repo] = token

    # --- faults ---

    def _add_fault(self, repo: str, path: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault((repo, path), []).append(fault)

    def cut_after(self, repo: str, path: str, nbytes: int, times: int | None = 1) -> None:
        """The next `times` GETs of the file (None: all) send `nbytes` of body, then drop the connection."""
        self._add_fault(repo, path, _Fault("cut", nbytes, times))

    def stall_after(
        self, repo: str, path: str, nbytes: int, times: int | None = 1, *, then: str = "continue"
    ) -> Stall:
        """The next GETs send `nbytes` of body, then hold the open socket silent until released."""
        if then not in ("continue", "close"):
            raise ValueError("then must be 'continue' or 'close'")
        fault = _Fault("stall", nbytes, times, then)
        stall = Stall(fault)
        self._add_fault(repo, path, fault)
        with self._lock:
            self._stalls.append(stall)
        return stall

    def not_found(self, repo: str, path: str, times: int | None = None) -> None:
        """Answer 404 for the file (`times` requests, or until `clear_faults`)."""
        self._add_fault(repo, path, _Fault("not_found", 0, times))

    def release(self) -> None:
        """Release every stalled response."""
        with self._lock:
            for s in self._stalls:
                s.release()

    def clear_faults(self) -> None:
        self.release()
        with self._lock:
            self._faults.clear()

    def set_rate(self, repo: str, path: str, bytes_per_second: float | None) -> None:
        """Throttle the file's body to about this rate (None: as fast as possible)."""
        with self._lock:
            if bytes_per_second is None:
                self._rates.pop((repo, path), None)
            else:
                self._rates[(repo, path)] = bytes_per_second

    # --- counters ---

    def bytes_served(self, repo: str, path: str) -> int:
        """Body bytes of the file written to clients (all GETs, all revisions)."""
        with self._lock:
            return self._served.get((repo, path), 0)

    def requests_for(self, repo: str, path: str, method: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.repo == repo and r.file == path and (method is None or r.method == method)
            ]

    def reset_counters(self) -> None:
        with self._lock:
            self._served.clear()
            self.requests.clear()

    # --- used by the handler ---

    def _take_fault(self, repo: str, path: str, *, head: bool = False) -> _Fault | None:
        """The fault for this request, consumed. A HEAD takes only a 404 (it has no body to cut)."""
        with self._lock:
            faults = self._faults.get((repo, path), [])
            while faults:
                f = faults[0]
                if head and f.kind != "not_found":
                    return None
                if f.remaining is None:
                    return f
                if f.remaining > 0:
                    f.remaining -= 1
                    if f.remaining == 0:
                        faults.pop(0)
                    return f
                faults.pop(0)
            return None

    def _lookup(self, repo: str, rev: str, path: str) -> HostedFile | None:
        with self._lock:
            f = self._files.get((repo, rev, path))
            if f is None:
                for branch, commit in self._branches.get(repo, {}).items():
                    if rev == commit:
                        f = self._files.get((repo, branch, path))
                        break
            return f

    def _resolve_rev(self, repo: str, rev: str) -> str | None:
        """The branch name for `rev` (a branch or its commit), or None."""
        with self._lock:
            branches = self._branches.get(repo, {})
            if rev in branches:
                return rev
            for branch, commit in branches.items():
                if rev == commit:
                    return branch
            return None

    def _files_in(self, repo: str, branch: str) -> list[HostedFile]:
        with self._lock:
            return [f for (r, b, _), f in sorted(self._files.items()) if r == repo and b == branch]

    def _has_repo(self, repo: str) -> bool:
        with self._lock:
            return repo in self._branches

    def _count(self, record: RequestRecord, key: tuple[str, str], n: int) -> None:
        with self._lock:
            record.body_bytes += n
            self._served[key] = self._served.get(key, 0) + n

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
_TREE = re.compile(r"^/api/models/([^/]+/[^/]+)/tree/([^/]+)(?:/(.*))?$")
_REFS = re.compile(r"^/api/models/([^/]+/[^/]+)/refs$")
_CDN = re.compile(r"^/cdn/([0-9a-f]{64})/")


def _make_handler(server: HfServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "hf-stand-in/1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean; `server.requests` is the log

        def do_HEAD(self) -> None:
            self._route(head=True)

        def do_GET(self) -> None:
            self._route(head=False)

        # --- helpers ---

        def _send_error(self, record: RequestRecord, status: int, code: str, message: str) -> None:
            body = json.dumps({"error": message}).encode()
            record.status = status
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if code:
                self.send_header("X-Error-Code", code)
                self.send_header("X-Error-Message", message)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _send_json(self, record: RequestRecord, obj: Any) -> None:
            body = json.dumps(obj).encode()
            record.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _authorised(self, record: RequestRecord, repo: str) -> bool:
            with server._lock:
                token = server._tokens.get(repo)
            if token is None:
                return True
            if self.headers.get("Authorization", "") == f"Bearer {token}":
                return True
            self._send_error(
                record,
                401,
                "GatedRepo" if record.authorization else "RepoNotFound",
                "Invalid credentials in Authorization header",
            )
            return False

        # --- routing ---

        def _route(self, *, head: bool) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(parsed.path)
            record = RequestRecord(
                method=self.command,
                path=self.path,
                range=self.headers.get("Range"),
                authorization="Authorization" in self.headers,
            )
            server._record(record)
            if m := _RESOLVE.match(path):
                repo, rev, file = m.groups()
                record.repo, record.file = repo, file
                self._resolve(record, repo, rev, file, head=head)
            elif m := _CDN.match(path):
                sha = m.group(1)
                with server._lock:
                    hosted = next((f for f in server._files.values() if f.sha256 == sha), None)
                if hosted is None:
                    self._send_error(record, 404, "", "Not found")
                    return
                record.repo, record.file = hosted.repo, hosted.path
                self._serve_body(record, hosted, head=head)
            elif m := _TREE.match(path):
                repo, rev, sub = m.groups()
                record.repo = repo
                recursive = urllib.parse.parse_qs(parsed.query).get("recursive", ["false"])[0] in (
                    "true",
                    "1",
                )
                self._tree(record, repo, rev, (sub or "").strip("/"), recursive)
            elif m := _REFS.match(path):
                repo = m.group(1)
                record.repo = repo
                if not server._has_repo(repo):
                    self._send_error(record, 404, "RepoNotFound", "Repository not found")
                elif self._authorised(record, repo):
                    with server._lock:
                        branches = dict(server._branches[repo])
                    self._send_json(
                        record,
                        {
                            "branches": [
                                {"name": b, "ref": f"refs/heads/{b}", "targetCommit": c}
                                for b, c in branches.items()
                            ],
                            "tags": [],
                            "converts": [],
                        },
                    )
            else:
                self._send_error(record, 404, "", "Not found")

        def _resolve(self, record: RequestRecord, repo: str, rev: str, file: str, *, head: bool) -> None:
            if not server._has_repo(repo):
                self._send_error(record, 404, "RepoNotFound", "Repository not found")
                return
            if not self._authorised(record, repo):
                return
            branch = server._resolve_rev(repo, rev)
            if branch is None:
                self._send_error(record, 404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return
            hosted = server._lookup(repo, branch, file)
            fault = server._take_fault(repo, file, head=head)
            if fault is not None and fault.kind == "not_found":
                record.fault = "not_found"
                hosted = None
            if hosted is None:
                self._send_error(record, 404, "EntryNotFound", f'{file} does not exist on "{rev}"')
                return
            if server.redirect and hosted.is_lfs:
                record.status = 302
                self.send_response(302)
                self._common_headers(hosted)
                self.send_header(
                    "Location", f"/cdn/{hosted.sha256}/{urllib.parse.quote(file.rsplit('/', 1)[-1])}"
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                if fault is not None:  # the fault belongs to the body, which comes from the CDN URL
                    with server._lock:
                        server._faults.setdefault((repo, file), []).insert(
                            0, _Fault(fault.kind, fault.nbytes, 1, fault.then, fault.release, fault.stalled)
                        )
                return
            self._serve_body(record, hosted, head=head, fault=fault)

        def _common_headers(self, hosted: HostedFile) -> None:
            self.send_header("X-Repo-Commit", server.commit_of(hosted.repo, hosted.rev))
            if hosted.is_lfs:
                self.send_header("X-Linked-Size", str(hosted.size))
                self.send_header("X-Linked-Etag", f'"{hosted.sha256}"')

        def _serve_body(
            self, record: RequestRecord, hosted: HostedFile, *, head: bool, fault: _Fault | None = None
        ) -> None:
            if (
                fault is None
                and not head
                and record.file
                and _CDN.match(urllib.parse.urlsplit(self.path).path)
            ):
                fault = server._take_fault(hosted.repo, hosted.path)
            size = hosted.size
            start, end = 0, size - 1
            status = 200
            rng = self.headers.get("Range")
            if rng is not None:
                m = _RANGE.match(rng.strip())
                if m is None or (not m.group(1) and not m.group(2)):
                    rng = None  # a multi-range or malformed header: HF and most servers send it all
                else:
                    a, b = m.groups()
                    if a:
                        start = int(a)
                        end = min(int(b), size - 1) if b else size - 1
                    else:
                        start = max(0, size - int(b))
                    if start >= size or start > end:
                        record.status = 416
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
            length = end - start + 1 if size else 0
            record.status = status
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", hosted.etag)
            self.send_header(
                "Content-Disposition", f'attachment; filename="{hosted.path.rsplit("/", 1)[-1]}"'
            )
            self._common_headers(hosted)
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if head:
                return
            if fault is not None and fault.kind == "not_found":
                fault = None
            if fault is not None:
                record.fault = fault.kind
            self._send_bytes(record, hosted, start, length, fault)

        def _send_bytes(
            self, record: RequestRecord, hosted: HostedFile, start: int, length: int, fault: _Fault | None
        ) -> None:
            key = (hosted.repo, hosted.path)
            with server._lock:
                rate = server._rates.get(key)
            limit = fault.nbytes if fault is not None else length
            sent = 0
            t0 = time.monotonic()
            try:
                while sent < min(limit, length):
                    n = min(CHUNK, min(limit, length) - sent)
                    if rate:
                        n = min(n, max(1024, int(rate / 20)))
                    chunk = hosted.read(start + sent, n)
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    server._count(record, key, len(chunk))
                    if rate:
                        ahead = sent / rate - (time.monotonic() - t0)
                        if ahead > 0:
                            time.sleep(ahead)
                if fault is None or sent >= length:
                    return
                self.wfile.flush()
                if fault.kind == "stall":
                    fault.stalled.set()
                    while not fault.release.wait(0.05):
                        if server._closed.is_set():
                            break
                    if fault.then == "continue" and not server._closed.is_set():
                        self._send_bytes(record, hosted, start + sent, length - sent, None)
                        return
                self._drop()
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True

        def _drop(self) -> None:
            """End the connection at once, mid-body: the client sees fewer bytes than Content-Length."""
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def _tree(self, record: RequestRecord, repo: str, rev: str, sub: str, recursive: bool) -> None:
            if not server._has_repo(repo):
                self._send_error(record, 404, "RepoNotFound", "Repository not found")
                return
            if not self._authorised(record, repo):
                return
            branch = server._resolve_rev(repo, rev)
            if branch is None:
                self._send_error(record, 404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return
            prefix = f"{sub}/" if sub else ""
            entries: list[dict[str, Any]] = []
            dirs: set[str] = set()
            for f in server._files_in(repo, branch):
                if not f.path.startswith(prefix):
                    continue
                rest = f.path[len(prefix) :]
                if "/" in rest and not recursive:
                    dirs.add(prefix + rest.split("/", 1)[0])
                    continue
                if recursive:
                    parts = rest.split("/")[:-1]
                    for i in range(1, len(parts) + 1):
                        dirs.add(prefix + "/".join(parts[:i]))
                entry: dict[str, Any] = {"type": "file", "oid": f.oid, "size": f.size, "path": f.path}
                if f.is_lfs:
                    entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": len(f.lfs_pointer)}
                entries.append(entry)
            if sub and not entries and not dirs:
                self._send_error(record, 404, "EntryNotFound", f'{sub} does not exist on "{rev}"')
                return
            dir_entries = [
                {"type": "directory", "oid": _git_blob_sha1(d.encode()), "size": 0, "path": d}
                for d in sorted(dirs)
            ]
            self._send_json(record, dir_entries + entries)

    return Handler
