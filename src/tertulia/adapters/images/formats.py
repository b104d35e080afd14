"""The image formats we process, and what decoding each costs in memory.

Each is decoded (orientation applied, thumbnails made) and served with every metadata block
removed: JPEG, PNG, GIF, WebP, TIFF, HEIC/HEIF and AVIF by rewriting their bytes (the pixels'
data untouched), BMP and ICO by encoding their pixels again (their headers hold nothing
else worth keeping, and their pixels are stored plainly, so nothing is lost)."""

from __future__ import annotations

from dataclasses import dataclass

from tertulia.adapters.images.cleaning import Cleaner
from tertulia.adapters.images.gif import clean_gif
from tertulia.adapters.images.heif import clean_heif
from tertulia.adapters.images.jpeg import clean_jpeg
from tertulia.adapters.images.png import clean_png
from tertulia.adapters.images.tiff import clean_tiff
from tertulia.adapters.images.webp import clean_webp

MEMORY_BUDGET = 256 * 1024 * 1024  # what one worker may hold at its peak
BASELINE = 80 * 1024 * 1024  # Python, Pillow and the codecs' libraries, with margin
PIXEL_MEMORY = MEMORY_BUDGET - BASELINE  # what decoding one image may take


@dataclass(frozen=True, slots=True)
class Format:
    """`pillow`: Pillow's name for it; `extension` of the cleaned original; `clean` rewrites
    its bytes without metadata (None: the original is encoded again from its pixels);
    `bytes_per_pixel`: what decoding it holds at its peak, per pixel (measured with
    bench/images.py), where that is more than the decoded image's own; `upright`: its
    decoder applies the orientation itself (Pillow's TIFF, pillow-heif)."""

    pillow: str
    extension: str
    clean: Cleaner | None
    bytes_per_pixel: float | None = None
    upright: bool = False


FORMATS = {
    "image/jpeg": Format("JPEG", "jpg", clean_jpeg),
    "image/png": Format("PNG", "png", clean_png),
    "image/gif": Format("GIF", "gif", clean_gif),
    # libwebp's canvas and its copies, then Pillow's image: 16 bytes a pixel
    "image/webp": Format("WEBP", "webp", clean_webp, bytes_per_pixel=16),
    # libavif's YUV planes and RGB buffer, then Pillow's image
    "image/avif": Format("AVIF", "avif", clean_heif, bytes_per_pixel=9.5),
    # libheif's YUV planes and RGB buffer, reduced from there a band at a time
    "image/heic": Format("HEIF", "heic", clean_heif, bytes_per_pixel=6, upright=True),
    "image/heif": Format("HEIF", "heif", clean_heif, bytes_per_pixel=6, upright=True),
    # Pillow's image and libtiff's strip buffers
    "image/tiff": Format("TIFF", "tif", clean_tiff, bytes_per_pixel=6, upright=True),
    "image/bmp": Format("BMP", "bmp", None),
    "image/vnd.microsoft.icon": Format("ICO", "ico", None),
}

# bytes a pixel takes in Pillow's memory, by mode (RGB is stored in four)
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "LA": 4, "PA": 4}


def mode_bytes(mode: str) -> int:
    return MODE_BYTES.get(mode, 4)
