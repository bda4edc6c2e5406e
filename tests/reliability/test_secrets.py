"""Secrets (issue 10, part 4): the app's secret-carrying paths, run for real, leave no secret behind.

Known secret strings go through every path that carries one: password login (remembered in the keyring),
a passphrase-protected key, sudo through the core's responder and through the setup job, a Hugging Face
token to a gated download job, and a LAN API key (from the keyring) to llama-server and the chat. While
they run, the board accounts' command lines are sampled from /proc every 10 ms (`ps -eo args`); afterwards
the app's files (settings, known_hosts, history DB, DEBUG log, a problem report), the board account's home
and its temporary files are searched for every secret in plain, base64, shell-quoted and URL-encoded form.

The scanners are checked first: a secret planted in each kind of place is found, so a clean result means
something. The same scanners run over the whole suite at the end of the session (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets as pysecrets
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import rig
from reliability_lab import MODEL_NAME, Lab
from rig import models as rig_models
from rig import secretscan
from rig.hf_server import HfServer
from rig.llama_server import free_port
from rig.secretscan import TMP_DIRS, ProcSampler, SecretSet, scan_board_files, scan_files

from rubikpi_studio.core import boards, report, server
from rubikpi_studio.core import models as m
from rubikpi_studio.core import secrets as keyring_secrets
from rubikpi_studio.core.catalogue import parse_model_ref
from rubikpi_studio.core.chat import ChatMessage, ChatParams, ServerEndpoint, stream_chat
from rubikpi_studio.core.errors import RemoteFailed
from rubikpi_studio.core.events import CancelToken, Event
from rubikpi_studio.core.setup import SetupSpec, run_setup
from rubikpi_studio.core.ssh import Board, KnownHosts, Target
from rubikpi_studio.core.store import ChatStore

ROOT = Path(__file__).resolve().parents[2]
GATED = "org/gated-GGUF"
TINY = "tiny-f16.gguf"
NO_SUCH_PACKAGE = "rps-no-such-package-for-sudo-test"


# --- the scanners can fail ---------------------------------------------------------------------------------


def test_file_scanner_finds_every_form_of_a_planted_secret(tmp_path: Path) -> None:
    secret = f"s3cret pw'{pysecrets.token_hex(4)} $HOME"
    known = SecretSet()
    known.add("planted", secret)
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "settings.json").write_text(json.dumps({"host": "10.0.0.2", "password": "[removed]"}))
    assert scan_files([clean], known) == []

    import shlex
    import urllib.parse

    forms = {
        "plain": secret,
        "base64": base64.b64encode(secret.encode()).decode(),
        "shell-quoted": shlex.quote(secret),
        "url-encoded": urllib.parse.quote(secret, safe=""),
    }
    for form, text in forms.items():
        (tmp_path / f"{form}.log").write_text(f"INFO something {text} more\n")
    with zipfile.ZipFile(tmp_path / "report.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logs/app.log", f"DEBUG {secret}\n" * 50)  # deflated: only the member holds it
    found = scan_files([tmp_path], known)
    where = {(Path(f.where.split("!")[0]).name, f.form) for f in found}
    for form in forms:
        assert (f"{form}.log", form) in where, found
    assert any(f.where.endswith("report.zip!logs/app.log") for f in found), found
    assert all(secret not in str(f) for f in found), "a finding must name the secret, not show it"


def test_board_scanner_finds_a_planted_secret_in_a_home_and_in_tmp(fresh_account: rig.RigAccount) -> None:
    lab = fresh_account
    secret = f"board-side {pysecrets.token_hex(6)}"
    known = SecretSet()
    known.add("planted", secret)
    home = str(lab.home)
    assert scan_board_files([home], known) == []
    planted = f"{home}/.local/state/rubikpi-studio/planted-{pysecrets.token_hex(3)}"
    tmp_file = f"/tmp/rps-planted-{pysecrets.token_hex(3)}"
    plant = f'mkdir -p "$(dirname {planted})"; printf "x=%s\\n" "$1" > {planted}'
    assert rig.run_as(lab.user, ["bash", "-c", plant, "plant", secret]).returncode == 0
    script = f'printf "%s" "$1" | base64 > {tmp_file}'
    assert rig.run_as(lab.user, ["bash", "-c", script, "plant", secret]).returncode == 0
    try:
        assert [f.where for f in scan_board_files([home], known)] == [planted]
        assert [f.where for f in scan_board_files(TMP_DIRS, known, owner=lab.user)] == [tmp_file]
        assert scan_board_files([home], known, allow=lambda p: p == planted) == []
    finally:
        rig.run_as(lab.user, f"rm -f {planted} {tmp_file}")


def test_process_sampler_sees_a_secret_in_a_board_command_line(fresh_account: rig.RigAccount) -> None:
    lab = fresh_account
    secret = f"argv-secret-{pysecrets.token_hex(6)}"
    known = SecretSet()
    known.add("planted", secret)
    with ProcSampler(interval=0.01) as sampler:
        rig.run_as(lab.user, ["bash", "-c", "sleep 0.3; true", "leaky", "--password", secret])
    assert sampler.samples > 5
    found = sampler.scan(known)
    assert found and found[0].secret == "planted", sampler.lines
    assert secret not in str(found[0])


def test_end_of_session_scan_fails_a_run_that_wrote_a_secret(tmp_path: Path) -> None:
    """The suite's own hook (tests/conftest.py), run on a one-test session that writes the board password
    into its studio home: the session fails and names the file."""
    (tmp_path / "test_leak.py").write_text(
        textwrap.dedent(
            """
            from rig.sshd import BOARD_PASSWORD

            def test_leak(studio_home):
                (studio_home / "boards.json").write_text('{"password": "%s"}' % BOARD_PASSWORD)

            def test_clean(studio_home):
                (studio_home / "boards.json").write_text('{}')
            """
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)]),
    }
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest"]
    cmd += [
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(tmp_path),
        "--basetemp",
        str(tmp_path / "bt"),
    ]
    out = subprocess.run(
        [*cmd, "test_leak.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "2 passed" in out.stdout
    assert "secrets scan" in out.stdout
    assert "test_leak.py::test_leak" in out.stdout and "boards.json" in out.stdout
    assert "test_clean" not in out.stdout.split("secrets scan", 1)[1]
    assert rig.BOARD_PASSWORD not in out.stdout


# --- the secret-carrying paths ------------------------------------------------------------------------------


@pytest.fixture
def app_log(studio_home: Path) -> Iterator[Path]:
    """The GUI's own log set-up (rotating file in the app's log folder), at DEBUG, paramiko included."""
    from rubikpi_studio.ui.app import setup_logging
    from rubikpi_studio.ui.paths import dirs_from_env

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    dirs = dirs_from_env()
    assert dirs is not None
    path = setup_logging(dirs, level=logging.DEBUG)
    yield path
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def hf() -> Iterator[HfServer]:
    with HfServer() as server_:
        yield server_


def _password_target(lab: Lab, password: str) -> Target:
    return Target(
        lab.sshd.host, lab.sshd.port, lab.user, password=password, look_for_keys=False, use_agent=False
    )


def test_secret_carrying_paths_leave_no_secret_in_files_or_command_lines(
    lab: Lab, hf: HfServer, keyring_backend: object, studio_home: Path, app_log: Path
) -> None:
    account = lab.account
    hf_token = "hf_" + pysecrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
    known = SecretSet()
    known.add("login/sudo password", account.password)
    known.add("key passphrase", account.passphrase)
    known.add("Hugging Face token", hf_token)
    secretscan.register("Hugging Face token", hf_token)
    kh = KnownHosts(studio_home / "known_hosts", system_paths=[])
    hf.add_file(GATED, TINY, rig_models.tiny_f16_path())
    hf.require_token(GATED, hf_token)
    hf.set_rate(GATED, TINY, 120_000)  # ~1.5 s: long enough for the sampler to see curl's command line
    events: list[Event] = []
    port = free_port()
    api_key = ""

    with ProcSampler(interval=0.01) as sampler:
        # 1. Password login, remembered in the keyring like the Board page does; the board in boards.json.
        profile = boards.BoardProfile(
            name="rig", host=lab.sshd.host, port=lab.sshd.port, user=lab.user, remember_password=True
        )
        registry = boards.BoardRegistry()
        registry.upsert(profile)
        assert boards.remember_password(profile, account.password) == (True, "")
        assert boards.stored_password(profile) == account.password
        board = Board.connect(_password_target(lab, account.password), kh, accept_new_host_key=True)
        try:
            # 2. A passphrase-protected key.
            target = Target(
                lab.sshd.host, lab.sshd.port, lab.user, identity=str(account.passphrase_key_path),
                passphrase=account.passphrase, look_for_keys=False, use_agent=False,
            )  # fmt: skip
            Board.connect(target, kh).close()

            # 3. sudo through the core's responder, slow enough to be sampled.
            result = board.sudo("id -u; sleep 0.5", account.password)
            assert result.stdout.split()[0] == "0"

            # 4. sudo through the setup job: the deps step validates the password with sudo, then apt-get
            # fails on a package that does not exist (so nothing is installed on this machine).
            spec = SetupSpec(
                steps=("deps",), extra_env={"RPS_APT_PACKAGES": NO_SUCH_PACKAGE, "RPS_APT_UPDATE": "never"}
            )
            with pytest.raises(RemoteFailed) as info:
                run_setup(board, spec, sudo_password=account.password, report=events.append)
            assert info.value.code == "E_APT", info.value  # not E_SUDO: sudo took the password

            # 5. The HF token to a gated download job.
            request = m.DownloadRequest.from_ref(parse_model_ref(f"{GATED}/{TINY}", hf.endpoint))
            model = m.pull(board, request, token=hf_token, report=events.append)
            assert model.quantization == "F16"
            assert all(r.authorization for r in hf.requests_for(GATED, TINY))

            # 6. The LAN API key: made and kept in the keyring by the app, handed to llama-server.
            spec_s = server.ServerSpec(
                model=f"~/dev/llm/models/{MODEL_NAME}", port=port, threads=2, gpu=False, lan=True
            )
            handle = server.start(board, spec_s, report=events.append)
            try:
                api_key = keyring_secrets.get("llama-api-key", server.lan_key_ident(board)) or ""
                assert api_key and handle.api_key == api_key
                known.add("LAN API key", api_key)
                secretscan.register("LAN API key", api_key)
                url = f"http://127.0.0.1:{port}"
                assert requests.get(f"{url}/v1/models", timeout=10).status_code == 401
                # 7. A chat turn with the key, kept in the history database.
                store = ChatStore(studio_home / "history.db")
                try:
                    cid = store.create_conversation(model=MODEL_NAME)
                    store.add_message(cid, "user", "Say hello.")
                    mid = store.begin_assistant_message(cid)
                    with ServerEndpoint(url, api_key) as ep:
                        res = stream_chat(
                            ep, [ChatMessage("user", "Say hello.")], ChatParams(max_tokens=16),
                            on_delta=lambda d: store.append_delta(mid, d.text), cancel=CancelToken(),
                        )  # fmt: skip
                    store.finish_with_result(mid, res)
                    assert res.content
                finally:
                    store.close()
            finally:
                server.stop(board)
        finally:
            board.close()
        # 8. The CLI with a password on stdin (what scripts use).
        cli = subprocess.run(
            [sys.executable, "-m", "rubikpi_studio.cli", "probe", lab.sshd.host, "--port", str(lab.sshd.port),
             "--user", lab.user, "--password-stdin", "--known-hosts", str(studio_home / "known_hosts"),
             "--json"],
            input=account.password + "\n", capture_output=True, text=True, timeout=120, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert cli.returncode == 0, cli.stderr
        assert known.find_in((cli.stdout + cli.stderr).encode(), "cli output") == []

    # 9. A problem report, as "Report a problem" writes it (logs scrubbed with the keyring's secrets).
    found_in_keyring = report.known_secrets([profile.ident])
    assert account.password in found_in_keyring
    make_report_path = report.make_report(
        studio_home / "reports" / "problem.zip", log_dir=app_log.parent, app_version="test",
        boards=[{"name": profile.name, "host": profile.host, "user": profile.user}], known=found_in_keyring,
    )  # fmt: skip
    assert make_report_path.is_file()

    # The paths really ran and were watched: the job scripts, sudo, curl and llama-server were sampled.
    for program in ("setup.sh", "sudo", "model-download.sh", "curl", "llama-server"):
        assert sampler.seen(program), (
            f"{program} never showed up in the process list ({sampler.samples} samples)"
        )
    assert app_log.stat().st_size > 0 and (studio_home / "history.db").exists()
    assert (studio_home / "boards.json").exists() and (studio_home / "known_hosts").exists()

    leaks = sampler.scan(known)
    leaks += scan_files([studio_home], known)
    leaks += scan_board_files([str(lab.home)], known)
    leaks += scan_board_files(TMP_DIRS, known, owner=lab.user)
    assert leaks == [], "\n".join(map(str, leaks))
