"""Parse the remote scripts' output lines into events (see remote/lib.sh for the grammar)."""

from __future__ import annotations

from .events import FAILED, INFO, LOG, PROGRESS, STEP_DONE, STEP_SKIP, STEP_START, WARN, Event

MARK = "@rps1"
_KNOWN = {STEP_START, STEP_DONE, STEP_SKIP, PROGRESS, WARN, INFO, FAILED}


def parse_line(line: str) -> Event | None:
    """One output line → an Event. Plain lines are LOG events; marker lines of unknown kinds give None."""
    line = line.rstrip("\r\n")
    if not line.startswith(MARK + " "):
        return Event(LOG, message=line)
    parts = line[len(MARK) + 1 :].split(" ", 2)
    kind = parts[0]
    if kind not in _KNOWN:
        return None
    step = parts[1] if len(parts) > 1 else ""
    rest = parts[2] if len(parts) > 2 else ""
    if kind == PROGRESS:
        frac_text, _, message = rest.partition(" ")
        try:
            fraction = min(1.0, max(0.0, float(frac_text)))
        except ValueError:
            return Event(LOG, message=line)
        return Event(PROGRESS, step=step, fraction=fraction, message=message)
    if kind == FAILED:
        code, _, message = rest.partition(" ")
        if not code.startswith("E_"):
            code, message = "E_REMOTE", rest
        return Event(FAILED, step=step, code=code, message=message)
    if kind == INFO:
        key, sep, value = rest.partition("=")
        if not sep:
            return Event(INFO, step=step, message=rest)
        return Event(INFO, step=step, message=rest, data={key: value})
    return Event(kind, step=step, message=rest)
