"""One image in a worker: its original cleaned of metadata first (so that an image we then
fail to decode still has something safe to serve, as an attachment), then decoded within the
memory budget (JPEG at a smaller scale, a large PNG in strips, the rest whole when it fits),
shown upright, and made into WebP thumbnails and a BlurHash placeholder."""

from __future__ import annotations

import functools
import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageCms, ImageFile

from tertulia.adapters.blurhash import blurhash
from tertulia.adapters.images import png, strips
from tertulia.adapters.images.cleaning import clean_file, corrupt
from tertulia.adapters.images.formats import FORMATS, PIXEL_MEMORY, Format, mode_bytes
from tertulia.adapters.images.jpeg import clean_jpeg
from tertulia.adapters.images.svg import clean_svg
from tertulia.usecases.ports.files import THUMBNAIL_SIZES, ImageRejected, ProcessedImage, Rendition

SVG = "image/svg+xml"
WEBP_QUALITY = 80
WEBP_METHOD = 2  # libwebp effort 0-6: 2 is ~30% less CPU than 4 for a barely larger file
PLACEHOLDER_SIZE = 32  # px, the longest side of the image the BlurHash is computed from
BAND_PIXELS = 1_000_000  # pixels converted at a time when a decoded image is reduced
ANIMATED = frozenset({"GIF", "WEBP", "AVIF", "PNG"})  # formats whose frames play in turn
ANIMATION_COPIES = 3  # frames an animation holds at once as it is scaled: source, previous, out


@dataclass(frozen=True, slots=True)
class Limits:
    """What an image may cost: pixels of one frame, frames, and pixels of all frames."""

    max_pixels: int = 50_000_000
    max_frames: int = 300
    max_animated_pixels: int = 500_000_000


@functools.cache
def register_heif() -> None:
    """Teach Pillow HEIF and HEIC (pillow-heif: libheif with libde265, in its wheel)."""
    pillow_heif.register_heif_opener()


def original_path(workdir: Path, content_type: str) -> Path | None:
    """Where the cleaned original of an image of this type is written in `workdir`."""
    if content_type == SVG:
        return workdir / "original.svg"
    found = FORMATS.get(content_type)
    return workdir / f"original.{found.extension}" if found else None


def _svg(source: Path, workdir: Path) -> ProcessedImage:
    """An SVG is only cleaned: it is text, never drawn here (nor shown inline)."""
    original = workdir / "original.svg"
    clean_svg(source, original)
    return ProcessedImage(
        width=None,
        height=None,
        animated=False,
        placeholder="",
        original=Rendition(0, original, SVG, 0, 0),
        thumbnails=(),
    )


def process_image(
    source: str,
    content_type: str,
    workdir: str,
    limits: Limits = Limits(),
    cleaned: Callable[[], None] = lambda: None,
) -> ProcessedImage:
    """Read the image at `source`, write `original.<ext>` (its metadata removed) and
    `thumb-<size>.webp` into `workdir`, and describe them; `cleaned` is called between the
    two. ImageRejected (image.unsupported, image.too_large, image.corrupt) for anything it
    cannot render, when the cleaned original may have been written all the same; no other
    exception for bad input."""
    if content_type == SVG:
        return _svg(Path(source), Path(workdir))
    found = FORMATS.get(content_type)
    if found is None:
        raise ImageRejected("image.unsupported", f"{content_type} is not an image we render")
    register_heif()
    path = Path(source)
    path.stat()  # a missing source is our error, not the image's
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's notes on odd files are not failures
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _process(path, content_type, found, Path(workdir), limits, cleaned)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as e:
            raise ImageRejected("image.too_large", str(e) or type(e).__name__) from None
        except ImageRejected:
            raise
        except Exception as e:  # any other failure to decode means a malformed file
            raise ImageRejected("image.corrupt", f"{type(e).__name__}: {e}") from None


def _open(source: Path, found: Format) -> tuple[ImageFile.ImageFile | None, Exception | None]:
    """The image with its header read (nothing decoded), or why it cannot be opened (a bomb,
    a malformed file: cleaned all the same, then refused)."""
    try:
        return Image.open(source, formats=[found.pillow]), None
    except Exception as e:  # DecompressionBombError, MemoryError are Exceptions too
        return None, e


