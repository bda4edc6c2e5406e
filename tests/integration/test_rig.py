"""The board rig itself works: real sshd, accounts, sudo and faults, checked with real clients."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import rig

SUDO_PROMPT = "[rps-sudo] password: "


def _ssh(
    sshd: rig.RigSshd,
    account: rig.RigAccount,
    known_hosts: Path,
    command: str,
    *,
    port: int | None = None,
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    """OpenSSH's own client, key login only, host key strictly checked."""
    argv = [
        "ssh", "-p", str(port or sshd.port), "-i", str(account.key_path),
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none", "-F", "/dev/null",
        f"{account.user}@{sshd.host}", command,
    ]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def _client(
    known_hosts: Path, account: rig.RigAccount, port: int, **auth: object
) -> Iterator[paramiko.SSHClient]:
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            "127.0.0.1", port, username=account.user, allow_agent=False, look_for_keys=False, timeout=15,
            **auth,  # type: ignore[arg-type]
        )  # fmt: skip
        yield client
    finally:
        client.close()


def _run(client: paramiko.SSHClient, command: str, stdin: str | None = None) -> tuple[int, str, str]:
    chan_in, out, err = client.exec_command(command, timeout=30)
    if stdin is not None:
        chan_in.write(stdin)
        chan_in.channel.shutdown_write()
    status = out.channel.recv_exit_status()
    return status, out.read().decode(), err.read().decode()


# --- sshd and the board account ---------------------------------------------------------------------------


