"""ui/markdown.split_segments: fenced code apart from prose, lists and tables kept whole, and a streaming
prefix gives a prefix of the final segments (what lets the chat view re-render only the last one)."""

from __future__ import annotations

import pytest

from rubikpi_studio.ui.markdown import Segment, split_segments

ANSWER = """Here is how to do it:

1. Read the **file**
2. Parse each `line`
   - skip blank ones
3. Print the total

| name | size |
|------|-----:|
| a.txt | 12 |
| b.txt | 7 |

```python
def total(paths):
    return sum(len(open(p).read()) for p in paths)
```

Then call it:

~~~
total(["a.txt", "b.txt"])
```not a fence end inside a tilde block```
~~~

That is all."""


def test_prose_code_prose() -> None:
    text = "Use this:\n\n```bash\necho hi\nls -l\n```\n\nDone."
    assert split_segments(text) == [
        Segment("markdown", "Use this:"),
        Segment("code", "echo hi\nls -l", "bash"),
        Segment("markdown", "Done."),
    ]


def test_a_realistic_answer() -> None:
    segs = split_segments(ANSWER)
    assert [s.kind for s in segs] == ["markdown", "code", "markdown", "code", "markdown"]
    prose, code, between, tilde, end = segs
    # the list (with its nested item) and the table are one markdown segment, exactly as written
    assert prose.text == ANSWER.split("\n\n```python")[0]
    assert "2. Parse each `line`\n   - skip blank ones\n3." in prose.text
    assert "| a.txt | 12 |\n| b.txt | 7 |" in prose.text
    assert code == Segment(
        "code", "def total(paths):\n    return sum(len(open(p).read()) for p in paths)", "python"
    )
    assert between.text == "Then call it:"
    # a ``` line does not close a ~~~ block
    assert tilde == Segment(
        "code", 'total(["a.txt", "b.txt"])\n```not a fence end inside a tilde block```', ""
    )
    assert end.text == "That is all."


def test_a_longer_fence_is_closed_only_by_one_as_long() -> None:
    text = "````md\n```py\nx = 1\n```\n````"
    assert split_segments(text) == [Segment("code", "```py\nx = 1\n```", "md")]


def test_an_unclosed_fence_while_streaming() -> None:
    segs = split_segments("Look:\n```python\ndef f():\n    ret")
    assert segs == [
        Segment("markdown", "Look:"),
        Segment("code", "def f():\n    ret", "python", closed=False),
    ]


def test_long_prose_is_cut_at_blank_lines_only_never_inside_a_table_or_list() -> None:
    table = "\n".join(["| a | b |", "|---|---|", *(f"| {i} | {i * i} |" for i in range(30))])
    listing = "\n".join(f"- item {i}" for i in range(30))
    text = f"{table}\n\n{listing}\n\nlast paragraph"
    segs = split_segments(text, max_chars=50)
    assert [s.text for s in segs] == [table, listing, "last paragraph"]
    assert all(s.kind == "markdown" for s in segs)


def test_short_prose_stays_one_segment() -> None:
    text = "One.\n\nTwo.\n\n- three\n- four"
    assert split_segments(text) == [Segment("markdown", text)]


@pytest.mark.parametrize("max_chars", [40, 1200])
def test_every_prefix_gives_a_prefix_of_the_segments(max_chars: int) -> None:
    final = split_segments(ANSWER, max_chars=max_chars)
    for cut in range(len(ANSWER) + 1):
        segs = split_segments(ANSWER[:cut], max_chars=max_chars)
        assert len(segs) <= len(final), cut
        # every segment but the last is final already; the last one may still grow
        assert segs[:-1] == final[: max(0, len(segs) - 1)], cut
    assert len(final) == (6 if max_chars == 40 else 5)  # 40 cuts the prose before the table
