"""Models on the rig board (issue 4): downloads from the HF stand-in, quantize, list, delete, upload.

Real parts only: the rig's sshd and a fresh board account, the HF stand-in serving real GGUF files, the real
`llama-quantize`. The board fetches with its own curl; the test counts the bytes the stand-in served.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rig
from rig import models as rig_models
from rig.hf_server import HfServer
from rig.llama_server import free_port

from rubikpi_studio.core import jobs, server
from rubikpi_studio.core import models as m
from rubikpi_studio.core.catalogue import BadModelRef, parse_model_ref
from rubikpi_studio.core.errors import Cancelled, NoSpace, UsageError
from rubikpi_studio.core.events import FAILED, PROGRESS, WARN, CancelToken, Event
from rubikpi_studio.core.gguf import NotGguf
from rubikpi_studio.core.ssh import Board

ROOT = Path(__file__).resolve().parents[2]
REPO = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
SMOL = "smollm2-135m-instruct-q4_1.gguf"


@pytest.fixture
def board(rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path) -> Iterator[Board]:
    b = rig.connect(fresh_account, rig_sshd.port, tmp_known_hosts)
    yield b
    b.close()


@pytest.fixture
def hf(request: pytest.FixtureRequest) -> Iterator[HfServer]:
    """The HF stand-in; parametrized indirectly with True, it answers like the Hub's CDN redirect."""
    with HfServer(redirect=getattr(request, "param", False)) as server:
        yield server


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(board: Board, directory: str) -> list[str]:
    return sorted(board.sftp().listdir(directory))


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def __call__(self, ev: Event) -> None:
        with self.lock:
            self.events.append(ev)

    def kinds(self, kind: str, step: str | None = None) -> list[Event]:
        return [e for e in self.events if e.kind == kind and (step is None or e.step == step)]


# --- download -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hf", [False, True], ids=["direct", "cdn-redirect"], indirect=True)
def test_cut_download_resumes_with_only_the_remainder_and_passes_sha256(board: Board, hf: HfServer) -> None:
    """Both ways the Hub serves a file: from /resolve itself, and (its usual way for LFS files) a 302 to the
    CDN that carries X-Linked-Size/Etag, with the body and the Range resume on the CDN URL."""
    local = rig_models.smollm2_path()
    size = local.stat().st_size
    hf.add_file(REPO, SMOL, local)
    ref = parse_model_ref(f"{REPO}/{SMOL}", hf.endpoint)
    request = m.DownloadRequest.from_ref(ref)
    half = size // 2
    hf.cut_after(REPO, SMOL, half)

    # First attempt: the stand-in drops the connection half-way; no retries, so the job stops with a
    # partial file that the next attempt continues (as after a closed laptop or an app restart).
    first = Recorder()
    with pytest.raises(m.DownloadFailed) as info:
        m.pull(board, request, report=first, retries=0)
    assert ".part" in info.value.message
    directory = m.models_dir(board)
    assert files_in(board, directory) == [SMOL + ".part"]
    assert board.sftp().stat(f"{directory}/{SMOL}.part").st_size == half
    assert hf.bytes_served(REPO, SMOL) == half

    second = Recorder()
    model = m.pull(board, request, report=second)
    gets = hf.requests_for(REPO, SMOL, "GET")
    assert gets[-1].range == f"bytes={half}-" and gets[-1].status == 206
    if hf.redirect:  # the resume went through the redirect to the CDN URL
        assert gets[-2].status == 302 and gets[-1].path.startswith("/cdn/")
    assert hf.bytes_served(REPO, SMOL) == size  # the resumed download fetched only the remainder
    assert model.size == size and model.quantization == "Q4_1" and model.architecture == "llama"
    assert files_in(board, directory) == [f".{SMOL}.sha256", SMOL]
    remote = board.run(["sha256sum", f"{directory}/{SMOL}"], check=True).stdout.split()[0]
    assert remote == sha256(local)
    progress = second.kinds(PROGRESS, "download")
    assert progress and progress[-1].fraction == 1.0
    assert all(p.data["bytes"] >= half for p in progress)
    assert progress[-1].data["total"] == size
    assert [e.message for e in second.kinds("info", "probe") if "sha256" in e.data] == [
        f"sha256={sha256(local)}"
    ]

    # A third pull finds the verified file and skips: nothing more is served.
    third = Recorder()
    m.pull(board, request, report=third)
    assert hf.bytes_served(REPO, SMOL) == size
    assert third.kinds("skip", "download")


