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
import secrets
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rig import faults

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
    board = faults.connect(account, rig_sshd.port, kh)
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
