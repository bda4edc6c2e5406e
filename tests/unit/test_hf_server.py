"""The Hugging Face stand-in, driven by the clients the app and the board use: `requests` and `curl`."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rig import models
from rig.hf_server import HfServer

REPO = "rig-org/tiny-GGUF"
FILE = "tiny-f16.gguf"


@pytest.fixture
def hf() -> Iterator[HfServer]:
    with HfServer() as server:
        server.add_file(REPO, FILE, models.tiny_f16_path())
        server.add_file(REPO, "README.md", b"# tiny\n")
        server.add_file(REPO, "sub/dir/mmproj-tiny.gguf", models.tiny_mmproj_path(64))
        yield server


@pytest.fixture
def tiny_bytes() -> bytes:
    return models.tiny_f16_path().read_bytes()


def curl(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    r = subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"curl {args} -> {r.returncode}: {r.stderr.decode()}")
    return r


def headers_of(curl_head_output: bytes) -> dict[str, str]:
    lines = curl_head_output.decode().split("\r\n")
    return {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ":" in ln)}


# --- layout and headers ---------------------------------------------------------------------------------


def test_head_headers_with_requests_and_curl(hf: HfServer, tiny_bytes: bytes) -> None:
    sha = hashlib.sha256(tiny_bytes).hexdigest()
    url = hf.url(REPO, FILE)
    assert url == f"{hf.endpoint}/{REPO}/resolve/main/{FILE}"
    r = requests.head(url, timeout=10)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(tiny_bytes)
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"] == f'"{sha}"'
    assert r.headers["X-Linked-Etag"] == f'"{sha}"'
    assert int(r.headers["X-Linked-Size"]) == len(tiny_bytes)
    assert r.headers["X-Repo-Commit"] == hf.commit_of(REPO) and len(hf.commit_of(REPO)) == 40
    h = headers_of(curl("-I", url).stdout)
    assert h["x-linked-size"] == str(len(tiny_bytes)) and h["x-linked-etag"] == f'"{sha}"'
    assert h["accept-ranges"] == "bytes"
    assert hf.bytes_served(REPO, FILE) == 0  # HEAD sends no body


def test_small_non_lfs_file_has_git_etag_and_no_linked_headers(hf: HfServer) -> None:
    r = requests.get(hf.url(REPO, "README.md"), timeout=10)
    assert r.content == b"# tiny\n"
    blob_sha1 = hashlib.sha1(b"blob 7\0# tiny\n", usedforsecurity=False).hexdigest()
    assert r.headers["ETag"] == f'"{blob_sha1}"'
    assert "X-Linked-Size" not in r.headers


def test_get_whole_file_and_by_commit(hf: HfServer, tiny_bytes: bytes, tmp_path: Path) -> None:
    assert requests.get(hf.url(REPO, FILE), timeout=10).content == tiny_bytes
    out = tmp_path / "by-commit.gguf"
    curl("-o", str(out), hf.url(REPO, FILE, rev=hf.commit_of(REPO)))
    assert out.read_bytes() == tiny_bytes
    assert hf.bytes_served(REPO, FILE) == 2 * len(tiny_bytes)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-", 100, None),
        ("bytes=10-19", 10, 20),
        ("bytes=-5", -5, None),
        ("bytes=0-999999999", 0, None),
    ],
)
def test_ranges(hf: HfServer, tiny_bytes: bytes, header: str, start: int, end: int | None) -> None:
    r = requests.get(hf.url(REPO, FILE), headers={"Range": header}, timeout=10)
    assert r.status_code == 206
    expected = tiny_bytes[start:end]
    assert r.content == expected
    first = start if start >= 0 else len(tiny_bytes) + start
    assert r.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(tiny_bytes)}"
    assert hf.requests_for(REPO, FILE)[-1].range == header


def test_unsatisfiable_range(hf: HfServer, tiny_bytes: bytes) -> None:
    r = requests.get(hf.url(REPO, FILE), headers={"Range": f"bytes={len(tiny_bytes)}-"}, timeout=10)
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(tiny_bytes)}"


def test_tree_api(hf: HfServer, tiny_bytes: bytes) -> None:
    url = f"{hf.endpoint}/api/models/{REPO}/tree/main"
    top = requests.get(url, timeout=10).json()
    assert {(e["type"], e["path"]) for e in top} == {
        ("directory", "sub"),
        ("file", "README.md"),
        ("file", FILE),
    }
    entry = next(e for e in top if e["path"] == FILE)
    assert entry["size"] == len(tiny_bytes)
    assert entry["lfs"]["oid"] == hashlib.sha256(tiny_bytes).hexdigest()
    assert entry["lfs"]["size"] == len(tiny_bytes)
    assert len(entry["oid"]) == 40 and entry["lfs"]["pointerSize"] > 100
    readme = next(e for e in top if e["path"] == "README.md")
    assert "lfs" not in readme
    deep = requests.get(url + "?recursive=true", timeout=10).json()
    assert {e["path"] for e in deep} == {"sub", "sub/dir", "README.md", FILE, "sub/dir/mmproj-tiny.gguf"}
    sub = requests.get(f"{url}/sub/dir", timeout=10).json()
    assert [e["path"] for e in sub] == ["sub/dir/mmproj-tiny.gguf"]
    by_commit = requests.get(f"{hf.endpoint}/api/models/{REPO}/tree/{hf.commit_of(REPO)}", timeout=10).json()
    assert by_commit == top


def test_refs_api(hf: HfServer) -> None:
    hf.add_file(REPO, FILE, b"GGUF on another branch", rev="dev")
    refs = requests.get(f"{hf.endpoint}/api/models/{REPO}/refs", timeout=10).json()
    assert {b["name"]: b["targetCommit"] for b in refs["branches"]} == {
        "main": hf.commit_of(REPO, "main"),
        "dev": hf.commit_of(REPO, "dev"),
    }
    assert requests.get(hf.url(REPO, FILE, rev="dev"), timeout=10).content == b"GGUF on another branch"


def test_not_found_errors(hf: HfServer) -> None:
    cases = {
        hf.url(REPO, "missing.gguf"): "EntryNotFound",
        hf.url("nobody/nothing", FILE): "RepoNotFound",
        hf.url(REPO, FILE, rev="no-such-branch"): "RevisionNotFound",
        f"{hf.endpoint}/api/models/nobody/nothing/tree/main": "RepoNotFound",
    }
    for url, code in cases.items():
        r = requests.get(url, timeout=10)
        assert (r.status_code, r.headers.get("X-Error-Code")) == (404, code), url
    assert curl("-f", "-o", "/dev/null", hf.url(REPO, "missing.gguf"), check=False).returncode == 22


def test_not_found_fault_then_recovers(hf: HfServer, tiny_bytes: bytes) -> None:
    hf.not_found(REPO, FILE, times=2)
    assert requests.head(hf.url(REPO, FILE), timeout=10).status_code == 404
    assert requests.get(hf.url(REPO, FILE), timeout=10).status_code == 404
    assert requests.get(hf.url(REPO, FILE), timeout=10).content == tiny_bytes
    assert [r.fault for r in hf.requests_for(REPO, FILE)] == ["not_found", "not_found", ""]


def test_token_required(hf: HfServer, tiny_bytes: bytes, tmp_path: Path) -> None:
    hf.require_token(REPO, "hf_secret")
    url = hf.url(REPO, FILE)
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    assert requests.get(f"{hf.endpoint}/api/models/{REPO}/tree/main", timeout=10).status_code == 401
    ok = requests.get(url, headers={"Authorization": "Bearer hf_secret"}, timeout=10)
    assert ok.status_code == 200 and ok.content == tiny_bytes
    out = tmp_path / "gated.gguf"
    assert curl("-f", "-o", str(out), url, check=False).returncode == 22
    curl("-f", "-H", "Authorization: Bearer hf_secret", "-o", str(out), url)
    assert out.read_bytes() == tiny_bytes
    assert [r.authorization for r in hf.requests_for(REPO, FILE)] == [False, True, True, False, True]


# --- faults and counters ----------------------------------------------------------------------------------


def test_cut_then_requests_resume_fetches_only_the_rest(hf: HfServer, tiny_bytes: bytes) -> None:
    half = 11 * 8192  # a whole number of client chunks: requests drops a partial chunk when the read fails
    hf.cut_after(REPO, FILE, half)
    got = bytearray()
    with (
        pytest.raises(requests.exceptions.ChunkedEncodingError),
        requests.get(hf.url(REPO, FILE), stream=True, timeout=10) as r,
    ):
        for chunk in r.iter_content(8192):
            got += chunk
    assert len(got) == half
    assert hf.bytes_served(REPO, FILE) == half
    r2 = requests.get(hf.url(REPO, FILE), headers={"Range": f"bytes={len(got)}-"}, timeout=10)
    assert r2.status_code == 206
    got += r2.content
    assert bytes(got) == tiny_bytes
    # The stand-in counts a chunk after writing it, so the client can hold the last bytes a moment before the
    # count does (this assertion flaked under load): wait briefly for the count, then compare exactly.
    deadline = time.monotonic() + 5
    while hf.bytes_served(REPO, FILE) < len(tiny_bytes) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hf.bytes_served(REPO, FILE) == len(tiny_bytes)  # not one byte twice
    reqs = hf.requests_for(REPO, FILE)
    assert [(r.range, r.status, r.body_bytes, r.fault) for r in reqs] == [
        (None, 200, half, "cut"),
        (f"bytes={half}-", 206, len(tiny_bytes) - half, ""),
    ]


def test_cut_then_curl_resume(hf: HfServer, tiny_bytes: bytes, tmp_path: Path) -> None:
    out = tmp_path / FILE
    hf.cut_after(REPO, FILE, 70_000)
    r = curl("-o", str(out), hf.url(REPO, FILE), check=False)
    assert r.returncode == 18  # CURLE_PARTIAL_FILE: the transfer closed with outstanding data
    assert out.stat().st_size == 70_000
    curl("-C", "-", "-o", str(out), hf.url(REPO, FILE))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(tiny_bytes).hexdigest()
    reqs = hf.requests_for(REPO, FILE)
    assert [(r.range, r.body_bytes) for r in reqs] == [
        (None, 70_000),
        ("bytes=70000-", len(tiny_bytes) - 70_000),
    ]
    assert hf.bytes_served(REPO, FILE) == len(tiny_bytes)


def test_cut_several_times(hf: HfServer, tiny_bytes: bytes, tmp_path: Path) -> None:
    out = tmp_path / FILE
    hf.cut_after(REPO, FILE, 40_000, times=3)
    codes = [curl("-C", "-", "-o", str(out), hf.url(REPO, FILE), check=False).returncode for _ in range(5)]
    assert codes[:3] == [18, 18, 18] and codes[3] == 0
    assert out.read_bytes() == tiny_bytes
    assert hf.bytes_served(REPO, FILE) == len(tiny_bytes)
    # the 5th run asks for bytes past the end: 416, and curl -C - takes that as "already complete"
    assert hf.requests_for(REPO, FILE)[-1].status == 416


def test_stall_holds_the_socket_until_released(hf: HfServer, tiny_bytes: bytes) -> None:
    stall = hf.stall_after(REPO, FILE, 8192, then="close")
    with requests.get(hf.url(REPO, FILE), stream=True, timeout=(5, 0.5)) as r:
        got = bytearray()
        with pytest.raises(requests.exceptions.ConnectionError):  # a read timeout while streaming
            for chunk in r.iter_content(4096):
                got += chunk
    assert stall.wait_stalled(5)
    assert len(got) == 8192 and hf.bytes_served(REPO, FILE) == 8192
    stall.release()
    # the next request is served normally
    assert requests.get(hf.url(REPO, FILE), timeout=10).content == tiny_bytes


def test_stall_then_continue(hf: HfServer, tiny_bytes: bytes) -> None:
    stall = hf.stall_after(REPO, FILE, 20_000)
    threading.Thread(
        target=lambda: stall.wait_stalled(10) and (time.sleep(0.3), stall.release()), daemon=True
    ).start()
    t0 = time.monotonic()
    r = requests.get(hf.url(REPO, FILE), timeout=10)
    assert time.monotonic() - t0 >= 0.3
    assert r.content == tiny_bytes


def test_stalled_curl_gives_up_with_speed_limit(hf: HfServer, tmp_path: Path) -> None:
    """What the board's downloader sees: curl aborts a transfer that stops advancing (exit 28)."""
    # curl averages speed over a window of several seconds: stall at once to get a prompt abort.
    hf.stall_after(REPO, FILE, 0)
    t0 = time.monotonic()
    r = curl(
        "--speed-limit",
        "1000",
        "--speed-time",
        "1",
        "-o",
        str(tmp_path / "x"),
        hf.url(REPO, FILE),
        check=False,
    )
    assert r.returncode == 28
    assert time.monotonic() - t0 < 10
    hf.release()


