"""Modules imported on first use, so that importing the core stays cheap.

The GUI imports every page module, and with them most of the core, before its window shows; paramiko (with
`invoke`) and requests (with urllib3 and `http.cookiejar`) cost ~350 ms of that although nothing uses them
until the first connection or download. A module that needs one writes

    if TYPE_CHECKING:
        import paramiko
    else:
        paramiko = lazy_module("paramiko")

and uses `paramiko.X` as before: the first attribute read imports the real module (through
`importlib.import_module`, so under the import lock: safe from any thread), later reads go to it directly.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "lazy_module"]


class LazyModule:
    """Stands in for a module until an attribute of it is read."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for `import name` that imports on first attribute access (typed `Any`: import the real
    module under `TYPE_CHECKING` for the type checker)."""
    return LazyModule(name)
