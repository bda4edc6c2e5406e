"""Qt helpers for the GUI tests (imported only by them: the rest of the rig stays free of Qt)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox


def visible_boxes() -> list[QMessageBox]:
    """The message boxes on screen now (what the user is being asked or told)."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
