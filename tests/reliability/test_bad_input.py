"""Bad input (issue 10, part 3): hostile host names, user names, paths, model names, URLs, server flags and
job arguments thrown at every core entry point that reaches the board, against the rig's real sshd.

A canary proves that nothing ran as a shell command: the strategies favour shell metacharacters and payloads
that would `touch` a unique canary file (under /tmp and in the board account's home) if any input ever
reached a shell unquoted. After each test the canaries must not exist, and files whose names carry the
canary's token may exist only inside the sandbox folder where an input legitimately named a file.

Typed errors (`StudioError` and its subclasses: UsageError, ModelNotFound, TransferFailed, ...) are the
expected answer to invalid input; any other exception type, a dropped connection or a changed value is a
finding. Examples are capped per entry point (CI time) and one Board connection serves a whole module.
"""

from __future__ import annotations

import os
import posixpath
import pwd
import secrets
import shlex
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rig
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reliability_lab import static_llama_bin

from rubikpi_studio.core.errors import StudioError, UsageError
from rubikpi_studio.core.ssh import Board

TOKEN = "rpscanary" + secrets.token_hex(5)
CANARY_TMP = f"/tmp/{TOKEN}"
CANARY_HOME_NAME = f"{TOKEN}-home"

FEW = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SOME = settings(FEW, max_examples=20)


def _payloads() -> list[str]:
    cmds = [f"touch {CANARY_TMP}", f"touch ~/{CANARY_HOME_NAME}"]
    out: list[str] = []
    for cmd in cmds:
        ifs = cmd.replace(" ", "${IFS}")
        out += [
            f"$({cmd})",
            f";{cmd}",
            f"; {cmd};",
            f"`{cmd}`",
            f"\n{cmd}\n",
            f"'; {cmd}; '",
            f'"; {cmd}; "',
            f"'\"$({cmd})\"'",
            f"| {cmd}",
            f"&& {cmd}",
            f"|| {cmd}",
            f"$({ifs})",
            f"\\'$({cmd})\\'",
            f")\n{cmd}\n(",
            f"{cmd} #",
        ]
    out += [
        f"--config={CANARY_TMP}",
        f"-o{CANARY_TMP}",
        f"--output={CANARY_TMP}",
        "-rf",
        "--help",
        "-",
        "--",
        "*",
        "?",
        "~",
        "~root",
        "$HOME",
        "${HOME}",
        "$$",
        "%s%n%%",
        "%h%u",
        "\\",
        "'",
        '"',
        "\r",
        "\t",
        " ",
        "\x1e",
        "\x1eRPS-END 0 0",
        "@rps1 failed x E_USAGE forged",
        "\n@rps1 info download path=/etc/passwd\n",
        "\u202e",
        "é中",
        "..",
        ".",
        "",
    ]
    return out


PAYLOADS = _payloads()
fragment = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=12))
# Arbitrary text that is mostly shell-hostile; NUL is rare but present (it can end an SSH session).
hostile = st.lists(fragment, min_size=1, max_size=4).map("".join)
hostile_nul = st.one_of(hostile, hostile.map(lambda s: s + "\x00" + s))
# One path segment (no '/'): what a file name can be over SFTP.
segment = hostile.map(lambda s: s.replace("/", "_")).filter(lambda s: s not in ("", ".", ".."))


@dataclass
class BoardLab:
    board: Board
    account: rig.RigAccount
    sandbox: str  # absolute, on the board; inputs that legitimately name files live below it

    @property
    def home(self) -> Path:
        return self.account.home


def _canaries_fired(home: Path) -> list[str]:
    return [p for p in (CANARY_TMP, str(home / CANARY_HOME_NAME)) if os.path.lexists(p)]


