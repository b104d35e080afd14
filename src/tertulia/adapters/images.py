"""Image work with Pillow in a pool of worker processes: WebP thumbnails, the original with its
metadata removed, and a BlurHash placeholder. The event loop only waits."""

from __future__ import annotations

import asyncio
import functools
import io
import math
import multiprocessing
import signal
import struct
import time
import warnings
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageFile

from tertulia.adapters.blurhash import blurhash
from tertulia.usecases.ports import THUMBNAIL_SIZES, ImageRejected, ProcessedImage, Rendition

FORMATS = {  # the types we render: Pillow's format name and the original's extension
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/gif": ("GIF", "gif"),
    "image/webp": ("WEBP", "webp"),
}
WEBP_QUALITY = 80
WEBP_METHOD = 2  # libwebp effort 0-6: 2 is ~30% less CPU than 4 for a barely larger file
PLACEHOLDER_SIZE = 32  # px, the longest side of the image the BlurHash is computed from
JOBS_PER_WORKER = 100  # a pool is replaced after this many jobs per worker: leaks stay bounded
STARTED = ".started"  # in a job's workdir: when its worker began it (seconds since the epoch)


@dataclass(frozen=True, slots=True)
class Limits:
    """What an image may cost: pixels of one frame, frames, and pixels of all frames."""

    max_pixels: int = 50_000_000
    max_frames: int = 300
    max_animated_pixels: int = 500_000_000


# The pool ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rejection:
    """An ImageRejected on its way back from a worker (which pickles by its args only)."""

    code: str
    detail: str


@dataclass(eq=False)
class _Pool:
    executor: ProcessPoolExecutor
    jobs: int = 0  # submitted, to know when to replace it
    running: int = 0  # in flight now
    crowd: int | None = None  # jobs in flight when it broke: alone, a job is the culprit


class PillowImages:
    """The ImageProcessor on Pillow, in `workers` processes started ("spawn": the server has
    threads) on first use.

    A worker that dies (a decoder crashing on a hostile file) breaks the pool: it is replaced,
    and the job that was alone in it is rejected as image.corrupt; jobs that shared the broken
    pool get one more try in the new one. Pools are replaced every JOBS_PER_WORKER jobs per
    worker, instead of `max_tasks_per_child`, which deadlocks with queued jobs on Python up
    to 3.13 (cpython gh-115634).

    A job has `seconds` from when its worker begins it (a pool's start and a wait in its
    queue aside): then the kernel kills the worker (SIGALRM, whose default action needs no
    help from a worker stuck in a decoder's C loop), the pool is replaced as for a crash, and
    the job is rejected as image.too_slow.
    """

    def __init__(
        self,
        workers: int = 2,
        max_pixels: int = 50_000_000,
        max_frames: int = 300,
        max_animated_pixels: int = 500_000_000,
        seconds: float = 60.0,
    ) -> None:
        self._workers = workers
        self._limits = Limits(max_pixels, max_frames, max_animated_pixels)
        self._seconds = seconds
        self._pool: _Pool | None = None

    def _current(self) -> _Pool:
        pool = self._pool
        if pool is not None and pool.jobs >= JOBS_PER_WORKER * self._workers:
            pool.executor.shutdown(wait=False)  # its jobs in flight finish, then it exits
            pool = None
        if pool is None:
            pool = _Pool(
                ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=start_worker,
                    initargs=(self._limits.max_pixels,),
                )
            )
            self._pool = pool
        return pool

    async def process(self, source: Path, content_type: str, workdir: Path) -> ProcessedImage:
        if content_type not in FORMATS:
            raise ImageRejected("image.unsupported", f"{content_type} is not an image we render")
        job = functools.partial(
            work, str(source), content_type, str(workdir), self._limits, self._seconds
        )
        for attempt in (1, 2):
            pool = self._current()
            pool.jobs += 1
            pool.running += 1
            try:
                future = asyncio.get_running_loop().run_in_executor(pool.executor, job)
                result = await future
            except BrokenProcessPool:
                if pool.crowd is None:
                    pool.crowd = pool.running
                if self._pool is pool:
                    self._pool = None
                    pool.executor.shutdown(wait=False, cancel_futures=True)
                if await asyncio.to_thread(_overran, workdir, self._seconds):  # killed for it
                    raise ImageRejected(
                        "image.too_slow", f"the image took more than {self._seconds:g} s"
                    ) from None
                if pool.crowd == 1 or attempt == 2:
                    raise ImageRejected(
                        "image.corrupt", "the image worker died on this image"
                    ) from None
                continue
            finally:
                pool.running -= 1
            if isinstance(result, _Rejection):
                raise ImageRejected(result.code, result.detail)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.executor.shutdown, wait=True, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """The process ids of the current pool's workers (for benches and tests)."""
        if self._pool is None:
            return []
        processes = self._pool.executor._processes  # no public accessor
        return sorted(processes or {})


