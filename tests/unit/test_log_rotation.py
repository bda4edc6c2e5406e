"""The GUI's log file rolls over by size and keeps a fixed number of old files (ui.app.RotatingLog)."""

from __future__ import annotations

import logging
from pathlib import Path

from rubikpi_studio.ui.app import RotatingLog


def make_logger(path: Path, max_bytes: int, backups: int) -> tuple[logging.Logger, RotatingLog]:
    handler = RotatingLog(path, max_bytes=max_bytes, backups=backups)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(f"test-rotation-{path}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


def test_rolls_over_by_size_and_keeps_the_newest_backups(tmp_path: Path) -> None:
    tmp_path = tmp_path / "logs"
    tmp_path.mkdir()
    path = tmp_path / "app.log"
    logger, handler = make_logger(path, max_bytes=100, backups=2)
    try:
        for n in range(50):  # 9 bytes a line, 11 lines a file: more than the 3 files hold
            logger.info("line %03d", n)  # "line 000" + newline = 9 bytes
    finally:
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["app.log", "app.log.1", "app.log.2"]  # no app.log.3: two backups kept
    for name in files:
        assert (tmp_path / name).stat().st_size <= 100
    current = path.read_text(encoding="utf-8").splitlines()
    newer = (tmp_path / "app.log.1").read_text(encoding="utf-8").splitlines()
    older = (tmp_path / "app.log.2").read_text(encoding="utf-8").splitlines()
    assert current[-1] == "line 049"
    # Consecutive and in order across the files: nothing lost between the kept ones.
    kept = older + newer + current
    numbers = [int(line.split()[1]) for line in kept]
    assert numbers == list(range(numbers[0], 50))
    assert numbers[0] > 0  # the oldest lines went with the file beyond the backups


def test_non_ascii_lines_count_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    logger, handler = make_logger(path, max_bytes=64, backups=1)
    try:
        for _ in range(6):
            logger.info("连接到开发板")  # 18 bytes in UTF-8 (+ newline), 6 characters
    finally:
        handler.close()
    assert path.stat().st_size <= 64
    assert (tmp_path / "app.log.1").stat().st_size <= 64


def test_appends_to_an_existing_log(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("earlier run\n", encoding="utf-8")
    logger, handler = make_logger(path, max_bytes=10_000, backups=1)
    try:
        logger.info("this run")
    finally:
        handler.close()
    assert path.read_text(encoding="utf-8") == "earlier run\nthis run\n"


def test_a_record_larger_than_the_limit_does_not_roll_an_empty_file(tmp_path: Path) -> None:
    tmp_path = tmp_path / "logs"
    tmp_path.mkdir()
    path = tmp_path / "app.log"
    logger, handler = make_logger(path, max_bytes=10, backups=3)
    try:
        logger.info("x" * 50)  # alone in the file: nothing to roll
        logger.info("y" * 50)  # the file holds a record now: roll it
    finally:
        handler.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log", "app.log.1"]
    assert (tmp_path / "app.log.1").read_text(encoding="utf-8") == "x" * 50 + "\n"
    assert path.read_text(encoding="utf-8") == "y" * 50 + "\n"
