""" "Report a problem": one zip with the app's logs, the last board facts and versions — secrets removed.

What goes in:
- `logs/*` — every file of the app's log folder (rotated ones too), scrubbed line by line;
- `board-facts.json` — the last probe of each saved board, when the caller has them;
- `system.json` — app, Python, OS and library versions, the saved boards without secrets;
- `README.txt` — what the zip holds and that secrets were removed.

What is removed: every secret the app knows by value (passwords remembered in the keyring, the Hugging Face
token, API keys — the caller passes them, `known_secrets()` collects the keyring's), and anything that looks
like one: `password=…`, `passwd: …`, `token=…`, `api_key=…`, `Authorization: Bearer …`, `X-Api-Key: …`,
`--api-key …`, `--hf-token …`, `HF_TOKEN=…`, Hugging Face tokens (`hf_…`), URLs with a user:password. Each is
replaced by `[removed]`. Scrubbing is the last step before writing, so nothing unscrubbed touches the disk.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import platform
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import secrets

log = logging.getLogger(__name__)

REMOVED = "[removed]"
MAX_LOG_BYTES = 20 * 2**20  # per file; the newest part is kept

_VALUE = r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s&,;'"]+)"""
_KEY_WORDS = (
    r"password|passwd|passphrase|pass|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
    r"|hf[_-]?token|client[_-]?secret|private[_-]?key"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer xyz / Basic xyz / token xyz
    (re.compile(r"(?i)(authorization\s*[:=]\s*)(?:(bearer|basic|token)\s+)?\S+"), r"\1\2 " + REMOVED),
    (re.compile(r"(?i)(x-api-key\s*[:=]\s*)\S+"), r"\1" + REMOVED),
    # command-line flags: --api-key X, --hf-token=X, --password X
    (
        re.compile(r"(?i)(--(?:api-key|hf-token|token|password|passphrase)(?:=|\s+))" + _VALUE),
        r"\1" + REMOVED,
    ),
    # key=value, key: value, "key": "value" (JSON), KEY=value (environment)
    (
        re.compile(r"""(?i)(["']?\b[\w.-]*(?:""" + _KEY_WORDS + r""")["']?\s*[:=]\s*)""" + _VALUE),
        r"\1" + REMOVED,
    ),
    # Hugging Face user access tokens
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}\b"), REMOVED),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), r"\1" + REMOVED + "@"),
)


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every known secret value and every secret-looking pattern replaced by `[removed]`."""
    # Longest first, so a secret that contains another one is removed whole.
    for value in sorted({k for k in known if k and len(k) >= 3}, key=len, reverse=True):
        text = text.replace(value, REMOVED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_data(value: Any, known: Iterable[str] = ()) -> Any:
    """Scrub every string in a JSON-like structure; values under secret-looking keys are removed whole."""
    known = list(known)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if re.fullmatch(r"(?i).*(" + _KEY_WORDS + r").*", str(key)) and isinstance(item, str) and item:
                out[str(key)] = REMOVED
            else:
                out[str(key)] = scrub_data(item, known)
        return out
    if isinstance(value, list | tuple):
        return [scrub_data(v, known) for v in value]
    if isinstance(value, str):
        return scrub(value, known)
    return value


def known_secrets(
    idents: Iterable[str] = (), *, hf_endpoints: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[str]:
    """Secret values the keyring holds for these boards (`user@host` idents) and Hugging Face endpoints.

    A missing or locked keyring gives what it can (maybe nothing): the patterns still apply.
    """
    found = [s for s in extra if s]
    usable, _why = secrets.status()
    if not usable:
        return found
    lookups = [("password", i) for i in idents] + [("sudo", i) for i in idents]
    lookups += [("api_key", i) for i in idents] + [("hf_token", e) for e in hf_endpoints]
    for kind, ident in lookups:
        with contextlib.suppress(secrets.KeyringUnavailable, Exception):
            value = secrets.get(kind, ident)
            if value:
                found.append(value)
    return found


def system_info(app_version: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "app_version": app_version,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    for name in ("paramiko", "zeroconf", "keyring", "PySide6", "qasync"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            info[f"{name}_version"] = version(name if name != "PySide6" else "PySide6-Essentials")
    if extra:
        info.update(extra)
    return info


def _read_tail(path: Path, limit: int = MAX_LOG_BYTES) -> str:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - limit))
        data = fh.read()
    text = data.decode("utf-8", "replace")
    return text if size <= limit else f"[first {size - limit} bytes left out]\n" + text


def make_report(
    dest: Path,
    *,
    log_dir: Path | None,
    app_version: str,
    facts: Mapping[str, Mapping[str, Any]] | None = None,
    boards: Iterable[Mapping[str, Any]] = (),
    known: Iterable[str] = (),
    extra_info: Mapping[str, Any] | None = None,
) -> Path:
    """Write the zip to `dest` and return it. `facts`: board name → `BoardFacts.to_dict()`."""
    known = list(known)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    files: list[str] = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if log_dir is not None and log_dir.is_dir():
            for path in sorted(p for p in log_dir.rglob("*") if p.is_file()):
                try:
                    text = _read_tail(path)
                except OSError as exc:
                    log.info("report: skipping %s: %s", path, exc)
                    continue
                name = "logs/" + path.relative_to(log_dir).as_posix()
                zf.writestr(name, scrub(text, known))
                files.append(name)
        if facts:
            zf.writestr(
                "board-facts.json",
                json.dumps(scrub_data(dict(facts), known), indent=2, ensure_ascii=False, sort_keys=True),
            )
            files.append("board-facts.json")
        info = system_info(app_version, extra_info)
        info["boards"] = [scrub_data(dict(b), known) for b in boards]
        zf.writestr("system.json", json.dumps(scrub_data(info, known), indent=2, ensure_ascii=False))
        files.append("system.json")
        readme = (
            "RUBIK Pi Studio problem report\n\n"
            "Passwords, tokens and API keys were replaced by [removed] before this file was written.\n"
            "Contents:\n" + "".join(f"  {f}\n" for f in files)
        )
        zf.writestr("README.txt", readme)
    tmp.replace(dest)
    return dest


def default_report_name(now: _dt.datetime | None = None) -> str:
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"rubikpi-studio-report-{stamp}.zip"