def start_worker(max_pixels: int) -> None:
    """Pillow's safety, once per worker: a frame larger than the policy is a bomb, and a
    truncated file is an error, never half an image. Pillow's formats are loaded now, so
    that a job's time is spent on its image; SIGALRM kills (its default action)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    Image.init()
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def work(
    source: str, content_type: str, workdir: str, limits: Limits, seconds: float
) -> ProcessedImage | _Rejection:
    """process_image for the pool: a rejection comes back as a value. The worker notes when
    it began and is killed if the job is not done `seconds` later."""
    started = Path(workdir) / STARTED
    started.write_text(repr(time.time()))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return process_image(source, content_type, workdir, limits)
    except ImageRejected as rejected:
        return _Rejection(rejected.code, rejected.detail)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        started.unlink(missing_ok=True)


def _overran(workdir: Path, seconds: float) -> bool:
    """Whether the job in `workdir`, whose worker died, had run out of time: it began (a
    pending job did not) at least `seconds` ago. Its note is removed, for a next attempt."""
    started = workdir / STARTED
    try:
        began = float(started.read_text())
    except (OSError, ValueError):
        return False
    finally:
        started.unlink(missing_ok=True)
    return time.time() - began >= seconds


# One image --------------------------------------------------------------------------------------


def process_image(
    source: str, content_type: str, workdir: str, limits: Limits = Limits()
) -> ProcessedImage:
    """Read the image at `source`, write `original.<ext>` and `thumb-<size>.webp` into
    `workdir`, and describe them. ImageRejected (image.unsupported, image.too_large,
    image.corrupt) for anything it cannot render; no other exception for bad input."""
    if content_type not in FORMATS:
        raise ImageRejected("image.unsupported", f"{content_type} is not an image we render")
    data = Path(source).read_bytes()  # a missing source is our error, not the image's
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's notes on odd files are not failures
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _process(data, content_type, Path(workdir), limits)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as e:
            raise ImageRejected("image.too_large", str(e) or type(e).__name__) from None
        except ImageRejected:
            raise
        except Exception as e:  # any other failure to decode means a malformed file
            raise ImageRejected("image.corrupt", f"{type(e).__name__}: {e}") from None


def _process(data: bytes, content_type: str, workdir: Path, limits: Limits) -> ProcessedImage:
    pillow_format, extension = FORMATS[content_type]
    im = Image.open(io.BytesIO(data), formats=[pillow_format])
    width, height = im.size
    if width * height > limits.max_pixels:
        raise ImageRejected("image.too_large", f"{width}×{height} is more than allowed")
    if width < 1 or height < 1:
        raise ImageRejected("image.corrupt", "the image has no pixels")
    frames = getattr(im, "n_frames", 1)
    if frames > limits.max_frames:
        raise ImageRejected("image.too_large", f"{frames} frames is more than allowed")
    if frames * width * height > limits.max_animated_pixels:
        raise ImageRejected("image.too_large", "the animation has more pixels than allowed")

    orientation = _orientation(im)
    cleaned, durations = _clean(pillow_format, data, orientation)
    original = workdir / f"original.{extension}"
    original.write_bytes(cleaned)

    icc = im.info.get("icc_profile") or None
    transpose = _TRANSPOSE.get(orientation)
    if frames > 1:
        thumbnails = _animated(im, frames, durations, icc, transpose, workdir)
    else:
        thumbnails = _still(im, icc, transpose, workdir)
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


_TRANSPOSE = {  # EXIF orientation → the transform that shows the image upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation, 1 (as stored) when absent or unreadable: broken EXIF is no
    reason to refuse a photo."""
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # Pillow raises many kinds on malformed EXIF
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _still(
    im: Image.Image, icc: bytes | None, transpose: Image.Transpose | None, workdir: Path
) -> list[tuple[Rendition, Image.Image]]:
    """Largest first, each size made from the one before; JPEG decodes at the smallest DCT
    scale that still covers the largest size."""
    largest = max(THUMBNAIL_SIZES)
    if im.format == "JPEG" and max(im.size) > largest:
        scale = largest / max(im.size)
        im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))
    im.load()
    frame = _srgb(im, icc)
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
        durations = [100] * frames
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


