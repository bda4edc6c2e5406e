"""The model catalogue (`resources/catalogue.json`) and what a user may paste instead of a catalogue entry.

The catalogue is data: models known to fit a RUBIK Pi 3 (8 GB RAM), each with its Hugging Face repo and
file, its vision projector if any, the recommended quantization and a RAM estimate. Sizes marked
`size_exact: false` are estimates for the disk check; the download itself checks size and sha256 against
the Hub's tree API (`lfs.size`, `lfs.oid`), so a `null` sha256 here is not a hole.

`parse_model_ref` turns `owner/repo/file.gguf`, `owner/repo:file.gguf` or a `/resolve/` or `/blob/` URL
(huggingface.co or a mirror) into a repo, revision, path and download URL, and refuses anything that is
not plainly such a name: the result reaches a remote shell (quoted, but refused first).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StudioError, UsageError

DEFAULT_ENDPOINT = "https://huggingface.co"
SCHEMA = 1
KINDS = ("text", "vision")
# Names on the Hub: letters, digits, '-', '_', '.'; we add nothing else (no spaces, no shell characters).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHELL = set("`$;&|<>(){}[]*?!~'\"\\#%^= \t\r\n")
_QUANTS = ("F16", "BF16", "F32", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K_M", "Q4_K_S", "Q5_K_M", "Q6_K")


class CatalogueError(StudioError):
    """The model catalogue is not valid."""

    code = "E_CATALOGUE"
    exit_code = 1


class BadModelRef(UsageError):
    """Not a Hugging Face model file reference."""

    code = "E_MODEL_REF"


@dataclass(frozen=True)
class ModelFile:
    file: str
    size: int  # bytes; an estimate when size_exact is False
    size_exact: bool
    sha256: str | None  # only where known; otherwise the Hub's lfs.oid is the reference


@dataclass(frozen=True)
class CatalogueModel:
    id: str
    name: str
    repo: str
    revision: str
    model: ModelFile  # what is downloaded (usually f16, then quantized on the board)
    projector: ModelFile | None  # the vision projector (mmproj), kept as it is
    kind: str  # text | vision
    parameters: str  # "1.5B", as the model's card says
    licence: str
    quantization: str  # recommended type after `llama-quantize`, e.g. "Q4_0"
    pure: bool  # quantize with --pure (what the Adreno OpenCL path runs fast)
    quantized_size: int  # bytes, estimate of the quantized text model
    ram_mb: int  # estimate: quantized weights + projector + KV cache at -c 2048 + runtime
    description: dict[str, str]  # language code ("en", "zh_CN") → one or two sentences
    source: str  # where the entry comes from: "manual" (the RUBIK Pi llama.cpp guide) or "catalogue"
    verified: bool  # repo and file names checked against a published listing

    @property
    def download_size(self) -> int:
        return self.model.size + (self.projector.size if self.projector else 0)

    @property
    def disk_needed(self) -> int:
        """Bytes free needed on the board: the downloads plus the quantized output beside the source."""
        return self.download_size + (self.quantized_size if self.needs_quantize else 0)

    @property
    def needs_quantize(self) -> bool:
        return _file_quant(self.model.file) != self.quantization.upper()

    def describe(self, language: str = "en") -> str:
        lang = language.replace("-", "_")
        for key in (lang, lang.split("_")[0], "zh_CN" if lang.startswith("zh") else "en", "en"):
            if key in self.description:
                return self.description[key]
        return next(iter(self.description.values()), "")

    def url(self, endpoint: str = DEFAULT_ENDPOINT, *, projector: bool = False) -> str:
        f = self.projector if projector else self.model
        if f is None:
            raise ValueError(f"{self.id} has no projector")
        return resolve_url(endpoint, self.repo, self.revision, f.file)


def _file_quant(name: str) -> str:
    upper = name.upper().replace("-", "_").replace(".", "_")
    for q in ("FP16", *_QUANTS):
        if f"_{q}_" in f"_{upper}_":
            return "F16" if q == "FP16" else q
    return ""


def default_path() -> Path:
    """`resources/catalogue.json`: in the PyInstaller bundle, else at the repository root."""
    meipass = getattr(sys, "_MEIPASS", None)
    root = Path(meipass) if meipass else Path(__file__).resolve().parent.parent.parent
    return root / "resources" / "catalogue.json"


def load_catalogue(path: Path | None = None) -> list[CatalogueModel]:
    path = path or default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise CatalogueError(f"The model catalogue is missing: {path}") from e
    except (OSError, ValueError) as e:
        raise CatalogueError(f"The model catalogue {path} cannot be read: {e}") from e
    return parse_catalogue(raw)


def parse_catalogue(raw: Any) -> list[CatalogueModel]:
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA or not isinstance(raw.get("models"), list):
        raise CatalogueError(f"The model catalogue must be an object with schema {SCHEMA} and a models list.")
    models = [_parse_model(i, m) for i, m in enumerate(raw["models"])]
    seen: set[str] = set()
    for m in models:
        if m.id in seen:
            raise CatalogueError(f"The model catalogue lists {m.id!r} twice.")
        seen.add(m.id)
    return models


def _get(entry: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in entry:
        raise CatalogueError(f"Catalogue entry {where}: {key!r} is missing.")
    value = entry[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise CatalogueError(f"Catalogue entry {where}: {key!r} has the wrong type ({type(value).__name__}).")
    return value


def _parse_file(entry: Any, where: str) -> ModelFile:
    if not isinstance(entry, dict):
        raise CatalogueError(f"Catalogue entry {where}: a file must be an object.")
    name = _get(entry, "file", str, where)
    _check_path(name, error=CatalogueError)
    size = _get(entry, "size", int, where)
    if size <= 0:
        raise CatalogueError(f"Catalogue entry {where}: size must be positive.")
    sha = entry.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha)):
        raise CatalogueError(f"Catalogue entry {where}: sha256 must be 64 lowercase hex digits or null.")
    return ModelFile(name, size, bool(_get(entry, "size_exact", bool, where)), sha)


def _parse_model(i: int, entry: Any) -> CatalogueModel:
    where = f"#{i}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"Catalogue entry {where} is not an object.")
    mid = _get(entry, "id", str, where)
    where = f"{mid!r}"
    if not re.match(r"^[a-z0-9][a-z0-9.-]*$", mid):
        raise CatalogueError(f"Catalogue entry {where}: ids are lowercase letters, digits, '.' and '-'.")
    repo = _get(entry, "repo", str, where)
    _check_repo(repo, error=CatalogueError)
    revision = entry.get("revision", "main")
    if not isinstance(revision, str) or not _REV.match(revision):
        raise CatalogueError(f"Catalogue entry {where}: bad revision {revision!r}.")
    kind = _get(entry, "kind", str, where)
    if kind not in KINDS:
        raise CatalogueError(f"Catalogue entry {where}: kind must be one of {', '.join(KINDS)}.")
    projector = None
    if entry.get("projector") is not None:
        projector = _parse_file(entry["projector"], f"{where} projector")
    if (kind == "vision") != (projector is not None):
        raise CatalogueError(
            f"Catalogue entry {where}: a vision model needs a projector, a text model has none."
        )
    quant = _get(entry, "quantization", str, where)
    if quant not in _QUANTS:
        raise CatalogueError(f"Catalogue entry {where}: unknown quantization {quant!r}.")
    description = _get(entry, "description", dict, where)
    if "en" not in description or not all(isinstance(v, str) and v for v in description.values()):
        raise CatalogueError(f"Catalogue entry {where}: description needs at least 'en' text.")
    ram_mb = _get(entry, "ram_mb", int, where)
    if not 0 < ram_mb < 8 * 1024:
        raise CatalogueError(f"Catalogue entry {where}: ram_mb {ram_mb} does not fit an 8 GB board.")
    source = entry.get("source", "catalogue")
    if source not in ("manual", "catalogue"):
        raise CatalogueError(f"Catalogue entry {where}: source must be 'manual' or 'catalogue'.")
    return CatalogueModel(
        id=mid,
        name=_get(entry, "name", str, where),
        repo=repo,
        revision=revision,
        model=_parse_file(entry.get("model"), f"{where} model"),
        projector=projector,
        kind=kind,
        parameters=_get(entry, "parameters", str, where),
        licence=_get(entry, "licence", str, where),
        quantization=quant,
        pure=_get(entry, "pure", bool, where),
        quantized_size=_get(entry, "quantized_size", int, where),
        ram_mb=ram_mb,
        description=dict(description),
        source=source,
        verified=_get(entry, "verified", bool, where),
    )


def find_model(models: list[CatalogueModel], model_id: str) -> CatalogueModel:
    for m in models:
        if m.id == model_id:
            return m
    raise UsageError(
        f"No catalogue model called {model_id!r}.", hint="Known: " + ", ".join(m.id for m in models)
    )


# --- what a user pastes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRef:
    repo: str  # owner/name
    revision: str
    path: str  # the file inside the repo, '/'-separated
    url: str  # the download URL (…/resolve/<revision>/<path>)
    endpoint: str  # the endpoint the URL uses

    @property
    def filename(self) -> str:
        """The name in the board's models folder: the file's own name, its extension spelled `.gguf` (the
        board's scripts, the listing and delete know models by that; `Model.GGUF` on the Hub is fine)."""
        return models_folder_name(self.path)


def models_folder_name(path: str) -> str:
    """`Q4_K_M/Model.GGUF` → `Model.gguf`: the base name with a lower-case `.gguf`."""
    name = path.rsplit("/", 1)[-1]
    return name[:-5] + ".gguf" if name.lower().endswith(".gguf") else name


def _check_repo(repo: str, *, error: type[StudioError] = BadModelRef) -> None:
    parts = repo.split("/")
    if len(parts) != 2 or not all(_NAME.match(p) for p in parts) or any(".." in p for p in parts):
        raise error(
            f"{repo!r} is not a Hugging Face repository name.",
            hint="A repository is owner/name, made of letters, digits, '-', '_' and '.'.",
        )


def _check_path(path: str, *, error: type[StudioError] = BadModelRef) -> None:
    segments = path.split("/")
    for seg in segments:
        if seg in ("", ".", "..") or not _SEGMENT.match(seg):
            raise error(
                f"{path!r} is not a plain file path inside a repository.",
                hint="Use letters, digits, '-', '_', '+' and '.' in names, '/' between folders, and no '..'.",
            )
    if not path.lower().endswith(".gguf"):
        raise error(
            f"{path!r} is not a GGUF file.", hint="llama.cpp loads .gguf files; pick one from the repo."
        )


def _check_revision(rev: str) -> None:
    if not _REV.match(rev) or ".." in rev:
        raise BadModelRef(f"{rev!r} is not a branch, tag or commit name.")


def _urlsplit(url: str) -> urllib.parse.SplitResult:
    """urlsplit, with what it (or its .hostname/.port) raises for a malformed link as a BadModelRef."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.hostname, parts.port  # "Invalid IPv6 URL", "Port out of range" are raised lazily here
    except ValueError as exc:
        raise BadModelRef(f"{url!r} is not a valid link ({exc}).") from None
    return parts


def normalise_endpoint(endpoint: str) -> str:
    """`https://host[:port][/prefix]` without a trailing slash; refuses other schemes and odd characters."""
    ep = endpoint.strip().rstrip("/")
    parts = _urlsplit(ep)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadModelRef(
            f"{endpoint!r} is not an http(s) endpoint.", hint="For example https://huggingface.co"
        )
    if parts.query or parts.fragment or parts.username or parts.password or _SHELL & set(ep.replace(":", "")):
        raise BadModelRef(f"{endpoint!r} is not a plain endpoint URL.")
    return ep


def resolve_url(endpoint: str, repo: str, revision: str, path: str) -> str:
    _check_repo(repo)
    _check_revision(revision)
    _check_path(path)
    return f"{normalise_endpoint(endpoint)}/{repo}/resolve/{revision}/{urllib.parse.quote(path)}"


def _hub_host(host: str) -> bool:
    return host in ("huggingface.co", "www.huggingface.co", "hf.co")


def parse_model_ref(text: str, endpoint: str = DEFAULT_ENDPOINT) -> ModelRef:
    """Parse what a user pasted into (repo, revision, path, url). Raises BadModelRef.

    Accepted: `owner/repo/path/file.gguf`, `owner/repo:file.gguf`, and `http(s)://host[/prefix]/owner/repo/
    (resolve|blob)/<rev>/<path>` (a `?download=true` query is dropped). A huggingface.co URL is fetched
    through `endpoint` (the mirror setting); a URL on another host is taken as that mirror.
    """
    endpoint = normalise_endpoint(endpoint)
    s = text.strip()
    if not s:
        raise BadModelRef("Nothing to download: paste a model file name or link.")
    if "://" in s:
        return _parse_url(s, endpoint)
    if bad := sorted(_SHELL & set(s)):
        raise BadModelRef(
            f"{s!r} contains characters that are not part of a model name: {' '.join(bad)}",
            hint="Paste owner/repo/file.gguf or a huggingface.co link.",
        )
    if ":" in s:
        repo, _, path = s.partition(":")
        if not path.lower().endswith(".gguf"):
            raise BadModelRef(
                f"{s!r} names a repository and a tag, not a file.",
                hint="Give the file: owner/repo:file.gguf or owner/repo/file.gguf.",
            )
        revision = "main"
    else:
        parts = s.split("/")
        if len(parts) < 3:
            raise BadModelRef(
                f"{s!r} names no file.", hint="Give the file too: owner/repo/file.gguf (or paste its link)."
            )
        if len(parts) >= 5 and parts[2] in ("resolve", "blob"):
            repo, revision, path = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
        else:
            repo, revision, path = "/".join(parts[:2]), "main", "/".join(parts[2:])
    return _make_ref(repo, revision, path, endpoint)


def _parse_url(s: str, endpoint: str) -> ModelRef:
    parts = _urlsplit(s)
    if parts.scheme not in ("https", "http"):
        raise BadModelRef(f"{parts.scheme or '?'}:// links are not supported; use an http(s) link.")
    if not parts.hostname or parts.username or parts.password:
        raise BadModelRef(f"{s!r} is not a plain download link.")
    host_ep = f"{parts.scheme}://{parts.netloc}"
    raw_path = parts.path
    # An endpoint with a path prefix (a mirror under /hf/): strip the prefix when the link is on it.
    if s.startswith(endpoint + "/") and _urlsplit(endpoint).path:
        raw_path = s[len(endpoint) :].split("?", 1)[0].split("#", 1)[0]
        host_ep = endpoint
    if bad := sorted(_SHELL & set(urllib.parse.unquote(raw_path))):
        raise BadModelRef(f"The link contains characters that are not part of a model path: {' '.join(bad)}")
    segs = [urllib.parse.unquote(p) for p in raw_path.strip("/").split("/")]
    if len(segs) < 5 or segs[2] not in ("resolve", "blob"):
        raise BadModelRef(
            f"{s!r} is not a link to a file.",
            hint="Open the file on the model page and copy its download link (…/resolve/main/file.gguf).",
        )
    repo, revision, path = "/".join(segs[:2]), segs[3], "/".join(segs[4:])
    use = endpoint if _hub_host(parts.hostname) else host_ep
    return _make_ref(repo, revision, path, normalise_endpoint(use))


def _make_ref(repo: str, revision: str, path: str, endpoint: str) -> ModelRef:
    _check_repo(repo)
    _check_revision(revision)
    _check_path(path)
    return ModelRef(repo, revision, path, resolve_url(endpoint, repo, revision, path), endpoint)