def _process(
    source: Path,
    content_type: str,
    found: Format,
    workdir: Path,
    limits: Limits,
    cleaned: Callable[[], None],
) -> ProcessedImage:
    original = workdir / f"original.{found.extension}"
    im, error = _open(source, found)
    orientation = _orientation(im, source) if im is not None else 1
    durations: tuple[int, ...] = ()
    if found.clean is not None:
        cleaner = functools.partial(clean_jpeg, orientation=orientation)
        durations = clean_file(cleaner if found.pillow == "JPEG" else found.clean, source, original)
        cleaned()
    if im is None:
        if isinstance(
            error, Image.DecompressionBombError | Image.DecompressionBombWarning | MemoryError
        ):
            raise error
        raise corrupt(f"{type(error).__name__}: {error}")
    with im:
        width, height = im.size
        if width * height > limits.max_pixels:
            raise ImageRejected("image.too_large", f"{width}×{height} is more than allowed")
        if width < 1 or height < 1:
            raise corrupt("the image has no pixels")
        # a TIFF's pages or a HEIF's images are not an animation: the first is shown
        frames = getattr(im, "n_frames", 1) if found.pillow in ANIMATED else 1
        if frames > limits.max_frames:
            raise ImageRejected("image.too_large", f"{frames} frames is more than allowed")
        if frames * width * height > limits.max_animated_pixels:
            raise ImageRejected("image.too_large", "the animation has more pixels than allowed")
        icc = im.info.get("icc_profile") or None
        if found.upright:  # the decoder turns it (and its size says so already)
            orientation = 1
        transpose = _TRANSPOSE.get(orientation)
        if frames > 1:
            per_pixel = max(4 * ANIMATION_COPIES, found.bytes_per_pixel or 0)
            _fits(width * height * per_pixel, "its frames")
            if found.clean is None:
                _rewrite(im, found, original)
            thumbnails = _animated(im, frames, list(durations), icc, transpose, workdir)
        else:
            shown = _decoded(im, source, found)
            if found.clean is None:
                _rewrite(im, found, original)
            thumbnails = _still(shown, icc, transpose, workdir)
    shown_w, shown_h = (height, width) if orientation >= 5 else (width, height)
    small = _flat(thumbnails[0][1])
    small.thumbnail((PLACEHOLDER_SIZE, PLACEHOLDER_SIZE), Image.Resampling.BOX)
    nx, ny = (4, 3) if small.width >= small.height else (3, 4)
    return ProcessedImage(
        width=shown_w,
        height=shown_h,
        animated=frames > 1,
        placeholder=blurhash(small.tobytes(), small.width, small.height, nx, ny),
        original=Rendition(0, original, content_type, width, height),
        thumbnails=tuple(rendition for rendition, _ in thumbnails),
    )


def _fits(needed: float, what: str) -> None:
    """image.too_large unless decoding this much fits the worker's memory budget."""
    if needed > PIXEL_MEMORY:
        raise ImageRejected(
            "image.too_large",
            f"decoding {what} would take {needed / 2**20:.0f} MiB, more than the "
            f"{PIXEL_MEMORY / 2**20:.0f} MiB an image may",
        )