def test_openssh_client_logs_in_with_key(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    result = _ssh(rig_sshd, rig_account, tmp_known_hosts, 'id -un; echo "$SHELL"; pwd')
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [rig_account.user, "/bin/bash", str(rig_account.home)]
    assert f"Accepted publickey for {rig_account.user} from 127.0.0.1" in rig_sshd.log_text()


def test_openssh_client_refuses_a_changed_host_key(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_path: Path
) -> None:
    other = tmp_path / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    key_type, b64 = Path(f"{other}.pub").read_text().split()[:2]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{rig_sshd.port} {key_type} {b64}\n")
    result = _ssh(rig_sshd, rig_account, known_hosts, "true")
    assert result.returncode == 255
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in result.stderr


def test_host_public_key_is_what_the_server_presents(rig_sshd: rig.RigSshd) -> None:
    with socket.create_connection((rig_sshd.host, rig_sshd.port)) as sock:
        transport = paramiko.Transport(sock)
        try:
            transport.start_client(timeout=15)
            assert transport.get_remote_server_key() == rig_sshd.host_public_key()
        finally:
            transport.close()


def test_paramiko_password_login(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    with _client(tmp_known_hosts, rig_account, rig_sshd.port, password=rig_account.password) as client:
        assert _run(client, "id -un") == (0, f"{rig_account.user}\n", "")
    assert f"Accepted password for {rig_account.user}" in rig_sshd.log_text()


def test_paramiko_wrong_password_is_refused(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    with (
        pytest.raises(paramiko.AuthenticationException),
        _client(tmp_known_hosts, rig_account, rig_sshd.port, password="not the password"),
    ):
        pass


def test_passphrase_key_needs_its_passphrase(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    with pytest.raises(paramiko.PasswordRequiredException):
        paramiko.RSAKey.from_private_key_file(str(rig_account.passphrase_key_path))
    key = paramiko.RSAKey.from_private_key_file(str(rig_account.passphrase_key_path), rig_account.passphrase)
    with _client(tmp_known_hosts, rig_account, rig_sshd.port, pkey=key) as client:
        assert _run(client, "echo ok")[:2] == (0, "ok\n")


def test_board_home_is_kept_between_sessions(rig_account: rig.RigAccount) -> None:
    # ensure_account again (as a new session does) must not wipe what the board holds
    marker = ".rig-keep-marker"
    assert rig.run_as(rig_account.user, f"touch ~/{marker}").returncode == 0
    again = rig.ensure_account()
    assert again.home == rig_account.home
    assert rig.run_as(rig_account.user, f"test -f ~/{marker} && rm ~/{marker}").returncode == 0


# --- sudo -------------------------------------------------------------------------------------------------


def test_sudo_wants_the_password(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    with _client(tmp_known_hosts, rig_account, rig_sshd.port, password=rig_account.password) as client:
        status, _, err = _run(client, "sudo -n true")
        assert status == 1
        assert "a password is required" in err

        status, _, err = _run(client, f"sudo -S -p '{SUDO_PROMPT}' true", stdin="wrong password\n")
        assert status == 1
        assert "Sorry, try again." in err

        status, out, err = _run(
            client, f"sudo -S -p '{SUDO_PROMPT}' id -u", stdin=rig_account.password + "\n"
        )
        assert (status, out) == (0, "0\n"), err
        assert SUDO_PROMPT in err


# --- throw-away accounts ----------------------------------------------------------------------------------


def test_expired_account_must_change_its_password(
    rig_sshd: rig.RigSshd, expired_account: rig.RigAccount, tmp_known_hosts: Path
) -> None:
    with _client(
        tmp_known_hosts, expired_account, rig_sshd.port, password=expired_account.password
    ) as client:
        status, out, err = _run(client, "echo should-not-run")
    assert status == 1
    assert "should-not-run" not in out
    assert "Password change required" in out + err


def test_fresh_account_is_empty_and_goes_away(rig_sshd: rig.RigSshd, tmp_known_hosts: Path) -> None:
    account = rig.make_fresh_account()
    try:
        assert account.user != rig.BOARD_USER
        listing = rig.run_as(account.user, "ls -A ~ | grep -v '^\\.' || true")
        assert listing.returncode == 0
        assert listing.stdout == ""
        with _client(tmp_known_hosts, account, rig_sshd.port, key_filename=str(account.key_path)) as client:
            assert _run(client, "id -un")[:2] == (0, f"{account.user}\n")
        left = rig.run_as(account.user, "sleep 300 >/dev/null 2>&1 & echo $!")
        assert left.returncode == 0
    finally:
        rig.remove_account(account)
    assert subprocess.run(["id", account.user], capture_output=True).returncode != 0
    assert not account.home.exists()
    assert not account.key_path.exists()
    assert subprocess.run(["pgrep", "-u", account.user], capture_output=True).returncode != 0


def test_remove_account_refuses_the_board_account() -> None:
    with pytest.raises(ValueError, match="refusing"):
        rig.remove_account(rig.BOARD_USER)


def test_run_as_runs_as_that_user(rig_account: rig.RigAccount) -> None:
    result = rig.run_as(rig_account.user, ["id", "-un"])
    assert (result.returncode, result.stdout) == (0, f"{rig_account.user}\n")


# --- the fault proxy --------------------------------------------------------------------------------------


@pytest.fixture
def proxy(rig_sshd: rig.RigSshd) -> Iterator[rig.FaultProxy]:
    with rig.FaultProxy(rig_sshd.port) as p:
        yield p


def test_proxy_forwards_and_counts(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, proxy: rig.FaultProxy, tmp_path: Path
) -> None:
    known_hosts = rig_sshd.write_known_hosts(tmp_path / "known_hosts", proxy.port)
    with _client(known_hosts, rig_account, proxy.port, password=rig_account.password) as client:
        status, out, _ = _run(client, "head -c 300000 /dev/zero | wc -c")
        assert (status, out.strip()) == (0, "300000")
        assert proxy.connections == 1
    assert proxy.accepted == 1
    assert proxy.bytes_up > 1000
    assert proxy.bytes_down > 1000


def test_proxy_cut_ends_an_openssh_session(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, proxy: rig.FaultProxy, tmp_path: Path
) -> None:
    known_hosts = rig_sshd.write_known_hosts(tmp_path / "known_hosts", proxy.port)
    argv = [
        "ssh", "-p", str(proxy.port), "-i", str(rig_account.key_path), "-F", "/dev/null",
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        f"{rig_account.user}@127.0.0.1", "echo $$; exec sleep 120",
    ]  # fmt: skip
    ssh = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    remote_pid = ""
    try:
        assert ssh.stdout is not None
        remote_pid = ssh.stdout.readline().strip()
        assert remote_pid.isdigit()
        assert proxy.cut() == 1
        assert ssh.wait(timeout=30) == 255
        # Without a PTY sshd does not signal the command when the connection dies: it keeps running, as a
        # real board's would (the app's jobs are detached anyway; this is the fact they must not rely on).
        alive = rig.run_as(rig_account.user, ["kill", "-0", remote_pid])
        assert alive.returncode == 0
    finally:
        if ssh.poll() is None:
            ssh.kill()
        ssh.communicate()
        if remote_pid.isdigit():
            rig.run_as(rig_account.user, ["kill", remote_pid])


def test_proxy_stall_and_resume_a_paramiko_session(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, proxy: rig.FaultProxy, tmp_path: Path
) -> None:
    known_hosts = rig_sshd.write_known_hosts(tmp_path / "known_hosts", proxy.port)
    with _client(known_hosts, rig_account, proxy.port, password=rig_account.password) as client:
        transport = client.get_transport()
        assert transport is not None
        proxy.stall()
        before = (proxy.bytes_up, proxy.bytes_down)
        with pytest.raises(paramiko.SSHException, match="Timeout opening channel"):
            transport.open_session(timeout=1)
        assert (proxy.bytes_up, proxy.bytes_down) == before
        assert transport.is_active()  # the socket stays open
        proxy.resume()
        assert _run(client, "echo back")[:2] == (0, "back\n")
        proxy.cut()
        deadline = time.monotonic() + 15
        while transport.is_active():
            assert time.monotonic() < deadline, "transport still active after cut"
            time.sleep(0.05)


def test_proxy_rate_limit_slows_a_transfer(
    rig_sshd: rig.RigSshd, rig_account: rig.RigAccount, proxy: rig.FaultProxy, tmp_path: Path
) -> None:
    known_hosts = rig_sshd.write_known_hosts(tmp_path / "known_hosts", proxy.port)
    with _client(known_hosts, rig_account, proxy.port, password=rig_account.password) as client:
        proxy.set_rate(1_000_000)
        started = time.monotonic()
        status, out, _ = _run(client, "head -c 1000000 /dev/zero")
        elapsed = time.monotonic() - started
        proxy.set_rate(None)
    assert (status, len(out)) == (0, 1_000_000)
    # a lower bound only: a slow machine makes it slower, never faster than the limit allows
    assert elapsed >= 0.8


# --- the test environment ---------------------------------------------------------------------------------


def test_app_files_are_isolated_per_test(studio_home: Path, tmp_path: Path) -> None:
    assert os.environ["RUBIKPI_STUDIO_HOME"] == str(studio_home)
    assert studio_home.is_relative_to(tmp_path)
    if os.environ.get("RPS_TEST_DISPLAY") != "1":
        assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_keyring_round_trip_on_a_private_secret_service(keyring_backend: object) -> None:
    import keyring

    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    keyring.set_password("rubikpi-studio-test", "rpsboard@127.0.0.1", "s3cret 'pw'")
    assert keyring.get_password("rubikpi-studio-test", "rpsboard@127.0.0.1") == "s3cret 'pw'"
    keyring.delete_password("rubikpi-studio-test", "rpsboard@127.0.0.1")
    assert keyring.get_password("rubikpi-studio-test", "rpsboard@127.0.0.1") is None
