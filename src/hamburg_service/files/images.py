"""Images are decoded and encoded again from their pixels alone: what a camera or phone writes
beside them (EXIF with the place a photo was taken, the device, comments, text chunks, ICC
profiles with device names) is not kept, and whatever hid in the file beside the pixels is
gone. Only the orientation is applied first (so the page stays upright) and the resolution
kept (so a scan prints at its size). An image too large to decode safely (a "decompression
bomb": a small file of millions of pixels) is refused before its pixels are read."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from hamburg_service.files.policy import JPEG, PNG, FileType

MAX_SIDE = 20_000  # pixels on the longest side
_FORMATS = {JPEG.content_type: "JPEG", PNG.content_type: "PNG"}


class ImageRefused(Exception):
    """`reason` is "unreadable" or "too-large"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def image_reencode(data: bytes, file_type: FileType, *, max_pixels: int) -> bytes:
    """The image encoded anew in its own format, without metadata."""
    image_format = _FORMATS[file_type.content_type]
    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and refuses at twice that: both refuse here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                width, height = image.size
                if width * height > max_pixels or max(width, height) > MAX_SIDE:
                    raise ImageRefused("too-large")
                image.load()
                return _encoded(image, image_format)
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRefused("too-large") from error
        except Exception as error:  # damaged or truncated: Pillow fails in many ways
            raise ImageRefused("unreadable") from error


def _encoded(image: Image.Image, image_format: str) -> bytes:
    dpi = image.info.get("dpi")
    upright = ImageOps.exif_transpose(image)  # a copy, turned as the camera meant it
    if upright.mode == "P" or (image_format == "PNG" and "transparency" in upright.info):
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    elif image_format == "JPEG" and upright.mode not in {"L", "RGB", "CMYK"}:
        upright = upright.convert("RGB")
    # The encoders take comments, profiles and transparency from `info`: nothing follows.
    upright.info = {}
    options: dict[str, object] = {"dpi": dpi} if _plausible_dpi(dpi) else {}
    if image_format == "JPEG":
        options["quality"] = 90
    out = io.BytesIO()
    upright.save(out, format=image_format, **options)
    return out.getvalue()


def _plausible_dpi(dpi: object) -> bool:
    return (
        isinstance(dpi, tuple)
        and len(dpi) == 2
        and all(isinstance(v, int | float) and 1 <= v <= 10_000 for v in dpi)
    )
