"""Thousands of void Qt calls must not drop references to None.

WORKAROUND(../shared/reference/measured-here.md): PySide6 6.12.0 on Python 3.11 drops one reference to None
per void call and aborts the interpreter after a few thousand (`Fatal Python error: none_dealloc`, exit 134).
A short pytest-qt test does not notice, so this runs the calls in a subprocess and checks both the exit status
and the refcount of None (on 3.12+ None is immortal and its count does not move either).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

CALLS = 5000

SCRIPT = textwrap.dedent(
    f"""
    import json, sys
    from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QWidget
    app = QApplication([])
    w = QWidget()
    edit = QPlainTextEdit(w)
    label = QLabel(w)
    before = sys.getrefcount(None)
    for i in range({CALLS}):
        w.setWindowTitle("t")
        edit.appendPlainText("x")
        label.setText("y")
        app.processEvents()
    after = sys.getrefcount(None)
    w.close()
    del edit, label, w
    print(json.dumps({{"before": before, "after": after}}), flush=True)
    """
)


def test_void_qt_calls_keep_none_alive() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-2000:]}"
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    drift = counts["after"] - counts["before"]
    # 4 void calls per round: a leaking binding would move it by about -4 * CALLS.
    assert drift > -CALLS // 10, f"sys.getrefcount(None) fell by {-drift} over {CALLS} rounds"