def test_stalled_transfer_is_retried_not_shown_as_frozen(board: Board, hf: HfServer) -> None:
    data = rig_models.tiny_f16_path().read_bytes()
    hf.add_file("org/tiny-GGUF", "tiny-f16.gguf", data)
    hf.set_rate("org/tiny-GGUF", "tiny-f16.gguf", 40_000)
    hf.stall_after("org/tiny-GGUF", "tiny-f16.gguf", 100_000)
    request = m.DownloadRequest.from_ref(parse_model_ref("org/tiny-GGUF/tiny-f16.gguf", hf.endpoint))
    rec = Recorder()
    model = m.pull(board, request, report=rec, stall_seconds=4)
    assert model.size == len(data) and model.quantization == "F16"
    warns = [e.message for e in rec.kinds(WARN, "download")]
    assert any("no data for 4 s" in w and "retrying" in w for w in warns), warns
    progress = rec.kinds(PROGRESS, "download")
    retry_at = next(i for i, e in enumerate(progress) if "retry_in" in e.data)
    before = progress[:retry_at]
    # Moving: a real speed and an ETA. Stalled: the speed falls to zero and the ETA goes; never frozen.
    assert any(e.data["speed"] > 0 and e.data["eta"] is not None for e in before)
    assert before[-1].data["speed"] == 0 and before[-1].data["eta"] is None
    assert "retrying in" in progress[retry_at].message
    kept = progress[retry_at].data["bytes"]
    assert 0 < kept <= 100_000
    gets = hf.requests_for("org/tiny-GGUF", "tiny-f16.gguf", "GET")
    assert len(gets) == 2 and gets[-1].range == f"bytes={kept}-"
    hf.release()


def test_wrong_sha256_is_refused_and_nothing_looks_like_a_model(board: Board, hf: HfServer) -> None:
    local = rig_models.tiny_f16_path()
    hosted = hf.add_file("org/tiny-GGUF", "tiny-f16.gguf", local)
    hosted.sha256 = "0" * 64  # the Hub publishes a sha256 the bytes do not have (a damaged transfer/mirror)
    request = m.DownloadRequest.from_ref(parse_model_ref("org/tiny-GGUF/tiny-f16.gguf", hf.endpoint))
    rec = Recorder()
    with pytest.raises(m.ChecksumMismatch) as info:
        m.pull(board, request, report=rec)
    assert "0" * 64 in info.value.message and sha256(local) in info.value.message
    assert hf.bytes_served("org/tiny-GGUF", "tiny-f16.gguf") == local.stat().st_size
    directory = m.models_dir(board)
    assert files_in(board, directory) == []
    assert m.list_models(board) == []
    assert rec.kinds(FAILED)[-1].code == "E_CHECKSUM"

    # A pinned sha256 (the catalogue's) that the Hub contradicts: refused before a byte is fetched.
    hosted.sha256 = sha256(local)
    hf.reset_counters()
    pinned = m.DownloadRequest.from_ref(request_ref(hf), sha256="1" * 64)
    with pytest.raises(m.ChecksumMismatch, match="Nothing was downloaded"):
        m.pull(board, pinned)
    assert hf.bytes_served("org/tiny-GGUF", "tiny-f16.gguf") == 0
    assert files_in(board, directory) == []


def request_ref(hf: HfServer):  # type: ignore[no-untyped-def]
    return parse_model_ref("org/tiny-GGUF/tiny-f16.gguf", hf.endpoint)


def test_404_names_what_is_missing(board: Board, hf: HfServer) -> None:
    hf.add_file("org/tiny-GGUF", "tiny-f16.gguf", rig_models.tiny_f16_path())
    missing_file = m.DownloadRequest.from_ref(parse_model_ref("org/tiny-GGUF/nope.gguf", hf.endpoint))
    with pytest.raises(m.ModelNotFound, match=r"nope\.gguf was not found"):
        m.pull(board, missing_file)
    missing_repo = m.DownloadRequest.from_ref(parse_model_ref("org/absent-GGUF/x.gguf", hf.endpoint))
    with pytest.raises(m.ModelNotFound, match="repository org/absent-GGUF does not exist"):
        m.pull(board, missing_repo)
    assert files_in(board, m.models_dir(board)) == []