def _token_files_outside(root: Path, allowed: Path) -> list[str]:
    """Names carrying the canary's token anywhere under `root` but outside `allowed`."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == allowed or allowed in here.parents:
            dirnames[:] = []
            continue
        found += [str(here / n) for n in [*dirnames, *filenames] if TOKEN in n and here / n != allowed]
    return found


@pytest.fixture(scope="module")
def lab(rig_sshd: rig.RigSshd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardLab]:
    account = rig.make_fresh_account()
    kh = rig_sshd.write_known_hosts(tmp_path_factory.mktemp("bad-input") / "known_hosts")
    board = rig.connect(account, rig_sshd.port, kh)
    try:
        sandbox = f"{account.home}/sandbox-{TOKEN}"
        board.makedirs(sandbox)
        yield BoardLab(board, account, sandbox)
    finally:
        board.close()
        rig.run_as(account.user, 'pkill -KILL -u "$(id -u)"; true')
        rig.remove_account(account)


@pytest.fixture
def board(lab: BoardLab) -> Iterator[Board]:
    """The module's Board, checked after each test: alive, no canary, token names only in the sandbox."""
    yield lab.board
    fired = _canaries_fired(lab.home)
    for p in fired:
        os.remove(p)
    assert not fired, f"an input ran as a shell command: {fired}"
    assert lab.board.is_alive, "an input ended the SSH connection"
    stray = _token_files_outside(lab.home, Path(lab.sandbox)) + [
        str(p) for p in Path("/tmp").iterdir() if TOKEN in p.name
    ]
    assert not stray, f"files named by payloads outside the sandbox: {stray}"


def expect_typed(exc: BaseException) -> None:
    """Invalid input may be refused, but only with a typed error that front ends know how to show."""
    assert isinstance(exc, StudioError), f"untyped {type(exc).__module__}.{type(exc).__name__}: {exc!r}"


# --- ssh.Board ------------------------------------------------------------------------------------------


@FEW
@given(args=st.lists(hostile_nul, min_size=1, max_size=4))
def test_run_passes_every_argument_as_data(board: Board, args: list[str]) -> None:
    try:
        result = board.run(["printf", "%s\\0", *args], timeout=30)
    except Exception as exc:
        expect_typed(exc)
        assert any("\x00" in a for a in args), f"valid arguments refused: {exc}"
        assert isinstance(exc, UsageError)
        return
    assert not any("\x00" in a for a in args), "a NUL in an argument must be refused, not cut"
    assert result.ok, result.stderr
    assert result.stdout == "".join(a + "\0" for a in args)


@FEW
@given(args=st.lists(hostile_nul, min_size=1, max_size=4))
def test_quick_runs_a_quoted_command_verbatim(board: Board, args: list[str]) -> None:
    try:
        result = board.quick(shlex.join(["printf", "%s\\0", *args]))
    except Exception as exc:
        expect_typed(exc)
        assert isinstance(exc, UsageError) and any("\x00" in a for a in args)
        return
    assert not any("\x00" in a for a in args), "a NUL in a quick command must be refused, not dropped"
    assert result.ok
    assert result.stdout == "".join(a + "\0" for a in args)
    # The shell channel is still in step: the next command answers for itself.
    assert board.quick("echo next").stdout.strip() == "next"


@SOME
@given(args=st.lists(hostile, min_size=1, max_size=3))
def test_sudo_passes_arguments_as_data(board: Board, lab: BoardLab, args: list[str]) -> None:
    try:
        result = board.sudo(["printf", "%s\\0", *args], lab.account.password, timeout=30)
    except Exception as exc:
        expect_typed(exc)
        assert isinstance(exc, UsageError) and any("\x00" in a for a in args), exc
        return
    assert result.stdout == "".join(a + "\0" for a in args)


@FEW
@given(names=st.lists(segment, min_size=1, max_size=3), data=st.binary(max_size=2048))
def test_put_file_writes_exactly_the_named_file(
    board: Board, lab: BoardLab, tmp_path_factory: pytest.TempPathFactory, names: list[str], data: bytes
) -> None:
    local = tmp_path_factory.mktemp("put") / "payload.bin"
    local.write_bytes(data)
    folder = f"{lab.sandbox}/put-{secrets.token_hex(3)}"
    board.makedirs(folder)
    remote = "/".join([folder, *names])
    try:
        board.put_file(local, remote, resume=False)
    except Exception as exc:
        expect_typed(exc)
        assert len(names) > 1 or "\x00" in remote or any(len(n.encode()) > 255 for n in names), exc
        return
    assert len(names) == 1, "a file went into a folder that did not exist"
    assert board.exists(remote)
    assert Path(remote).read_bytes() == data
    assert [p.name for p in Path(folder).iterdir()] == [names[0]]