# The original without its metadata: the bytes rewritten, the pixels' data untouched ------------


def _corrupt(detail: str) -> ImageRejected:
    return ImageRejected("image.corrupt", detail)


def _clean(pillow_format: str, data: bytes, orientation: int) -> tuple[bytes, list[int]]:
    """The file without metadata nor trailing bytes, and its frames' durations (ms; empty
    when the format does not say them without decoding)."""
    if pillow_format == "JPEG":
        return clean_jpeg(data, orientation), []
    if pillow_format == "PNG":
        return clean_png(data), []
    if pillow_format == "GIF":
        return clean_gif(data)
    return clean_webp(data)


_JPEG_KEEP = {0xC0 + n for n in range(16)} | {0xDB, 0xDC, 0xDD}  # SOFn, DHT, DAC; DQT, DNL, DRI
_JFIF = b"JFIF\x00"


def _orientation_app1(orientation: int) -> bytes:
    """An APP1 Exif segment holding the orientation tag alone."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    ifd = struct.pack(">HHHIHHI", 1, 0x0112, 3, 1, orientation, 0, 0)
    payload = b"Exif\x00\x00" + tiff + ifd
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def clean_jpeg(data: bytes, orientation: int = 1) -> bytes:
    """The JPEG's segments that make its pixels (JFIF without thumbnail, ICC profile, Adobe,
    tables, frame, scans up to EOI), an orientation-only Exif if it is not upright, nothing
    after EOI (a ZIP appended to a JPEG goes)."""
    if data[:2] != b"\xff\xd8":
        raise _corrupt("not a JPEG")
    out = [b"\xff\xd8"]
    pending_orientation = orientation != 1
    pos, end = 2, len(data)
    while True:
        if pos + 2 > end or data[pos] != 0xFF:
            raise _corrupt("JPEG segments are malformed")
        while pos + 1 < end and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 2 > end:
            raise _corrupt("JPEG is truncated")
        marker = data[pos + 1]
        if marker == 0xD9:
            if pending_orientation:
                raise _corrupt("JPEG has no image")
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if pos + 4 > end:
            raise _corrupt("JPEG is truncated")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2 or pos + 2 + length > end:
            raise _corrupt("JPEG segment runs past the end")
        payload = data[pos + 4 : pos + 2 + length]
        segment = data[pos : pos + 2 + length]
        pos += 2 + length
        if marker == 0xE0 and payload.startswith(_JFIF) and len(payload) >= 14:
            # JFIF, without the thumbnail it may carry
            jfif = payload[:12] + b"\x00\x00"
            out.append(b"\xff\xe0" + struct.pack(">H", len(jfif) + 2) + jfif)
        elif (
            (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"))
            or (marker == 0xEE and payload.startswith(b"Adobe"))
            or marker in _JPEG_KEEP
            or marker == 0xDA
        ):
            if pending_orientation:
                out.append(_orientation_app1(orientation))
                pending_orientation = False
            out.append(segment)
        if marker != 0xDA:
            continue
        scan = pos  # entropy-coded data: up to the next marker that is not RSTn or stuffing
        while True:
            found = data.find(b"\xff", pos, end)
            if found < 0 or found + 1 >= end:
                raise _corrupt("JPEG is truncated")
            following = data[found + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                pos = found + (1 if following == 0xFF else 2)
                continue
            out.append(data[scan:found])
            pos = found
            break


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"pHYs", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def clean_png(data: bytes) -> bytes:
    """The PNG's critical and rendering chunks (CRCs checked, bytes kept), up to IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _corrupt("not a PNG")
    out = [_PNG_SIGNATURE]
    pos, end = len(_PNG_SIGNATURE), len(data)
    while True:
        if pos + 12 > end:
            raise _corrupt("PNG is truncated")
        length, kind = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            raise _corrupt("PNG chunk runs past the end")
        if len(out) == 1 and kind != b"IHDR":
            raise _corrupt("PNG does not start with IHDR")
        chunk = data[pos : pos + 12 + length]
        pos += 12 + length
        if kind in _PNG_KEEP:
            (crc,) = struct.unpack_from(">I", chunk, 8 + length)
            if zlib.crc32(chunk[4 : 8 + length]) != crc:
                raise _corrupt(f"PNG chunk {kind!r} has a bad CRC")
            out.append(chunk)
        if kind == b"IEND":
            return b"".join(out)