def _decoded(im: ImageFile.ImageFile, source: Path, found: Format) -> Image.Image:
    """The image decoded and reduced to at least the largest thumbnail (not upright yet),
    never holding more than the memory budget: JPEG decodes at a smaller scale, a large PNG
    a strip at a time, the rest whole if that fits (image.too_large if not)."""
    largest = max(THUMBNAIL_SIZES)
    width, height = im.size
    if found.pillow == "JPEG":
        if max(im.size) > largest:
            scale = largest / max(im.size)
            im.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        _fits(_jpeg_bytes(im, width * height), "this JPEG")
        im.load()
        return _shrink(im, max(1, max(im.size) // largest))
    factor = max(1, max(width, height) // largest)
    if found.pillow == "PNG" and factor > 1 and _png_strips(im):
        mode = "RGBA" if _has_alpha(im) else ("L" if im.mode == "L" else "RGB")
        return strips.reduced_png(source, factor, mode)
    per_pixel = found.bytes_per_pixel or mode_bytes(im.mode)
    _fits(width * height * per_pixel, f"this {found.pillow}")
    if found.pillow == "HEIF":
        return _reduced_heif(source, factor)
    im.load()
    return _shrink(im, factor)


def _reduced_heif(source: Path, factor: int) -> Image.Image:
    """The primary image of a HEIF file (upright, 8 bits), reduced a band of rows at a time
    straight from libheif's buffer, never copied whole into Pillow's."""
    heif = pillow_heif.open_heif(source, convert_hdr_to_8bit=True)
    mode = "RGBA" if heif.has_alpha else "RGB"
    width, height = heif.size
    stride = heif.stride
    data = heif.data  # a band of it is copied at a time
    band = max(factor, BAND_PIXELS // width // factor * factor)
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, band):
        rows = min(band, height - top)
        piece = Image.frombuffer(
            mode,
            (width, rows),
            data[top * stride : (top + rows) * stride],
            "raw",
            heif.mode,
            stride,
            1,
        )
        out.paste(piece.reduce(factor) if factor > 1 else piece, (0, top // factor))
    return out


def _png_strips(im: ImageFile.ImageFile) -> bool:
    """Whether this PNG can be read in strips (8 bits per sample, not interlaced)."""
    fp = im.fp
    if fp is None:
        return False
    position = fp.tell()
    try:
        fp.seek(8)
        head = fp.read(8 + 13)
    finally:
        fp.seek(position)
    return head[4:8] == b"IHDR" and strips.readable(head[8:])


def _jpeg_bytes(im: ImageFile.ImageFile, pixels: int) -> float:
    """What decoding this JPEG holds: the image at its draft scale, and for a progressive
    one the coefficients of every component at full size (2 bytes each)."""
    held = im.size[0] * im.size[1] * 4
    layers = getattr(im, "layer", [])
    if im.info.get("progressive") or im.info.get("progression"):
        if layers:
            most = max(h * v for _, h, v, _ in layers) or 1
            held += pixels * 2 * sum(h * v for _, h, v, _ in layers) / most
        else:
            held += pixels * 2 * 3
    return held


def _shrink(im: Image.Image, factor: int) -> Image.Image:
    """`im` reduced `factor` times by box averages; a mode that cannot be averaged
    (palette, bilevel, 16-bit) is converted a band of rows at a time first."""
    if factor <= 1:
        return im
    if im.mode in ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F"):
        return im.reduce(factor)
    mode = "RGBA" if _has_alpha(im) else "RGB"
    width, height = im.size
    band = max(factor, BAND_PIXELS // width // factor * factor)
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, band):
        piece = im.crop((0, top, width, min(height, top + band))).convert(mode)
        out.paste(piece.reduce(factor), (0, top // factor))
    return out


def _rewrite(im: ImageFile.ImageFile, found: Format, target: Path) -> None:
    """The original encoded again from its pixels (BMP, ICO: every size the icon holds),
    written beside `target` and moved into place once complete."""
    partial = target.with_name(target.name + ".partial")
    if found.pillow == "ICO":
        sizes = sorted(im.info.get("sizes") or {im.size})
        icons = [im.ico.getimage(size) for size in sizes]  # type: ignore[attr-defined]
        for icon in icons:
            icon.info = {}
        icons[-1].save(partial, "ICO", sizes=sizes, append_images=icons[:-1])
    else:
        im.load()
        bare = im.copy()
        bare.info = {}
        bare.save(partial, "BMP")
    partial.replace(target)


_TRANSPOSE = {  # EXIF orientation → the transform that shows the image upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image, source: Path) -> int:
    """The EXIF orientation, 1 (as stored) when absent or unreadable: broken EXIF is no
    reason to refuse a photo. A PNG's is read from its eXIf chunk here: Pillow would decode
    the whole image to look for one."""
    try:
        if im.format == "PNG":
            exif = Image.Exif()
            exif.load(png.exif_chunk(source) or b"")
        else:
            exif = im.getexif()
        value = exif.get(0x0112, 1)
    except Exception:  # Pillow raises many kinds on malformed EXIF
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _still(
    frame: Image.Image, icc: bytes | None, transpose: Image.Transpose | None, workdir: Path
) -> list[tuple[Rendition, Image.Image]]:
    """Largest first, each size made from the one before."""
    frame = _srgb(frame, icc)
    made: list[tuple[Rendition, Image.Image]] = []
    for size in sorted(THUMBNAIL_SIZES, reverse=True):
        frame = frame.copy() if made else frame
        frame.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
        shown = frame.transpose(transpose) if transpose is not None else frame
        path = workdir / f"thumb-{size}.webp"
        shown.save(path, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        made.append((Rendition(size, path, "image/webp", shown.width, shown.height), shown))
    return made[::-1]


def _animated(
    im: Image.Image,
    frames: int,
    durations: list[int],
    icc: bytes | None,
    transpose: Image.Transpose | None,
    workdir: Path,
) -> list[tuple[Rendition, Image.Image]]:
    """The smallest size is the first frame, still; the others are animated WebP with the
    source's frame durations and loop count, scaled a frame at a time."""
    if len(durations) != frames:
        durations = [im.info.get("duration", 100)] * frames if frames else []
        durations = [d if isinstance(d, int) else 100 for d in durations]
    durations = [d if d > 10 else 100 for d in durations]  # what browsers do with 0-10 ms
    loop = im.info.get("loop", 1)  # a GIF without a loop count plays once
    made: list[tuple[Rendition, Image.Image]] = []
    for size in sorted(THUMBNAIL_SIZES):
        path = workdir / f"thumb-{size}.webp"
        if not made:
            im.seek(0)
            first = _srgb(im, icc)
            first.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
            shown = first.transpose(transpose) if transpose is not None else first
            shown.save(path, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        else:
            shown = _ScaledFrames(im, frames, size, icc, transpose)
            shown.save(
                path,
                "WEBP",
                save_all=True,
                duration=durations,
                loop=loop if isinstance(loop, int) else 0,
                background=(0, 0, 0, 0),
                quality=WEBP_QUALITY,
                method=WEBP_METHOD,
            )
        made.append((Rendition(size, path, "image/webp", shown.width, shown.height), shown))
    return made


class _ScaledFrames(Image.Image):
    """An animation's frames scaled to a size, made one at a time as the WebP encoder seeks
    to them: memory holds a frame or two, not the whole animation."""

    def __init__(
        self,
        source: Image.Image,
        frames: int,
        size: int,
        icc: bytes | None,
        transpose: Image.Transpose | None,
    ) -> None:
        super().__init__()
        self._source = source
        self._box = size
        self._icc = icc
        self._transpose = transpose
        self._frame = -1
        self.n_frames = frames
        self.seek(0)

    def seek(self, frame: int) -> None:
        if frame == self._frame:
            return
        self._source.seek(frame)
        scaled = _srgb(self._source, self._icc, alpha=True)
        scaled.thumbnail((self._box, self._box), Image.Resampling.BICUBIC, reducing_gap=2.0)
        if self._transpose is not None:
            scaled = scaled.transpose(self._transpose)
        self.im = scaled.im
        self._mode = scaled.mode
        self._size = scaled.size
        self._frame = frame

    def tell(self) -> int:
        return self._frame


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _srgb(im: Image.Image, icc: bytes | None, alpha: bool = False) -> Image.Image:
    """The image in sRGB, RGB or RGBA (with transparency), with no profile or metadata."""
    mode = "RGBA" if alpha or _has_alpha(im) else "RGB"
    base = im if im.mode in ("RGB", "RGBA", "CMYK", "L") else im.convert(mode)
    out: Image.Image | None = None
    if icc is not None:
        try:
            transform = _transform(icc, base.mode, mode)
            out = ImageCms.applyTransform(base, transform)
        except (ImageCms.PyCMSError, OSError, ValueError):
            out = None  # an unusable profile: show the numbers as they are
    if out is None:
        out = base.convert(mode) if base.mode != mode else base.copy()
    out.info = {}
    return out


@functools.lru_cache(maxsize=8)
def _transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    """A profile → sRGB transform, kept: most photos carry one of a few profiles."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    srgb = ImageCms.createProfile("sRGB")
    return ImageCms.buildTransform(source, srgb, in_mode, out_mode)


def _flat(im: Image.Image) -> Image.Image:
    """RGB, transparency laid on white."""
    if im.mode == "RGB":
        return im.copy()
    rgba = im.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat
