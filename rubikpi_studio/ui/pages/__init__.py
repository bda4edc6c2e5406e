"""Sidebar pages. Every module here is imported by `discover()`, so its `@register_page` runs.

A PyInstaller bundle must collect these modules (`collect_submodules("rubikpi_studio.ui.pages")`), as
nothing imports them by name.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from .base import Page, page_classes

log = logging.getLogger(__name__)


def discover(*, strict: bool = False) -> list[type[Page]]:
    """Import every page module and return the sidebar's page classes (placeholders filling gaps).

    With `strict` (tests, `--self-test`) a page module that fails to import raises instead of being logged.
    """
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if info.name.rsplit(".", 1)[-1] in ("base",):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:
            if strict:
                raise
            # One broken page must not take the whole window down; its slot shows the placeholder.
            log.exception("page module %s failed to import", info.name)
    return page_classes()


__all__ = ["discover"]
