"""The pure parts of issue 10's bad-input tests: what turns user text into something that later reaches the
board (model references and URLs, the server's extra flags and command line, the boot unit) must answer any
text with a value that is safe to pass on, or a typed UsageError. The rig half is
tests/reliability/test_bad_input.py.
"""

from __future__ import annotations

import re
import shlex

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rubikpi_studio.core import llamacpp, server
from rubikpi_studio.core.catalogue import (
    BadModelRef,
    normalise_endpoint,
    parse_model_ref,
    resolve_url,
)
from rubikpi_studio.core.errors import UsageError
from rubikpi_studio.core.server import CONTROLLED_FLAGS, ExtraFlagsInvalid, ServerSpec, parse_extra_flags

MANY = settings(max_examples=200, deadline=None, database=None)

PAYLOADS = [
    "$(touch /tmp/x)", ";touch /tmp/x", "`touch /tmp/x`", "\ntouch /tmp/x\n", "'", '"', "\\", "|", "&&",
    "--port=1", "--host 0.0.0.0", "--api-key k", "-m /etc/passwd", "--model=x", "=", " ", "\t", "%", "#",
    "..", "/", "?", "&", "resolve", "blob", "main", ".gguf", "x.gguf", "huggingface.co", "https://", "://",
    "@", ":", "~", "\x00", "\r", "é", "%2e%2e", "%0a", "%24%28", "-",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=10)), min_size=1, max_size=6).map(
    "".join
)
# What model-download.sh accepts as a URL: what the app passes must pass there too.
SCRIPT_URL = re.compile(r"^https?://[A-Za-z0-9._:@/%+=~-]+$")
SHELL_SPECIALS = set("`$;&|<>(){}[]*?!'\"\\#^ \t\r\n\x00")


def _ref_text() -> st.SearchStrategy[str]:
    ok = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,12}\Z")
    return st.one_of(
        hostile,
        st.builds(lambda o, r, p: f"{o}/{r}/{p}", ok, ok, hostile),
        st.builds(lambda o, r, p: f"{o}/{r}:{p}", ok, ok, hostile),
        st.builds(lambda o, r, p: f"https://huggingface.co/{o}/{r}/resolve/main/{p}", ok, ok, hostile),
        st.builds(lambda h, p: f"http://{h}/o/r/blob/main/{p}.gguf", hostile, hostile),
        st.builds(lambda o, r, p: f"{o}/{r}/{p}.gguf", ok, ok, ok),
    )


@MANY
@given(text=_ref_text(), endpoint=st.one_of(st.just("https://huggingface.co"), hostile))
@example(text="http://[/o/r/blob/main/$(touch /tmp/x).gguf", endpoint="https://huggingface.co")  # found in CI
@example(text="https://huggingface.co/o/r/resolve/main/m.gguf", endpoint="http://[::1")
@example(text="http://h:99999/o/r/blob/main/m.gguf", endpoint="https://huggingface.co")
def test_model_refs_are_safe_or_refused(text: str, endpoint: str) -> None:
    try:
        ref = parse_model_ref(text, endpoint)
    except BadModelRef:
        return
    assert SCRIPT_URL.match(ref.url), f"the board's script would refuse {ref.url!r}"
    for part in (ref.repo, ref.revision, ref.path, ref.filename):
        assert not SHELL_SPECIALS & set(part), part
        assert ".." not in part.split("/")
    assert ref.filename.lower().endswith(".gguf")
    assert ref.url == resolve_url(ref.endpoint, ref.repo, ref.revision, ref.path)


@MANY
@given(endpoint=hostile, repo=hostile, revision=hostile, path=hostile)
def test_resolve_url_and_endpoints_are_safe_or_refused(
    endpoint: str, repo: str, revision: str, path: str
) -> None:
    try:
        ep = normalise_endpoint(endpoint)
    except BadModelRef:
        ep = "https://huggingface.co"
    else:
        assert SCRIPT_URL.match(ep + "/"), ep
    try:
        url = resolve_url(ep, repo, revision, path)
    except BadModelRef:
        return
    assert SCRIPT_URL.match(url), url


FEATURES = llamacpp.features(None)


@MANY
@given(text=st.one_of(hostile, st.text(max_size=60), st.lists(hostile).map(shlex.join)))
def test_extra_flags_never_override_the_apps_own(text: str) -> None:
    try:
        extra = parse_extra_flags(text)
    except ExtraFlagsInvalid:
        return
    for item in extra:
        assert item.split("=", 1)[0] not in CONTROLLED_FLAGS, item
        assert not any(ord(c) < 32 and c != "\t" for c in item), item
    assert not extra or extra[0].startswith("-")
    # What the app stores (the field's text re-joined) parses back to the same flags.
    assert parse_extra_flags(shlex.join(extra)) == extra
    spec = ServerSpec(model="/m/x.gguf", extra=extra, lan=False)
    argv = server.build_argv(spec, "/b/llama-server", features=FEATURES, has_gpu=False).argv
    for flag in ("--host", "--port", "-m", "-c", "-np"):
        assert argv.count(flag) == 1, (flag, argv)
    assert argv[argv.index("--host") + 1] == "127.0.0.1"


@MANY
@given(model=hostile, mmproj=hostile, port=st.integers(1, 65535))
def test_boot_unit_holds_every_argument_on_its_exec_line(model: str, mmproj: str, port: int) -> None:
    """The systemd unit for start-at-boot: a newline in a path must not start a new directive, and `$` / `%`
    must not be expanded by systemd."""
    if "\x00" in model + mmproj:
        return
    args = ["/state", str(port), "/b/llama-server", "-m", model, "--mmproj", mmproj]
    unit = server._unit_text("/scripts", "/jobs", args, "/state/boot.env")
    lines = unit.split("\n")
    assert len(lines) == len(server._unit_text("/scripts", "/jobs", ["a"], "/e").split("\n"))
    exec_line = next(line for line in lines if line.startswith("ExecStart="))
    assert _systemd_unquote(exec_line[len("ExecStart=") :])[-len(args) :] == args


def _systemd_unquote(text: str) -> list[str]:
    """systemd's own splitting of a quoted command line (C escapes inside quotes, `%%` and `$$`)."""
    words: list[str] = []
    i = 0
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b"}
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        assert text[i] == '"', f"unquoted word at {i}: {text[i:]!r}"
        i += 1
        word = ""
        while text[i] != '"':
            c = text[i]
            if c == "\\":
                nxt = text[i + 1]
                if nxt in escapes:
                    word += escapes[nxt]
                    i += 2
                    continue
                assert nxt == "x", f"unknown escape \\{nxt}"
                word += chr(int(text[i + 2 : i + 4], 16))
                i += 4
                continue
            if c in "%$":
                assert text[i + 1] == c, f"a lone {c} would be expanded by systemd"
                word += c
                i += 2
                continue
            assert c != "\n"
            word += c
            i += 1
        words.append(word)
        i += 1
    return words


def test_usage_error_is_what_bad_refs_raise() -> None:
    assert issubclass(BadModelRef, UsageError) and issubclass(ExtraFlagsInvalid, UsageError)