def test_upper_case_extension_on_the_hub_lands_as_gguf(board: Board, hf: HfServer) -> None:
    """`Tiny-F16.GGUF` in a repo is fetched (by its own name) into `Tiny-F16.gguf`, which the listing,
    quantize and delete know."""
    hf.add_file("org/upper-GGUF", "Tiny-F16.GGUF", rig_models.tiny_f16_path())
    request = m.DownloadRequest.from_ref(parse_model_ref("org/upper-GGUF/Tiny-F16.GGUF", hf.endpoint))
    model = m.pull(board, request)
    assert model.name == "Tiny-F16.gguf"
    assert hf.requests_for("org/upper-GGUF", "Tiny-F16.GGUF", "GET")  # the Hub's own file name was asked for
    assert [x.name for x in m.list_models(board)] == ["Tiny-F16.gguf"]
    m.delete(board, model.path)
    assert files_in(board, m.models_dir(board)) == []


def test_not_gguf_is_refused_and_removed(board: Board, hf: HfServer) -> None:
    hf.add_file("org/fake-GGUF", "model.gguf", rig_models.not_gguf_path())
    request = m.DownloadRequest.from_ref(parse_model_ref("org/fake-GGUF/model.gguf", hf.endpoint))
    with pytest.raises(NotGguf, match="not a GGUF model file"):
        m.pull(board, request)
    assert files_in(board, m.models_dir(board)) == []


def test_shell_metacharacters_never_run(board: Board, hf: HfServer, tmp_path: Path) -> None:
    canary = f"/tmp/rps-canary-{secrets.token_hex(6)}"
    hostile = [
        f"org/x$(touch {canary})/m.gguf",
        f"org/x;touch {canary};/m.gguf",
        f"org/x/`touch {canary}`.gguf",
        f"https://huggingface.co/org/x/resolve/main/a$(touch%20{canary}).gguf",
    ]
    for text in hostile:
        with pytest.raises(BadModelRef):
            parse_model_ref(text, hf.endpoint)
    # Past the app's checks, a hostile name reaches the script only as data: refused, never run.
    with pytest.raises(UsageError):
        m.pull(
            board, m.DownloadRequest(f"{hf.endpoint}/org/x/resolve/main/m.gguf", f"$(touch {canary}).gguf")
        )
    store = jobs.ScriptStore()
    directory = m.models_dir(board)
    for url, name in [
        (f"{hf.endpoint}/org/x/resolve/main/$(touch {canary}).gguf", "m.gguf"),
        (f"{hf.endpoint}/org/x/resolve/main/m.gguf;touch {canary}", "m.gguf"),
        (f"{hf.endpoint}/org/x/resolve/main/m.gguf", f"a`touch {canary}`.gguf"),
    ]:
        job = jobs.run(board, store, m.DOWNLOAD_SCRIPT, [url, directory, name], key="download-hostile")
        assert job.status != 0
        failure = job.last_failure()
        assert failure is not None and failure.code == "E_USAGE"
    hostile_repo = [f"{hf.endpoint}/org/x/resolve/main/m.gguf", directory, "m.gguf"]
    hostile_repo += ["--repo", f"org/$(touch {canary})", "--path", "m.gguf", "--endpoint", hf.endpoint]
    job = jobs.run(board, store, m.DOWNLOAD_SCRIPT, hostile_repo, key="download-hostile")
    assert job.status != 0
    assert not Path(canary).exists()
    assert not board.exists(canary)


def test_too_little_disk_is_refused_before_downloading(board: Board, hf: HfServer) -> None:
    hosted = hf.add_file("org/huge-GGUF", "huge-f16.gguf", rig_models.tiny_f16_path())
    hosted.size = 40 * 10**12  # what the stand-in announces (X-Linked-Size, tree lfs.size): 40 TB
    request = m.DownloadRequest.from_ref(parse_model_ref("org/huge-GGUF/huge-f16.gguf", hf.endpoint))
    with pytest.raises(NoSpace) as info:
        m.pull(board, request)
    assert "needs 40000.00 GB more" in info.value.message and "free" in info.value.message
    assert hf.bytes_served("org/huge-GGUF", "huge-f16.gguf") == 0
    assert files_in(board, m.models_dir(board)) == []


