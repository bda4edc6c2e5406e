"""Dialogs shared by the pages: waiting for a dialog without a nested event loop, and asking for a secret.

Their own module so the first window (the Board page) does not create their Qt classes before one is opened.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget


async def dialog_result(dialog: QDialog) -> int:
    """Open a dialog window-modally and wait for its result without a nested event loop."""
    import asyncio  # not at start-up: the first window paints before asyncio loads (see app.run)

    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.open()
    return await future


async def ask_secret(parent: QWidget, label: str) -> str | None:
    """Ask for a password or passphrase (echo off) without a nested event loop; None if cancelled or empty."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setObjectName("secretPrompt")
    dialog.setWindowTitle("RUBIK Pi Studio")
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    result = await dialog_result(dialog)
    text = dialog.textValue()
    dialog.deleteLater()
    return text if result == QDialog.DialogCode.Accepted and text else None