@FEW
@given(path=st.lists(segment, min_size=1, max_size=3))
def test_makedirs_exists_is_dir(board: Board, lab: BoardLab, path: list[str]) -> None:
    folder = f"{lab.sandbox}/mk-{secrets.token_hex(3)}"
    remote = "/".join([folder, *path])
    try:
        assert not board.exists(remote)
        board.makedirs(remote)
    except Exception as exc:
        expect_typed(exc)
        assert any(len(n.encode()) > 255 or "\x00" in n for n in path), exc
        return
    assert board.exists(remote) and board.is_dir(remote)
    assert stat.S_ISDIR(os.stat(remote).st_mode)
    # Exactly the named chain of folders, nothing beside it.
    here = Path(folder)
    for name in path:
        assert [p.name for p in here.iterdir()] == [name]
        here = here / name


@FEW
@given(path=hostile_nul)
def test_file_queries_on_any_path_are_typed(board: Board, path: str) -> None:
    for call in (board.exists, board.is_dir, lambda p: board.read_bytes(p, 0, 16)):
        try:
            call(path)
        except FileNotFoundError:
            pass  # read_bytes of a missing file: its documented answer
        except Exception as exc:
            expect_typed(exc)


def test_unreadable_and_odd_paths_are_typed(board: Board, lab: BoardLab) -> None:
    """Permission denied, a folder where a file was named, a file where a folder was named, a name longer
    than the file system allows: typed errors, and the connection survives each."""
    Path(lab.sandbox, "plain").write_text("x")
    shutil.chown(Path(lab.sandbox, "plain"), lab.account.user)
    cases = [
        lambda: board.exists("/root/x"),
        lambda: board.is_dir("/root/x"),
        lambda: board.makedirs("/root/x/y"),
        lambda: board.makedirs(f"{lab.sandbox}/plain/y"),
        lambda: board.makedirs(f"{lab.sandbox}/{'n' * 300}"),
        lambda: board.read_bytes("/etc/shadow"),
        lambda: board.read_bytes(lab.sandbox),
        lambda: board.write_text("/root/x", "x"),
        lambda: board.write_text(f"{lab.sandbox}/{'n' * 300}", "x"),
    ]
    for i, case in enumerate(cases):
        with pytest.raises(StudioError):
            case()
        assert board.is_alive, f"case {i} ended the connection"
    for remote in ("/root/x", f"{lab.sandbox}/{'n' * 300}", f"{lab.sandbox}/plain/y"):
        src = Path(os.environ.get("TMPDIR", "/tmp"), f"put-src-{secrets.token_hex(3)}")
        src.write_bytes(b"abc")
        try:
            with pytest.raises(StudioError):
                board.put_file(src, remote)
        finally:
            src.unlink()


# --- core.models ----------------------------------------------------------------------------------------

model_name = st.one_of(
    hostile_nul,
    hostile.map(lambda s: s + ".gguf"),
    st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9._+-]{0,40}\.gguf\Z"),
    st.sampled_from(["../x.gguf", "/etc/passwd", "/etc/shadow", "", ".", "..", "a/b.gguf", "-x.gguf"]),
)


@pytest.fixture(scope="module")
def models_dir(lab: BoardLab) -> str:
    from rubikpi_studio.core import models

    return models.models_dir(lab.board)


@FEW
@given(name=model_name)
def test_inspect_delete_plan_on_any_name_are_typed(board: Board, models_dir: str, name: str) -> None:
    from rubikpi_studio.core import models

    calls = [
        lambda: models.inspect(board, name),
        lambda: models.inspect(board, f"{models_dir}/{name}"),
        lambda: models.delete(board, name),
        lambda: models.plan_quantize(board, name),
        lambda: models.plan_quantize(board, "x.gguf", output=name),
    ]
    before = sorted(os.listdir(models_dir))
    for call in calls:
        try:
            call()
        except Exception as exc:
            expect_typed(exc)
    assert sorted(os.listdir(models_dir)) == before, "a model entry point changed the models folder"