def test_rate_limit(hf: HfServer, tiny_bytes: bytes) -> None:
    hf.set_rate(REPO, FILE, 1_000_000)
    t0 = time.monotonic()
    assert requests.get(hf.url(REPO, FILE), timeout=10).content == tiny_bytes
    assert time.monotonic() - t0 >= len(tiny_bytes) / 1_000_000 * 0.8


def test_redirect_mode_like_the_cdn(tiny_bytes: bytes, tmp_path: Path) -> None:
    with HfServer(redirect=True) as hf:
        hf.add_file(REPO, FILE, models.tiny_f16_path())
        url = hf.url(REPO, FILE)
        h = requests.head(url, allow_redirects=False, timeout=10)
        assert h.status_code == 302
        assert h.headers["X-Linked-Size"] == str(len(tiny_bytes))
        assert h.headers["X-Linked-Etag"] == f'"{hashlib.sha256(tiny_bytes).hexdigest()}"'
        assert h.headers["Location"].startswith("/cdn/")
        hf.cut_after(REPO, FILE, 50_000)
        out = tmp_path / FILE
        assert curl("-L", "-o", str(out), url, check=False).returncode == 18
        curl("-L", "-C", "-", "-o", str(out), url)
        assert out.read_bytes() == tiny_bytes
        assert hf.bytes_served(REPO, FILE) == len(tiny_bytes)
        cdn = [r for r in hf.requests_for(REPO, FILE) if r.path.startswith("/cdn/")]
        assert [r.range for r in cdn] == [None, "bytes=50000-"]


def test_serves_the_real_smollm2_and_a_non_gguf(tmp_path: Path) -> None:
    smol = models.smollm2_path()
    with HfServer() as hf:
        hf.add_file("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "smollm2.q4_1.gguf", smol)
        hf.add_file(REPO, "broken.gguf", models.not_gguf_path())
        url = hf.url("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "smollm2.q4_1.gguf")
        tail = requests.get(url, headers={"Range": "bytes=-1000"}, timeout=10).content
        with smol.open("rb") as f:
            f.seek(-1000, 2)
            assert tail == f.read()
        assert requests.get(hf.url(REPO, "broken.gguf"), timeout=10).content.startswith(b"<!DOCTYPE html>")
