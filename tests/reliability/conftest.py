"""The reliability suite's fixtures and result hook live in `reliability_lab` (a unique module name: test
modules import helpers from it, and `from conftest import ...` would find another folder's conftest when
the whole suite runs)."""

from reliability_lab import cell, lab, line, pytest_configure, pytest_runtest_makereport  # noqa: F401