@SOME
@given(name=model_name, data=st.binary(max_size=64))
def test_push_takes_plain_names_only(
    board: Board,
    models_dir: str,
    tmp_path_factory: pytest.TempPathFactory,
    tiny_gguf: Path,
    name: str,
    data: bytes,
) -> None:
    from rubikpi_studio.core import models

    before = sorted(os.listdir(models_dir))
    target = name or tiny_gguf.name  # no name: the local file's
    try:
        pushed = models.push(board, tiny_gguf, name=name, overwrite=True)
    except Exception as exc:
        expect_typed(exc)
        assert not models._PLAIN_NAME.match(target), f"a plain name was refused: {exc}"
        assert sorted(os.listdir(models_dir)) == before
        return
    assert models._PLAIN_NAME.match(target)
    assert pushed.name == target and Path(models_dir, target).read_bytes() == tiny_gguf.read_bytes()
    models.delete(board, target)
    assert sorted(os.listdir(models_dir)) == [n for n in before if n != target]


@pytest.fixture(scope="module")
def tiny_gguf() -> Path:
    from rig import models as rig_models

    return rig_models.tiny_f16_path()


# --- where and how to log in: ssh.Target, Board.connect, boards ------------------------------------------

host_name = st.one_of(
    hostile_nul,
    hostile.map(lambda s: s + ".invalid"),  # RFC 6761: never resolves, and fails fast
    st.sampled_from(["127.0.0.1", "localhost", "a..b.invalid", "x" * 64 + ".invalid", "-oProxyCommand=x"]),
)


@FEW
@given(host=host_name, user=hostile_nul, port=st.one_of(st.none(), st.integers(-(2**20), 2**20)))
def test_connect_with_any_host_user_port_is_typed(
    lab: BoardLab, rig_sshd: rig.RigSshd, tmp_path_factory: pytest.TempPathFactory, host: str, user: str,
    port: int | None,
) -> None:  # fmt: skip
    """Everything a user can type into the board form. A `Match exec` line in the user's ssh config expands
    %h into a local shell command (OpenSSH refuses hostile host names for this reason, CVE-2023-51385): the
    canary must not fire here either."""
    from rubikpi_studio.core.boards import BoardProfile, connect_profile
    from rubikpi_studio.core.ssh import KnownHosts

    home = tmp_path_factory.mktemp("client")
    config = home / "ssh_config"
    # Only host names with shell specials get as far as the `exec` (paramiko checks `host` first): plain
    # names do not run invoke at all, and a hostile one that reached the lookup would fire the canary.
    config.write_text(
        'Match host "*;*,*$*,*`*,*|*,*&*,*(*,*\'*,*\\"*" exec "test %h = nothing"\n  User nobody\n'
    )
    kh = rig_sshd.write_known_hosts(home / "known_hosts")
    profile = BoardProfile(
        "b", host, rig_sshd.port if port is None else port, user, str(lab.account.key_path)
    )
    target = profile.target()
    target.use_agent = target.look_for_keys = False
    target.timeout = 3.0
    # paramiko runs `Match exec` through invoke, which reads stdin: give it an empty one, as a GUI has.
    with open(os.devnull) as devnull, pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", devnull)
        try:
            Board.connect(target, KnownHosts(kh, system_paths=[]), ssh_config=config).close()
        except Exception as exc:
            expect_typed(exc)
    try:
        connect_profile(BoardProfile("b", host, 1, user), password="x", known_hosts=KnownHosts(kh)).close()
    except Exception as exc:
        expect_typed(exc)
    assert not _canaries_fired(lab.home), f"host {host!r} ran as a local shell command"


# --- core.jobs ------------------------------------------------------------------------------------------

ECHO_SCRIPT = """#!/usr/bin/env bash
# Test job: writes its arguments (NUL-separated) and one environment value where the test reads them.
if (($#)); then printf '%s\\0' "$@"; fi >"$RPS_OUT.args"
printf '%s' "${RPS_VALUE-}" >"$RPS_OUT.env"
"""


@pytest.fixture(scope="module")
def echo_scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rubikpi_studio.core import appdirs

    d = tmp_path_factory.mktemp("remote")
    for name in ("job-start.sh", "lib.sh", "VERSION"):
        shutil.copy2(appdirs.remote_dir() / name, d / name)
    (d / "echo-args.sh").write_text(ECHO_SCRIPT)
    return d


