"""Images with Qt: the `ImageEncoder` that scales attachments down on the PC, thumbnails, clipboard images.

The vision model sees every image at its own input size (the projector resizes it on the board), so sending
more pixels than that only costs transfer and board CPU time (the manual warns the f16 projector is slow).
`QtImageEncoder` keeps the aspect ratio and scales the longer side down to `max_side` (the model's image size
when known, else 512 px); PNG stays PNG (it may hold line art or transparency), everything else becomes
JPEG. An image that is already small enough and in a format the server reads is sent unchanged.

QImage is safe to use off the UI thread; the encoder is called on the chat worker thread.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap

from rubikpi_studio.core.imaging import (
    MIME_JPEG,
    MIME_PNG,
    ImageData,
    ImageRejected,
    sniff_image_mime,
)

__all__ = ["QtImageEncoder", "image_to_bytes", "load_image", "thumbnail"]

DEFAULT_MAX_SIDE = 512


def load_image(data: bytes) -> QImage:
    """Decode `data`; raise ImageRejected when it is not a readable PNG/JPEG/GIF/BMP/WEBP image."""
    if sniff_image_mime(data) is None:
        raise ImageRejected(
            "This file is not a PNG, JPEG, GIF, BMP or WEBP image.",
            hint="Attach a picture in one of those formats.",
        )
    image = QImage.fromData(QByteArray(data))
    if image.isNull():
        raise ImageRejected("The image could not be read (damaged or unsupported).")
    return image


def image_to_bytes(image: QImage, fmt: str = "PNG", quality: int = -1) -> bytes:
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.11 accepts the format as str at run time although its stubs say bytes.
    if not image.save(dev, fmt, quality):  # type: ignore[call-overload]
        raise ImageRejected(f"The image could not be encoded as {fmt}.")
    dev.close()
    return bytes(buf.data())


class QtImageEncoder:
    """Scale down (keeping the aspect ratio) and re-encode; see the module text."""

    def __init__(self, max_side: int = DEFAULT_MAX_SIDE, *, jpeg_quality: int = 90) -> None:
        self.max_side = max(16, int(max_side))
        self.jpeg_quality = jpeg_quality

    def encode(self, data: bytes) -> ImageData:
        mime = sniff_image_mime(data)
        image = load_image(data)
        small = max(image.width(), image.height()) <= self.max_side
        if small and mime in (MIME_PNG, MIME_JPEG):
            return ImageData(data=data, mime=mime)
        if not small:
            image = image.scaled(
                self.max_side,
                self.max_side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        if mime == MIME_PNG or image.hasAlphaChannel():
            return ImageData(data=image_to_bytes(image, "PNG"), mime=MIME_PNG)
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        return ImageData(data=image_to_bytes(rgb, "JPEG", self.jpeg_quality), mime=MIME_JPEG)


def thumbnail(data: bytes, size: int = 72) -> QPixmap:
    """A square-bounded thumbnail (UI thread); an empty pixmap when the bytes are not an image."""
    image = QImage.fromData(QByteArray(data))
    if image.isNull():
        return QPixmap()
    return QPixmap.fromImage(
        image.scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    )
