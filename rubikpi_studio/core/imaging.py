"""Images attached to chat messages: type sniffing and the pluggable encoder that prepares them for sending.

Downscaling needs an image library; core has none (no Qt here), so the GUI passes a Qt-based `ImageEncoder`
and core ships `PassthroughEncoder`, which only checks that the bytes really are an image format the
server's decoder (stb_image) reads and sends them unchanged.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Protocol

from .errors import UsageError

# Formats stb_image decodes that browsers and Qt also show; anything else is refused before it is sent.
MIME_PNG = "image/png"
MIME_JPEG = "image/jpeg"
MIME_GIF = "image/gif"
MIME_BMP = "image/bmp"
MIME_WEBP = "image/webp"
SUPPORTED_MIMES = (MIME_PNG, MIME_JPEG, MIME_GIF, MIME_BMP, MIME_WEBP)


class ImageRejected(UsageError):
    """The file is not an image the model can take (PNG, JPEG, GIF, BMP or WEBP)."""

    code = "E_IMAGE_FORMAT"


@dataclass(frozen=True)
class ImageData:
    """Encoded image bytes and their MIME type. `data` is left out of repr (it can be megabytes)."""

    data: bytes = field(repr=False)
    mime: str

    @property
    def size(self) -> int:
        return len(self.data)

    def to_data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def sniff_image_mime(data: bytes) -> str | None:
    """The MIME type from the file's magic number, or None when it is not one of the supported formats."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MIME_PNG
    if data.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return MIME_GIF
    if data.startswith(b"BM") and len(data) >= 26:
        return MIME_BMP
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MIME_WEBP
    return None


class ImageEncoder(Protocol):
    """Turns the bytes of an attached file into what is sent (e.g. scaled down to the model's input size).

    Implementations raise `ImageRejected` for bytes they cannot read. Called on a worker thread.
    """

    def encode(self, data: bytes) -> ImageData: ...


class PassthroughEncoder:
    """Checks the magic number and sends the bytes unchanged."""

    def __init__(self, *, max_bytes: int = 20 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes

    def encode(self, data: bytes) -> ImageData:
        mime = sniff_image_mime(data)
        if mime is None:
            raise ImageRejected(
                "This file is not a PNG, JPEG, GIF, BMP or WEBP image.",
                hint="Attach a picture in one of those formats.",
            )
        if len(data) > self.max_bytes:
            raise ImageRejected(
                f"The image is too large to send ({len(data) / 1e6:.1f} MB, "
                f"limit {self.max_bytes / 1e6:.0f} MB).",
                hint="Scale it down first.",
            )
        return ImageData(data=data, mime=mime)