@SOME
@given(args=st.lists(hostile_nul, max_size=4), value=hostile_nul)
def test_job_arguments_and_environment_arrive_verbatim(
    board: Board, lab: BoardLab, echo_scripts: Path, args: list[str], value: str
) -> None:
    from rubikpi_studio.core import jobs

    out = f"{lab.sandbox}/job-{secrets.token_hex(4)}"
    try:
        job = jobs.run(
            board,
            jobs.ScriptStore(echo_scripts),
            "echo-args.sh",
            args,
            key="badinput-echo",
            env={"RPS_OUT": out, "RPS_VALUE": value},
        )
    except Exception as exc:
        expect_typed(exc)
        assert isinstance(exc, UsageError) and "\x00" in "".join([*args, value]), exc
        return
    assert "\x00" not in "".join([*args, value]), "a NUL reached a job instead of being refused"
    assert job.status == 0, job.log_tail()
    assert Path(out + ".args").read_bytes() == b"".join(a.encode() + b"\0" for a in args)
    assert Path(out + ".env").read_text() == value


# --- models.pull: URLs and the request's fields ---------------------------------------------------------

# Port 9 on the board's loopback refuses at once: a URL that passes every check fails fast, offline.
REFUSED = "http://127.0.0.1:9"
url_text = st.one_of(
    hostile_nul,
    hostile.map(lambda s: f"{REFUSED}/{s}"),
    hostile.map(lambda s: f"{REFUSED}/o/r/resolve/main/{s}.gguf"),
    st.sampled_from([f"-K{CANARY_TMP}", f"--output={CANARY_TMP}", "file:///etc/passwd", "ftp://x/y.gguf"]),
)


@SOME
@given(
    url=url_text,
    filename=model_name,
    repo=st.one_of(st.just(""), hostile),
    revision=st.one_of(st.just("main"), hostile),
    path=st.one_of(st.just(""), hostile),
    endpoint=st.one_of(st.just(REFUSED), hostile),
    sha256=st.one_of(st.none(), hostile),
    size=st.one_of(st.none(), st.integers(-5, 2**40)),
)
def test_pull_with_any_request_is_typed(
    board: Board,
    models_dir: str,
    url: str,
    filename: str,
    repo: str,
    revision: str,
    path: str,
    endpoint: str,
    sha256: str | None,
    size: int | None,
) -> None:
    from rubikpi_studio.core import models

    request = models.DownloadRequest(url, filename, repo, revision, path, endpoint, sha256, size)
    before = sorted(os.listdir(models_dir))
    with pytest.raises(StudioError):
        models.pull(board, request, retries=0, stall_seconds=2)
    assert sorted(os.listdir(models_dir)) == before


# --- models.quantize: output names, with the real llama-quantize ----------------------------------------


@pytest.fixture(scope="module")
def quantize_bin(lab: BoardLab, tiny_gguf: Path, models_dir: str) -> str:
    from rubikpi_studio.core import models

    found = static_llama_bin() / "llama-quantize"  # built now when missing; fails (not skips) when it cannot
    local = Path(lab.sandbox, "llama-quantize")  # a copy the board account may run
    shutil.copy2(found, local)
    shutil.chown(local, lab.account.user)
    models.push(lab.board, tiny_gguf, name="tiny-f16.gguf")
    return str(local)


@SOME
@given(output=st.one_of(model_name, hostile.map(lambda s: s.replace("/", "_") + ".gguf")))
def test_quantize_writes_only_the_named_output(
    board: Board, models_dir: str, quantize_bin: str, output: str
) -> None:
    from rubikpi_studio.core import models

    before = set(os.listdir(models_dir))
    try:
        plan = models.plan_quantize(board, "tiny-f16.gguf", output=output)
        made = models.quantize(board, "tiny-f16.gguf", output=output, quantize_bin=quantize_bin)
    except Exception as exc:
        expect_typed(exc)
        event(f"refused: {type(exc).__name__}")
        assert set(os.listdir(models_dir)) == before
        return
    event("quantized")
    assert made.path == plan.output and posixpath.dirname(plan.output) == models_dir
    assert set(os.listdir(models_dir)) - before == ({made.name} - before)
    assert made.info is not None and made.info.quantization == "Q4_0"
    models.delete(board, made.name)


