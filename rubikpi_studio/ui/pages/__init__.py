"""Sidebar pages. `discover()` gives the sidebar's slots from the table in `base.PAGES` without importing
any page module: each is imported when its page is first shown or asked for (`MainWindow.page`).

A PyInstaller bundle must collect these modules (`collect_submodules("rubikpi_studio.ui.pages")`), as
they are imported by name at run time.
"""

from __future__ import annotations

from .base import PAGES, PageInfo


def discover() -> list[PageInfo]:
    """The sidebar's slots in order. Cheap: the page modules load when their page is first built."""
    return sorted(PAGES, key=lambda info: (info.order, info.name))


__all__ = ["PAGES", "PageInfo", "discover"]
