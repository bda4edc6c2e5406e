"""A real `llama-server` on 127.0.0.1 for tests: found on the rig, started on a free port, stopped cleanly.

    binary = find_llama_server()            # None → skip with llama_server_missing_reason()
    with LlamaServer(binary, models.smollm2_path()) as srv:
        srv.base_url                        # http://127.0.0.1:<port>
        srv.log_text()                      # everything it printed

The binary comes from `$RPS_LLAMA_BIN_DIR/llama-server`, else the newest `bin/llama-server` built under the
rig cache (`${RUBIKPI_CACHE:-/var/cache/rubikpi-studio}`). Flags follow DESIGN.md's server defaults for a
small board: `-c 2048 -np 1 --no-warmup`, an explicit `--port`, two threads (the rig has two shared cores).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

_CACHE_PATTERNS = (
    "*/bin/llama-server",
    "*/*/bin/llama-server",
    "*/*/*/bin/llama-server",
    "*/*/*/*/bin/llama-server",
)


def cache_root() -> Path:
    return Path(os.environ.get("RUBIKPI_CACHE") or "/var/cache/rubikpi-studio")


def find_llama_server() -> Path | None:
    env = os.environ.get("RPS_LLAMA_BIN_DIR")
    if env:
        p = Path(env) / "llama-server"
        return p if p.is_file() and os.access(p, os.X_OK) else None
    root = cache_root()
    found = (
        set()
        if not root.is_dir()
        else {
            p
            for pattern in _CACHE_PATTERNS
            for p in root.glob(pattern)
            if "ccache" not in p.parts and p.is_file() and os.access(p, os.X_OK)
        }
    )
    if found:
        return max(found, key=lambda p: p.stat().st_mtime)
    # Nothing built yet (a fresh CI machine): build it now, once, into the rig cache.
    from rig.build import llama_bin_dir

    bin_dir = llama_bin_dir()
    return bin_dir / "llama-server" if bin_dir is not None else None


def llama_server_missing_reason() -> str:
    env = os.environ.get("RPS_LLAMA_BIN_DIR")
    if env:
        return f"no executable llama-server in RPS_LLAMA_BIN_DIR={env}"
    return (
        f"no llama-server binary: set RPS_LLAMA_BIN_DIR or build llama.cpp on the rig (under {cache_root()})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServerFailed(RuntimeError):
    pass


class LlamaServer:
    def __init__(
        self,
        binary: Path,
        model: Path,
        *,
        mmproj: Path | None = None,
        api_key: str | None = None,
        ctx: int = 2048,
        extra_args: tuple[str, ...] = (),
        log_dir: Path | None = None,
        ready_timeout: float = 120.0,
    ) -> None:
        self.binary = binary
        self.model = model
        self.mmproj = mmproj
        self.api_key = api_key
        self.ctx = ctx
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self.port = 0
        self.log_path = (log_dir or Path("/tmp")) / f"llama-server-{os.getpid()}-{id(self)}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        args = [
            str(self.binary),
            "-m", str(self.model),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "-c", str(self.ctx),
            "-np", "1",
            "--no-warmup",
            "-t", "2",
            "--log-colors", "off",
        ]  # fmt: skip
        if self.mmproj is not None:
            args += ["--mmproj", str(self.mmproj)]
        if self.api_key is not None:
            args += ["--api-key", self.api_key]
        return args + list(self.extra_args)

    def start(self) -> LlamaServer:
        # Only our flags count: LLAMA_ARG_* variables would silently change the server.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_ARG_", "LLAMA_API_KEY"))}
        for attempt in range(3):
            self.port = free_port()
            with self.log_path.open("wb") as log:
                self._proc = subprocess.Popen(
                    self.args(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
                )
            try:
                self._wait_ready()
                return self
            except LlamaServerFailed:
                self.stop()
                # Another process may have taken the port between free_port() and bind(): try again.
                if attempt == 2 or "couldn't bind" not in self.log_text():
                    raise
        raise AssertionError("unreachable")

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            rc = self._proc.poll()
            if rc is not None:
                raise LlamaServerFailed(f"llama-server exited with {rc}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                exc.close()  # 503 while loading
            except OSError:
                pass
            time.sleep(0.05)
        raise LlamaServerFailed(f"llama-server not ready after {self.ready_timeout} s:\n{self.log_tail()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc_type is None:
            self.log_path.unlink(missing_ok=True)
