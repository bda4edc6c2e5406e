"""The core stays Qt-free: the CLI and the tests drive it without PySide6 (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "rubikpi_studio" / "core"
FORBIDDEN = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qasync")


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_has_modules() -> None:
    assert _core_files(), f"no modules under {CORE}"


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_qt(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"{path.name}:{line}: imports {name}"
        for line, name in _imports(tree)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not bad, "core/ must not import Qt or qasync:\n" + "\n".join(bad)


def test_checker_catches_an_import() -> None:
    tree = ast.parse("import os\nfrom PySide6.QtCore import QObject\nimportlib.import_module('qasync')\n")
    names = [name for _, name in _imports(tree)]
    assert "PySide6.QtCore" in names and "qasync" in names