def test_gated_repo_token_travels_only_in_the_job_environment(board: Board, hf: HfServer) -> None:
    hf.add_file("org/gated-GGUF", "tiny-f16.gguf", rig_models.tiny_f16_path())
    token = "hf_" + secrets.token_hex(12)
    hf.require_token("org/gated-GGUF", token)
    request = m.DownloadRequest.from_ref(parse_model_ref("org/gated-GGUF/tiny-f16.gguf", hf.endpoint))
    with pytest.raises(m.HfAuthRequired):
        m.pull(board, request)
    hf.reset_counters()
    model = m.pull(board, request, token=token)
    assert model.quantization == "F16"
    assert all(r.authorization for r in hf.requests_for("org/gated-GGUF", "tiny-f16.gguf"))
    state = board.run(f"grep -rl {shlex.quote(token)} ~/.local ~/dev 2>/dev/null || true").stdout
    assert state.strip() == ""


def test_cancel_stops_the_download_on_the_board_and_keeps_the_part(board: Board, hf: HfServer) -> None:
    data = rig_models.tiny_f16_path().read_bytes()
    hf.add_file("org/slow-GGUF", "tiny-f16.gguf", data)
    hf.set_rate("org/slow-GGUF", "tiny-f16.gguf", 50_000)
    request = m.DownloadRequest.from_ref(parse_model_ref("org/slow-GGUF/tiny-f16.gguf", hf.endpoint))
    cancel = CancelToken()

    def report(ev: Event) -> None:
        if ev.kind == PROGRESS and ev.data.get("bytes", 0) > 0:
            cancel.cancel()

    with pytest.raises(Cancelled):
        m.pull(board, request, report=report, cancel=cancel)
    assert board.run("pgrep -u \"$(id -u)\" -f '[m]odel-download[.]sh' || true").stdout.strip() == ""
    assert files_in(board, m.models_dir(board)) == ["tiny-f16.gguf.part"]


# --- list, projector pairing, upload, delete ----------------------------------------------------------------


def test_push_list_pairs_projector_and_delete(board: Board) -> None:
    tiny = rig_models.tiny_f16_path()
    proj = rig_models.tiny_mmproj_path(rig_models.TINY_N_EMBD)
    rec = Recorder()
    pushed = m.push(board, tiny, report=rec)
    assert pushed.quantization == "F16" and rec.kinds(PROGRESS, "upload")[-1].fraction == 1.0
    m.push(board, proj, name="mmproj-tiny-f16.gguf")
    with pytest.raises(m.ModelExists):
        m.push(board, tiny)
    with pytest.raises(NotGguf):
        m.push(board, rig_models.not_gguf_path(), name="fake.gguf")
    listed = {x.name: x for x in m.list_models(board, served={pushed.path})}
    assert set(listed) == {tiny.name, "mmproj-tiny-f16.gguf"}
    text, projector = listed[tiny.name], listed["mmproj-tiny-f16.gguf"]
    assert text.architecture == "llama" and text.context_length == rig_models.TINY_CTX
    assert text.parameters > 0 and text.served and not text.is_projector
    assert projector.is_projector and projector.pairs == [tiny.name] and text.pairs == [projector.name]
    assert projector.to_dict()["pairs_with"] == [tiny.name]

    with pytest.raises(m.ModelInUse):
        m.delete(board, tiny.name, served={pushed.path})
    with pytest.raises(m.ProjectorNotQuantized, match="projector"):
        m.quantize(board, "mmproj-tiny-f16.gguf", quantize_bin="/bin/false")
    with pytest.raises(UsageError):
        m.delete(board, "../.bashrc")
    m.delete(board, tiny.name)
    assert [x.name for x in m.list_models(board)] == ["mmproj-tiny-f16.gguf"]
    with pytest.raises(m.ModelNotFound):
        m.delete(board, tiny.name)


