""" "Report a problem": the zip holds logs, facts and versions, and no secret survives in it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from rubikpi_studio.core import report
from rubikpi_studio.core.report import REMOVED, make_report, scrub, scrub_data

BOARD_PASSWORD = "rubik pi'3 $HOME"
HF_TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
API_KEY = "sk-lan-5f4dcc3b5aa765d61d8327deb882cf99"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("connecting with password=hunter2 to board", "hunter2"),
        ("password: 'tr0ub4dor&3'", "tr0ub4dor&3"),
        ('{"password": "correct horse battery"}', "correct horse battery"),
        ("sudo_password=abc123xyz", "abc123xyz"),
        ("GET /v1/models Authorization: Bearer abcdef123456", "abcdef123456"),
        ("authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("X-Api-Key: qwerty987", "qwerty987"),
        ("llama-server -m m.gguf --api-key 0123456789abcdef --port 8080", "0123456789abcdef"),
        ("llama-server --api-key=zz9plural", "zz9plural"),
        ("HF_TOKEN=hf_secretvalue_here", "hf_secretvalue_here"),
        ("token=deadbeefcafe", "deadbeefcafe"),
        ("api_key: sekrit-key", "sekrit-key"),
        (f"downloading with {HF_TOKEN} attached", HF_TOKEN),
        ("cloning https://user:pa55word@example.com/repo.git", "pa55word"),
        ("passphrase=myphrase", "myphrase"),
    ],
)
def test_patterns_remove_secrets(line: str, secret: str) -> None:
    out = scrub(line)
    assert secret not in out, out
    assert REMOVED in out


def test_known_values_are_removed_wherever_they_appear() -> None:
    text = f"user typed {BOARD_PASSWORD} into a field\nand the key {API_KEY} and {HF_TOKEN}\n"
    out = scrub(text, [BOARD_PASSWORD, API_KEY, HF_TOKEN])
    for secret in (BOARD_PASSWORD, API_KEY, HF_TOKEN):
        assert secret not in out
    assert out.count(REMOVED) == 3


def test_ordinary_log_lines_stay_readable() -> None:
    lines = [
        "2026-01-01 INFO rubikpi_studio.core.ssh connected to ubuntu@192.168.1.5:22",
        "step build 0.42 compiling ggml (120/287)",
        "The board asks ubuntu to choose a new password before anything else.",
        "load_tensors: offloaded 29/29 layers to GPU",
    ]
    for line in lines:
        assert scrub(line) == line


def test_scrub_data_removes_values_under_secret_keys() -> None:
    data = {"host": "10.0.0.2", "api_key": "abc", "nested": [{"hf_token": "xyz"}, "password=p"], "n": 3}
    out = scrub_data(data)
    assert out == {
        "host": "10.0.0.2",
        "api_key": REMOVED,
        "nested": [{"hf_token": REMOVED}, f"password={REMOVED}"],
        "n": 3,
    }


def test_report_zip_has_logs_facts_versions_and_no_secret(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "rubikpi-studio.log").write_text(
        "INFO start\n"
        f"DEBUG login ubuntu password={BOARD_PASSWORD}\n"
        f"DEBUG typed {BOARD_PASSWORD} again\n"
        f"INFO llama-server --api-key {API_KEY} --port 8080\n"
        f"DEBUG Authorization: Bearer {API_KEY}\n"
        f"DEBUG HF token {HF_TOKEN}\n"
        "INFO done\n",
        encoding="utf-8",
    )
    (logs / "rubikpi-studio.log.1").write_text(f"old line token={HF_TOKEN}\n", encoding="utf-8")
    facts = {"RUBIK Pi": {"hostname": "ubuntu", "arch": "aarch64", "mem_total_kb": 7800000}}
    boards = [{"name": "RUBIK Pi", "host": "192.168.1.5", "user": "ubuntu", "remember_password": True}]
    out = make_report(
        tmp_path / "out" / "report.zip",
        log_dir=logs,
        app_version="0.1.0",
        facts=facts,
        boards=boards,
        known=[BOARD_PASSWORD, API_KEY, HF_TOKEN],
    )
    assert out.is_file()
    assert not (tmp_path / "out" / "report.zip.part").exists()
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert names == {
            "logs/rubikpi-studio.log",
            "logs/rubikpi-studio.log.1",
            "board-facts.json",
            "system.json",
            "README.txt",
        }
        blobs = {n: zf.read(n) for n in names}
    for name, blob in blobs.items():
        for secret in (BOARD_PASSWORD, API_KEY, HF_TOKEN):
            assert secret.encode() not in blob, (name, secret)
    log_text = blobs["logs/rubikpi-studio.log"].decode()
    assert "INFO start" in log_text and "INFO done" in log_text
    assert log_text.count(REMOVED) >= 5
    assert json.loads(blobs["board-facts.json"])["RUBIK Pi"]["arch"] == "aarch64"
    system = json.loads(blobs["system.json"])
    assert system["app_version"] == "0.1.0" and system["python"]
    assert system["boards"][0]["host"] == "192.168.1.5"


def test_known_secrets_come_from_the_keyring(
    keyring_backend: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from rubikpi_studio.core import secrets

    secrets.put("password", "ubuntu@10.9.8.7", BOARD_PASSWORD)
    secrets.put("hf_token", "https://huggingface.co", HF_TOKEN)
    try:
        found = report.known_secrets(["ubuntu@10.9.8.7"], hf_endpoints=["https://huggingface.co"])
        assert BOARD_PASSWORD in found and HF_TOKEN in found
        logs = tmp_path / "logs"
        logs.mkdir()
        (logs / "a.log").write_text(f"pw {BOARD_PASSWORD} tok {HF_TOKEN}\n")
        out = make_report(tmp_path / "r.zip", log_dir=logs, app_version="x", known=found)
        with zipfile.ZipFile(out) as zf:
            assert zf.read("logs/a.log").decode() == f"pw {REMOVED} tok {REMOVED}\n"
    finally:
        secrets.delete("password", "ubuntu@10.9.8.7")
        secrets.delete("hf_token", "https://huggingface.co")


def test_known_secrets_without_a_keyring_gives_the_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report.secrets, "status", lambda: (False, "no keyring"))
    assert report.known_secrets(["u@h"], extra=["a", ""]) == ["a"]
