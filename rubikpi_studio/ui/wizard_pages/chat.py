"""Step 9, first chat: a prompt, pre-filled, sent on the Chat page of the main window, where the answer
streams. The wizard closes as the question is sent; the conversation stays in the chat history.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout

from ..i18n import QT_TRANSLATE_NOOP
from .base import Step, spawn, wrap

if TYPE_CHECKING:
    from ..wizard import SetupWizard

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0  # seconds for the Chat page to reach the server through its own forward


class ChatStep(Step):
    name = "chat"
    title = QT_TRANSLATE_NOOP("Wizard", "First chat")

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.intro = wrap(QLabel())
        self.server_label = wrap(QLabel())
        self.server_label.setObjectName("chatServerNote")
        self.server_label.setProperty("i18n_skip", True)  # repeats the server step's translated outcome
        self.prompt_label = QLabel()
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setObjectName("firstPrompt")
        self.error = wrap(QLabel())
        self.error.setObjectName("chatError")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.server_label)
        layout.addWidget(self.prompt_label)
        layout.addWidget(self.prompt_edit)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self._default_prompt = ""
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(
            QCoreApplication.translate(
                "Wizard",
                "Everything is ready. Ask the model something: the answer appears on the Chat page, where "
                "you can go on chatting.",
            )
        )
        self.prompt_label.setText(QCoreApplication.translate("Wizard", "Your first question:"))
        default = QCoreApplication.translate("Wizard", "Hello! In two sentences, what can you do?")
        if not self.prompt_edit.text() or self.prompt_edit.text() == self._default_prompt:
            self.prompt_edit.setText(default)
        self._default_prompt = default
        if getattr(self.wizard, "steps", None):  # not while the wizard is still being built
            self._show_server()

    def _show_server(self) -> None:
        server = self.wizard.step("server")
        # From the server step's text function: its label may not be retranslated yet after a switch.
        self.server_label.setText(server.outcome_text() if server is not None else "")

    def enter(self) -> None:
        self._show_server()
        self.prompt_edit.setFocus()
        self.prompt_edit.selectAll()

    def next_text(self) -> str:
        return QCoreApplication.translate("Wizard", "Ask")

    async def advance(self) -> bool:
        prompt = self.prompt_edit.text().strip() or self._default_prompt
        chat = self.wizard.chat_page()
        if chat is None:
            self.show_text(
                self.error,
                lambda: QCoreApplication.translate(
                    "Wizard", "The Chat page is not available in this window."
                ),
            )
            return False
        self.wizard.navigate("chat")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT
        # The Chat page reaches the server on its own (it follows the shared server state); wait for it.
        while chat.endpoint is None or chat.server_info is None:
            if loop.time() > deadline:
                why = chat.server_error or "-"

                def unreachable(why: str = why) -> str:
                    return QCoreApplication.translate(
                        "Wizard", "The Chat page cannot reach the server yet: {why}"
                    ).format(why=why)

                self.show_text(self.error, unreachable)
                return False
            await asyncio.sleep(0.1)
        chat.input.setPlainText(prompt)
        spawn(chat.send())
        return True