def test_listing_warns_on_impure_q4_0_and_refuses_requantize_without_consent(board: Board) -> None:
    m.push(board, rig_models.smollm2_path(), name="SmolLM2-135M-Instruct-Q4_1.gguf")
    (model,) = m.list_models(board)
    assert model.quantization == "Q4_1" and model.parameters > 100_000_000
    with pytest.raises(m.NeedsRequantize, match="already quantized"):
        m.quantize(board, model.name, quantize_bin="/bin/false")


# --- quantize -----------------------------------------------------------------------------------------------


def _quantize_tool(board: Board) -> str:
    return rig_models.quantize_tool_on(board)


def test_quantize_tiny_f16_to_pure_q4_0(board: Board) -> None:
    tool = _quantize_tool(board)
    source = m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")

    # Without --pure, llama-quantize keeps some matrices in other types: the listing warns.
    mixed = m.quantize(board, source.name, pure=False, output="tiny-mixed-Q4_0.gguf", quantize_bin=tool)
    assert mixed.quantization == "Q4_0" and mixed.info is not None and not mixed.info.is_pure
    assert "--pure" in mixed.warning

    rec = Recorder()
    out = m.quantize(board, source.name, report=rec, delete_source=True)
    assert out.name == "tiny-q4_0.gguf"
    progress = rec.kinds(PROGRESS, "quantize")
    assert len(progress) >= 2 and progress[-1].fraction == 1.0
    assert progress[0].message.startswith("tensor 1 of ")
    assert [e.step for e in rec.kinds("done")][-1] == "delete-source"
    listed = {x.name: x for x in m.list_models(board)}  # the f16 source was deleted as asked
    assert set(listed) == {"tiny-mixed-Q4_0.gguf", "tiny-q4_0.gguf"}
    pure = listed["tiny-q4_0.gguf"]
    assert pure.quantization == "Q4_0" and pure.info is not None and pure.info.is_pure
    assert pure.warning == "" and listed["tiny-mixed-Q4_0.gguf"].warning

    # Requantizing the mixed file to pure Q4_0 needs consent, then fixes the warning.
    with pytest.raises(m.NeedsRequantize):
        m.quantize(board, "tiny-mixed-Q4_0.gguf")
    fixed = m.quantize(board, "tiny-mixed-Q4_0.gguf", allow_requantize=True, output="tiny-fixed-Q4_0.gguf")
    assert fixed.info is not None and fixed.info.is_pure and fixed.warning == ""


def test_quantize_never_replaces_an_existing_output_unasked(board: Board) -> None:
    tool = _quantize_tool(board)
    source = m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    first = m.quantize(board, source.name, quantize_bin=tool)
    inode = rig_models.inode(board, first.path)

    with pytest.raises(m.ModelExists, match=r"tiny-q4_0\.gguf is already on the board") as info:
        m.quantize(board, source.name, quantize_bin=tool)
    assert info.value.code == "E_EXISTS" and "--overwrite" in info.value.hint
    assert rig_models.inode(board, first.path) == inode  # untouched: no job ran
    # The same question from the plan the GUI asks before it starts.
    with pytest.raises(m.ModelExists):
        m.plan_quantize(board, source.name)
    # A served output is not replaced even when asked.
    with pytest.raises(m.ModelInUse, match="being served"):
        m.quantize(board, source.name, quantize_bin=tool, overwrite=True, served=[first.path])
    assert rig_models.inode(board, first.path) == inode

    again = m.quantize(board, source.name, quantize_bin=tool, overwrite=True)
    assert again.path == first.path and again.info is not None and again.info.is_pure
    assert rig_models.inode(board, again.path) != inode  # replaced by the new quantization
    assert {x.name for x in m.list_models(board)} == {"tiny-f16.gguf", "tiny-q4_0.gguf"}


