#!/usr/bin/env python3
"""Regenerate the translation sources and compile them.

    .venv/bin/python tools/i18n.py            # update .ts from the code, then compile .qm
    .venv/bin/python tools/i18n.py update     # pyside6-lupdate over rubikpi_studio/ui -> resources/i18n/*.ts
    .venv/bin/python tools/i18n.py release    # pyside6-lrelease *.ts -> *.qm
    .venv/bin/python tools/i18n.py check      # list unfinished translations; exit 1 if any

Translators edit `resources/i18n/rubikpi_studio_<lang>.ts` (Qt Linguist: `pyside6-linguist`, or any text
editor); `update` keeps their work and marks removed strings obsolete (then drops them: `-no-obsolete`).
Translations may also be written as JSON, one file per context or page, in
`resources/i18n/<lang>/<Context>.json` (`{"English source": "翻译", ...}`); `update` merges them into the
`.ts`, so engineers working on different pages never edit the same file.

Strings are found in `QCoreApplication.translate("Context", "literal")`, `self.tr("literal")` and
`QT_TRANSLATE_NOOP("Context", "literal")` calls.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "rubikpi_studio" / "ui"
OUT = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN",)
CATALOGUE = "rubikpi_studio"


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: install PySide6-Essentials into the venv that runs this script")
    return found


def ts_files() -> list[Path]:
    return [OUT / f"{CATALOGUE}_{lang}.ts" for lang in LANGUAGES]


def update() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))
    for ts in ts_files():
        lang = ts.stem.removeprefix(f"{CATALOGUE}_")
        subprocess.run(
            [
                _tool("pyside6-lupdate"),
                "-no-obsolete",
                "-locations",
                "relative",
                "-target-language",
                lang,
                *sources,
                "-ts",
                str(ts.relative_to(ROOT)),
            ],
            cwd=ROOT,
            check=True,
        )


def apply_overlays() -> None:
    """Fill translations from resources/i18n/<lang>/*.json (file stem = context) into the .ts files."""
    import json

    for ts in ts_files():
        lang = ts.stem.removeprefix(f"{CATALOGUE}_")
        overlay_dir = OUT / lang
        if not overlay_dir.is_dir() or not ts.exists():
            continue
        table: dict[tuple[str, str], str] = {}
        for path in sorted(overlay_dir.glob("*.json")):
            for source, text in json.loads(path.read_text(encoding="utf-8")).items():
                table[(path.stem, source)] = text
        tree = ET.parse(ts)  # noqa: S314 - our own file
        changed = False
        for context in tree.getroot().iter("context"):
            name = context.findtext("name", "")
            for message in context.iter("message"):
                key = (name, message.findtext("source", ""))
                if key not in table:
                    continue
                translation = message.find("translation")
                if translation is None:
                    translation = ET.SubElement(message, "translation")
                if translation.text != table[key] or translation.get("type"):
                    translation.text = table[key]
                    translation.attrib.pop("type", None)
                    changed = True
        if changed:
            tree.write(ts, encoding="utf-8", xml_declaration=True)


def release() -> None:
    for ts in ts_files():
        subprocess.run(
            [_tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], cwd=ROOT, check=True
        )


def unfinished(ts: Path) -> list[tuple[str, str]]:
    """(context, source) of every message without a finished translation."""
    missing = []
    for context in ET.parse(ts).getroot().iter("context"):  # noqa: S314 - our own file
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                if translation is None or translation.get("type") == "unfinished":
                    missing.append((name, message.findtext("source", "")))
                continue
            forms = translation.findall("numerusform")
            text = "".join(f.text or "" for f in forms) if forms else (translation.text or "")
            if not text.strip():
                missing.append((name, message.findtext("source", "")))
    return missing


def check() -> int:
    status = 0
    for ts in ts_files():
        for context, source in unfinished(ts):
            print(f"{ts.name}: [{context}] {source!r}")
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="all", choices=["all", "update", "release", "check"])
    args = parser.parse_args(argv)
    if args.command in ("all", "update"):
        update()
        apply_overlays()
    if args.command in ("all", "release"):
        release()
    if args.command == "check":
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
