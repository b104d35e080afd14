"""Image work with Pillow (and pillow-heif for HEIC) in a pool of worker processes: WebP
thumbnails, the original with its metadata removed, and a BlurHash placeholder.

pool.py runs the workers; render.py does one image (strips.py reads a large PNG a strip at
a time); formats.py lists what we process; one module per format removes its metadata
(jpeg, png, gif, webp, tiff, heif for HEIC/HEIF/AVIF, svg; cleaning.py is what they
share)."""

from tertulia.adapters.images.formats import FORMATS
from tertulia.adapters.images.pool import PillowImages, start_worker
from tertulia.adapters.images.render import WEBP_METHOD, WEBP_QUALITY, Limits, process_image

__all__ = [
    "FORMATS",
    "WEBP_METHOD",
    "WEBP_QUALITY",
    "Limits",
    "PillowImages",
    "process_image",
    "start_worker",
]