# --- server.start: model paths and extra flags, with the real llama-server ------------------------------


@pytest.fixture(scope="module")
def served_model(lab: BoardLab, tiny_gguf: Path, models_dir: str) -> str:
    """llama-server in the manual's layout for the lab account, and the tiny model in its models folder."""
    found = static_llama_bin() / "llama-server"  # built now when missing; fails (not skips) when it cannot
    bindir = lab.home / "dev/llm/llama.cpp/build/bin"
    bindir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(found, bindir / "llama-server")
    for p in (lab.home / "dev", *bindir.relative_to(lab.home).parents, bindir, bindir / "llama-server"):
        shutil.chown(lab.home / p, lab.account.user)
    shutil.copy2(tiny_gguf, f"{lab.sandbox}/tiny.gguf")
    shutil.chown(f"{lab.sandbox}/tiny.gguf", lab.account.user)
    return f"{lab.sandbox}/tiny.gguf"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@settings(FEW, max_examples=10)
@given(
    name=segment, extra=st.one_of(st.just(""), hostile, st.sampled_from(["--alias x", "-n 4", "--temp -1"]))
)
def test_server_start_runs_llama_server_with_exactly_the_planned_argv(
    board: Board, lab: BoardLab, served_model: str, name: str, extra: str
) -> None:
    from rubikpi_studio.core import server
    from rubikpi_studio.core.events import Event

    try:
        flags = server.parse_extra_flags(extra)
    except Exception as exc:
        expect_typed(exc)
        flags = ()
    link = Path(lab.sandbox, f"srv-{secrets.token_hex(3)}", name)
    try:
        link.parent.mkdir()
        link.symlink_to(served_model)
    except (OSError, ValueError):  # a name the local file system refuses (too long, NUL)
        event("name refused locally")
        return
    pw = pwd.getpwnam(lab.account.user)
    os.lchown(link, pw.pw_uid, pw.pw_gid)
    shutil.chown(link.parent, lab.account.user)
    spec = server.ServerSpec(model=str(link), gpu=False, ctx=256, port=_free_port(), extra=flags)
    seen: list[Event] = []
    try:
        handle = server.start(board, spec, report=seen.append, ready_timeout=60)
    except Exception as exc:
        expect_typed(exc)
        event(f"refused: {type(exc).__name__}")
        server.stop(board)
        return
    try:
        argv = next(ev.data["argv"] for ev in seen if ev.step == "command")
        pid = Path(f"{server.state_dir(board)}/server.pid").read_text().strip()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        assert [a.decode() for a in cmdline] == argv
        assert argv[argv.index("-m") + 1] == str(link)
        event("served")
    finally:
        server.stop(board, handle)


# --- chat: any text to the real llama-server on the board, through the SSH tunnel ----------------------


@pytest.fixture(scope="module")
def chat_server(lab: BoardLab, served_model: str) -> Iterator[Any]:
    from rubikpi_studio.core import server

    spec = server.ServerSpec(model=served_model, gpu=False, ctx=512, port=_free_port())
    handle = server.start(lab.board, spec, ready_timeout=60)
    try:
        yield handle
    finally:
        server.stop(lab.board, handle)


@settings(FEW, max_examples=15)
@given(text=st.one_of(hostile_nul, st.text(alphabet=st.characters(exclude_categories=()), max_size=80)))
def test_chat_any_text_through_the_tunnel(board: Board, chat_server: Any, text: str) -> None:
    from rubikpi_studio.core.chat import ChatMessage, ChatParams, stream_chat
    from rubikpi_studio.core.events import CancelToken

    with chat_server.endpoint() as ep:
        try:
            result = stream_chat(
                ep,
                [ChatMessage("user", text)],
                ChatParams(max_tokens=4, system_prompt=text),
                on_delta=lambda _d: None,
                cancel=CancelToken(),
            )
        except Exception as exc:
            expect_typed(exc)
            event(f"refused: {type(exc).__name__}")
            return
    event("answered")
    assert result.usage is None or result.usage.completion_tokens <= 4
