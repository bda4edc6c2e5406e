"""A keyring backend that is slow to come up, like one behind a hung D-Bus or a wallet still starting.

`keyring` finds its backend on first use by asking each candidate's `priority`; a Secret Service or KWallet
backend answers that over D-Bus, which can take seconds. `GatedKeyring.priority` waits until the test opens
the gate, so a test can hold the app's first keyring call for as long as it likes and check that the UI
does not wait with it. It is a real `keyring` backend (in-memory storage), chosen the ordinary way:
PYTHON_KEYRING_BACKEND=rig.slow_keyring.GatedKeyring.

Defining the class registers it with `keyring` for the whole process; while no test has armed it, its
`priority` raises, which keyring's detection reads as "not viable", so other tests never pick it.
"""

from __future__ import annotations

import threading
import time

import keyring.core
from keyring.backend import KeyringBackend
from keyring.compat import properties

NAME = "rig.slow_keyring.GatedKeyring"


class GatedKeyring(KeyringBackend):
    armed = False
    gate = threading.Event()
    asked = threading.Event()  # set when keyring has started asking for the priority
    _store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - one in-memory keyring per process

    @properties.classproperty
    def priority(cls) -> float:
        if not cls.armed:
            raise RuntimeError("GatedKeyring is only for the test that arms it")
        cls.asked.set()
        if not cls.gate.wait(timeout=60):
            raise RuntimeError("GatedKeyring: the test never opened the gate")
        return 1

    @classmethod
    def arm(cls) -> None:
        """Close the gate: the next backend detection waits in `priority` until `open_gate()`."""
        cls.gate.clear()
        cls.asked.clear()
        cls.armed = True

    @classmethod
    def open_gate(cls) -> None:
        cls.gate.set()

    @classmethod
    def disarm(cls, timeout: float = 15) -> None:
        """Open the gate and wait for a detection it held to finish (it sets keyring's backend when it does),
        so a test that restores keyring's state afterwards is not overwritten by a late detection."""
        cls.gate.set()
        if cls.asked.is_set():
            deadline = time.monotonic() + timeout
            while keyring.core._keyring_backend is None and time.monotonic() < deadline:
                time.sleep(0.01)
        cls.armed = False

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._store.pop((service, username), None)