def test_quantize_refused_for_too_little_disk_leaves_nothing(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estimate is checked against the board's free space before llama-quantize runs: no output, no
    .part; with a real estimate it goes through, and the estimate covers the real output."""
    tool = _quantize_tool(board)
    source = m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    assert source.info is not None
    estimate = m.estimate_quantized_size(source.info, "Q4_0")
    monkeypatch.setattr(m, "estimate_quantized_size", lambda _info, _qtype: 40 * 10**12)
    rec = Recorder()
    with pytest.raises(NoSpace, match="free") as info:
        m.quantize(board, source.name, quantize_bin=tool, report=rec)
    assert info.value.code == "E_NO_SPACE" and rec.kinds(FAILED)[-1].step == "check"
    assert not rec.kinds(PROGRESS, "quantize")  # refused before a tensor was written
    assert files_in(board, m.models_dir(board)) == ["tiny-f16.gguf"]
    monkeypatch.undo()
    out = m.quantize(board, source.name, quantize_bin=tool)
    assert out.size <= estimate < source.size


# --- CLI ----------------------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rubikpi_studio", "--cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env=os.environ.copy(),
    )


def conn_args(sshd: rig.RigSshd, account: rig.RigAccount, known_hosts: Path) -> list[str]:
    return [
        "127.0.0.1",
        "--port",
        str(sshd.port),
        "--user",
        account.user,
        "--identity",
        str(account.key_path),
        "--known-hosts",
        str(known_hosts),
    ]


def test_cli_never_deletes_or_replaces_what_llama_server_is_serving(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, board: Board
) -> None:
    """A real llama-server started by the app serves the tiny model with its projector (paths as the
    Server page gives them, `~/...`): `models list` marks both served, `rm` and `quantize --delete-source`
    refuse with E_IN_USE and leave the files, a file it does not use is deleted; after `serve stop` the
    model can go too."""
    import json

    rig_models.llama_server_on(board)
    model = m.push(board, rig_models.tiny_f16_path(), name="tiny-f16.gguf")
    proj = m.push(board, rig_models.tiny_mmproj_path(rig_models.TINY_N_EMBD), name="mmproj-tiny-f16.gguf")
    spare = m.push(board, rig_models.tiny_f16_path(), name="spare-f16.gguf")
    spec = server.ServerSpec(
        model="~/dev/llm/models/tiny-f16.gguf",
        mmproj="~/dev/llm/models/mmproj-tiny-f16.gguf",
        port=free_port(),
        threads=1,
        ctx=256,
        gpu=False,
    )
    handle = server.start(board, spec, ready_timeout=120)
    try:
        assert sorted(server.served_paths(board)) == sorted([model.path, proj.path])
        conn = conn_args(rig_sshd, fresh_account, tmp_known_hosts)
        listed = cli("models", "list", *conn, "--json")
        assert listed.returncode == 0, listed.stderr
        rows = {r["name"]: r["served"] for r in json.loads(listed.stdout.splitlines()[-1])["models"]}
        assert rows == {"tiny-f16.gguf": True, "mmproj-tiny-f16.gguf": True, "spare-f16.gguf": False}
        human = cli("models", "list", *conn).stdout.splitlines()
        assert "being served" in next(line for line in human if line.startswith("tiny-f16.gguf"))
        assert "being served" not in next(line for line in human if line.startswith("spare-f16.gguf"))

        refused = cli("models", "rm", *conn, "tiny-f16.gguf", "--yes")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "tiny-f16.gguf is being served" in refused.stderr and "serve stop" in refused.stderr
        as_json = cli("models", "rm", *conn, "mmproj-tiny-f16.gguf", "--yes", "--json")
        assert as_json.returncode == 1
        assert json.loads(as_json.stdout.splitlines()[-1])["code"] == "E_IN_USE"
        requant = cli(
            "models", "quantize", *conn, "tiny-f16.gguf", "--delete-source", "--json"
        )  # would delete the served source once done: refused before any job starts
        assert requant.returncode == 1 and '"E_IN_USE"' in requant.stdout, requant.stdout + requant.stderr
        assert files_in(board, m.models_dir(board)) == sorted(
            ["tiny-f16.gguf", "mmproj-tiny-f16.gguf", "spare-f16.gguf"]
        )
        assert cli("models", "rm", *conn, spare.name, "--yes").returncode == 0
    finally:
        server.stop(board, handle)
    assert server.served_paths(board) == []
    gone = cli("models", "rm", *conn, "tiny-f16.gguf", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert files_in(board, m.models_dir(board)) == ["mmproj-tiny-f16.gguf"]


def test_cli_catalogue_push_quantize_json(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, board: Board
) -> None:
    """`models catalogue|push|quantize --json`: one event per line, then the result; a second quantize onto
    the same output is refused with E_EXISTS."""
    import json

    def lines(p: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
        return [json.loads(line) for line in p.stdout.splitlines()]

    catalogue = cli("models", "catalogue", "--json")  # no board needed
    assert catalogue.returncode == 0, catalogue.stderr
    entries = {e["id"]: e for e in lines(catalogue)[-1]["catalogue"]}
    assert entries["qwen2-1.5b-instruct"]["quantization"] == "Q4_0"
    assert (
        entries["smolvlm-500m-instruct"]["projector"] and entries["smolvlm-500m-instruct"]["kind"] == "vision"
    )

    tool = _quantize_tool(board)
    conn = conn_args(rig_sshd, fresh_account, tmp_known_hosts)
    pushed = cli(
        "models", "push", *conn, str(rig_models.tiny_f16_path()), "--name", "tiny-f16.gguf", "--json"
    )
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    out = lines(pushed)
    assert any(e.get("kind") == "progress" and e.get("step") == "upload" for e in out)
    assert out[-1]["model"]["name"] == "tiny-f16.gguf"
    assert out[-1]["model"]["quantization"] == "F16"

    quantized = cli("models", "quantize", *conn, "tiny-f16.gguf", "--json")
    assert quantized.returncode == 0, quantized.stdout + quantized.stderr
    out = lines(quantized)
    tensors = [e for e in out if e.get("kind") == "progress" and e.get("step") == "quantize"]
    assert (
        tensors and str(tensors[0]["message"]).startswith("tensor 1 of ") and tensors[-1]["fraction"] == 1.0
    )
    result = out[-1]["model"]
    assert result["name"] == "tiny-q4_0.gguf" and result["quantization"] == "Q4_0"
    assert board.run(["test", "-x", tool]).ok
    again = cli("models", "quantize", *conn, "tiny-f16.gguf", "--json")
    assert again.returncode == 2 and lines(again)[-1]["code"] == "E_EXISTS", again.stdout
    assert files_in(board, m.models_dir(board)) == ["tiny-f16.gguf", "tiny-q4_0.gguf"]


def test_cli_pull_list_rm(
    rig_sshd: rig.RigSshd, fresh_account: rig.RigAccount, tmp_known_hosts: Path, hf: HfServer
) -> None:
    import json

    hf.add_file("org/tiny-GGUF", "tiny-f16.gguf", rig_models.tiny_f16_path())
    conn = [
        "127.0.0.1",
        "--port",
        str(rig_sshd.port),
        "--user",
        fresh_account.user,
        "--identity",
        str(fresh_account.key_path),
        "--known-hosts",
        str(tmp_known_hosts),
    ]
    pulled = cli("models", "pull", *conn, "--endpoint", hf.endpoint, "org/tiny-GGUF/tiny-f16.gguf", "--json")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    events = [json.loads(line) for line in pulled.stdout.splitlines()]
    assert any(e["kind"] == "progress" and "bytes" in e.get("data", {}) for e in events)
    listed = cli("models", "list", *conn, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout.splitlines()[-1])["models"]
    assert [(r["name"], r["quantization"]) for r in rows] == [("tiny-f16.gguf", "F16")]
    human = cli("models", "list", *conn)
    assert "tiny-f16.gguf" in human.stdout and "F16" in human.stdout
    missing = cli("models", "pull", *conn, "--endpoint", hf.endpoint, "org/tiny-GGUF/nope.gguf")
    assert missing.returncode == 1 and "not found" in missing.stderr
    hostile = cli("models", "pull", *conn, "org/x$(touch /tmp/rps-cli-canary)/m.gguf")
    assert hostile.returncode == 2 and not Path("/tmp/rps-cli-canary").exists()
    refused = cli("models", "rm", *conn, "tiny-f16.gguf")  # no --yes and no terminal: nothing deleted
    assert refused.returncode == 2
    removed = cli("models", "rm", *conn, "tiny-f16.gguf", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert json.loads(cli("models", "list", *conn, "--json").stdout.splitlines()[-1])["models"] == []