def _sub_blocks(data: bytes, pos: int) -> int:
    """Where a GIF's chain of data sub-blocks starting at `pos` ends."""
    end = len(data)
    while True:
        if pos >= end:
            raise _corrupt("GIF is truncated")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


_LOOP_EXTENSIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def clean_gif(data: bytes) -> tuple[bytes, list[int]]:
    """The GIF without comments and application data (but the loop count), up to its trailer;
    and each frame's delay in ms."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise _corrupt("not a GIF")
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    out = [data[:pos]]
    durations: list[int] = []
    delay = 0
    while True:
        if pos >= len(data):
            raise _corrupt("GIF is truncated")
        block = data[pos]
        if block == 0x3B:  # trailer
            out.append(b"\x3b")
            return b"".join(out), durations
        if block == 0x2C:  # image: descriptor, local colour table, LZW size, data
            if pos + 10 > len(data):
                raise _corrupt("GIF is truncated")
            local = data[pos + 9]
            start = pos
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _sub_blocks(data, pos)
            out.append(data[start:pos])
            durations.append(delay * 10)
            delay = 0
        elif block == 0x21:  # extension
            if pos + 2 > len(data):
                raise _corrupt("GIF is truncated")
            label, start = data[pos + 1], pos
            pos = _sub_blocks(data, pos + 2)
            body = data[start + 2 : pos]
            if label == 0xF9:  # graphic control: disposal, delay, transparency
                if len(body) >= 4:
                    delay = int.from_bytes(body[2:4], "little")
                out.append(data[start:pos])
            elif label == 0x01 or (label == 0xFF and body[1:12] in _LOOP_EXTENSIONS):
                out.append(data[start:pos])  # plain text renders; the loop count animates
            # comments (0xFE), other application data and unknown extensions go
        else:
            raise _corrupt("GIF block is malformed")


_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def clean_webp(data: bytes) -> tuple[bytes, list[int]]:
    """The WebP's image chunks (no EXIF, no XMP, their flags cleared), nothing past the RIFF
    size; and each frame's duration in ms."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _corrupt("not a WebP")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data) or riff_size < 4:
        raise _corrupt("WebP is truncated")
    chunks: list[bytes] = []
    durations: list[int] = []
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise _corrupt("WebP chunk is malformed")
        kind, size = struct.unpack_from("<4sI", data, pos)
        stop = pos + 8 + size + (size & 1)
        if pos + 8 + size > end:
            raise _corrupt("WebP chunk runs past the end")
        chunk = data[pos:stop]
        pos = stop
        if kind == b"VP8X" and size >= 1:
            chunk = chunk[:8] + bytes([chunk[8] & ~0x0C & 0xFF]) + chunk[9:]
        elif kind == b"ANMF" and size >= 15:
            durations.append(int.from_bytes(chunk[8 + 12 : 8 + 15], "little"))
        if kind in _WEBP_KEEP:
            chunks.append(chunk)
    body = b"".join(chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body, durations
