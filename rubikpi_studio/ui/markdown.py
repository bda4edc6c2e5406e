"""Split a chat message's Markdown into segments the chat view renders separately.

Fenced code blocks become `code` segments (shown monospace with a Copy button by the view); the prose between
them becomes `markdown` segments, cut at blank lines once a piece grows past `max_chars`. Rendering Markdown
with Qt costs time in proportion to its length (measured: ~70 ms to parse and ~300 ms to lay out 27 KB), so a
streaming answer must never be re-rendered whole: segments that are complete stay as they are and only the
last one changes while tokens arrive. Pure Python, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Segment", "split_segments"]

DEFAULT_MAX_CHARS = 1200

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


@dataclass(frozen=True)
class Segment:
    kind: str  # "markdown" | "code"
    text: str
    language: str = ""
    closed: bool = True  # False for a code block whose closing fence has not arrived yet


def _split_prose(lines: list[str], max_chars: int) -> list[str]:
    """Prose lines → pieces of at most ~max_chars, cut only at blank lines (never inside a paragraph)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if not line.strip() and size >= max_chars:
            pieces.append("\n".join(current))
            current, size = [], 0
            continue
        current.append(line)
        size += len(line) + 1
    if current:
        pieces.append("\n".join(current))
    return [p for p in (piece.strip("\n") for piece in pieces) if p.strip()]


def split_segments(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Segment]:
    """The segments of `text` in order. Deterministic: a prefix of a text yields a prefix of its segments,
    except for the last segment, which may still grow (that is what makes incremental rendering work)."""
    out: list[Segment] = []
    prose: list[str] = []
    code: list[str] = []
    fence = ""
    language = ""
    for line in text.split("\n"):
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence[0]) and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                out.append(Segment("code", "\n".join(code), language))
                fence, code = "", []
            else:
                code.append(line)
            continue
        m = _FENCE.match(line)
        if m:
            out += [Segment("markdown", p) for p in _split_prose(prose, max_chars)]
            prose = []
            fence, language = m.group(1), m.group(2)
            continue
        prose.append(line)
    out += [Segment("markdown", p) for p in _split_prose(prose, max_chars)]
    if fence:
        out.append(Segment("code", "\n".join(code), language, closed=False))
    return out
