"""The Pillow image processor, on images drawn at test time, through its real worker pool."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

from tertulia.adapters.blurhash import blurhash
from tertulia.adapters.images import PillowImages
from tertulia.adapters.images.cleaning import joined
from tertulia.adapters.images.jpeg import clean_jpeg
from tertulia.usecases.ports.files import THUMBNAIL_SIZES, ImageRejected, ProcessedImage

SECRET_MAKE = "SecretCam-9000"


@pytest.fixture(scope="module")
async def images() -> AsyncIterator[PillowImages]:
    processor = PillowImages(workers=1)
    yield processor
    await processor.aclose()


def scene(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with structure (gradient, shapes) and a red block in its top-left corner."""
    w, h = size
    im = Image.linear_gradient("L").resize(size).convert(mode)
    draw = ImageDraw.Draw(im)
    draw.ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(30, 120, 200))
    draw.rectangle((0, 0, w // 5, h // 5), fill=(255, 0, 0))
    return im


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """The JPEG with these segments inserted right after SOI."""
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def webp_chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    kinds, pos = [], 12
    while pos < len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        kinds.append(kind)
        pos += 8 + size + (size & 1)
    return kinds


def assert_bare_thumbnails(result: ProcessedImage) -> None:
    assert [t.size for t in result.thumbnails] == sorted(THUMBNAIL_SIZES)
    for thumb in result.thumbnails:
        assert thumb.path.name == f"thumb-{thumb.size}.webp"
        assert thumb.content_type == "image/webp"
        assert set(webp_chunks(thumb.path)) <= {
            b"VP8 ",
            b"VP8L",
            b"VP8X",
            b"ALPH",
            b"ANIM",
            b"ANMF",
        }
        with Image.open(thumb.path) as im:
            assert im.size == (thumb.width, thumb.height)
            assert max(im.size) <= thumb.size
            assert not {"exif", "icc_profile", "xmp"} & set(im.info)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def rejected(images: PillowImages, path: Path, content_type: str, out: Path) -> str:
    with pytest.raises(ImageRejected) as info:
        await images.process(path, content_type, out)
    return info.value.code


@pytest.fixture
def out(tmp_path: Path) -> Path:
    workdir = tmp_path / "out"
    workdir.mkdir()
    return workdir


def phone_photo() -> bytes:
    """A 400x300 JPEG stored sideways (orientation 6) with camera make, GPS, XMP, a comment
    and an sRGB profile."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = SECRET_MAKE
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 1.5), 3: "W", 4: (3.0, 42.0, 7.25)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    scene((400, 300)).save(buffer, "JPEG", quality=90, exif=exif, icc_profile=icc)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret-place</x:xmpmeta>"
    return with_segments(buffer.getvalue(), segment(0xE1, xmp), segment(0xFE, b"secret note"))


async def test_a_sideways_phone_photo_is_shown_upright_and_loses_its_metadata(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """Thumbnails come out rotated and bare; the original keeps its pixels and orientation
    but not where or with what camera it was taken."""
    source = write(tmp_path / "photo.jpg", phone_photo())
    result = await images.process(source, "image/jpeg", out)

    assert (result.width, result.height) == (300, 400)
    assert not result.animated
    assert [(t.width, t.height) for t in result.thumbnails] == [(48, 64), (270, 360), (300, 400)]
    assert_bare_thumbnails(result)
    with Image.open(result.thumbnails[-1].path) as shown:
        assert shown.convert("RGB").getpixel((295, 5)) == pytest.approx((255, 0, 0), abs=40)

    original = result.original
    assert (original.size, original.content_type) == (0, "image/jpeg")
    assert (original.width, original.height) == (400, 300)
    assert original.path.name == "original.jpg"
    cleaned = original.path.read_bytes()
    for secret in (SECRET_MAKE.encode(), b"secret-place", b"secret note", b"GPS"):
        assert secret not in cleaned
    with Image.open(original.path) as im, Image.open(source) as before:
        assert dict(im.getexif()) == {0x0112: 6}
        assert im.getexif().get_ifd(0x8825) == {}
        assert "icc_profile" in im.info  # the colours stay as they were meant
        assert im.tobytes() == before.tobytes()


async def test_a_transparent_png_keeps_its_alpha_and_loses_its_text(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """Text chunks and EXIF go from the original; thumbnails keep the transparency."""
    im = scene((200, 100), "RGBA")
    ImageDraw.Draw(im).rectangle((100, 0, 199, 99), fill=(0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_itxt("Author", "secret-itxt", zip=True)
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE
    buffer = io.BytesIO()
    im.save(buffer, "PNG", pnginfo=info, exif=exif)
    source = write(tmp_path / "pic.png", buffer.getvalue() + b"trailing junk")

    result = await images.process(source, "image/png", out)

    assert_bare_thumbnails(result)
    assert (result.thumbnails[-1].width, result.thumbnails[-1].height) == (200, 100)
    with Image.open(result.thumbnails[-1].path) as thumb:
        assert thumb.mode == "RGBA"
        assert thumb.getpixel((150, 50))[3] == 0
        assert thumb.getpixel((10, 10))[3] == 255
    cleaned = result.original.path.read_bytes()
    for secret in (b"tEXt", b"iTXt", b"eXIf", b"secret", SECRET_MAKE.encode(), b"junk"):
        assert secret not in cleaned
    assert cleaned.endswith(b"IEND\xae\x42\x60\x82")
    with Image.open(result.original.path) as after:
        assert after.tobytes() == im.tobytes()


def animation(frames: int, size: tuple[int, int] = (120, 80)) -> list[Image.Image]:
    out = []
    for i in range(frames):
        im = Image.new("RGB", size, (i * 80 % 256, 100, 200 - i % 200))
        ImageDraw.Draw(im).rectangle((i * 5 % size[0], 10, i * 5 % size[0] + 20, 30), fill="white")
        out.append(im)
    return out


async def test_an_animated_gif_stays_animated_except_the_smallest_thumbnail(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """360 and 1280 are animated WebP with the frames' durations and loop; 64 is still; a
    comment carrying a script is gone from the original."""
    frames = animation(3)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=b"<script>alert(document.cookie)</script>",
    )
    source = write(tmp_path / "anim.gif", buffer.getvalue() + b"after the trailer")

    result = await images.process(source, "image/gif", out)

    assert result.animated
    assert (result.width, result.height) == (120, 80)
    assert_bare_thumbnails(result)
    small, middle, large = result.thumbnails
    with Image.open(small.path) as im:
        assert getattr(im, "n_frames", 1) == 1
        assert im.size == (64, 43)
    for thumb in (middle, large):
        with Image.open(thumb.path) as im:
            assert im.size == (120, 80)  # never upscaled
            assert im.n_frames == 3
            assert im.info["loop"] == 0
            durations = []
            for index in range(im.n_frames):
                im.seek(index)
                im.load()
                durations.append(im.info["duration"])
            assert durations == [100, 200, 300]
    cleaned = result.original.path.read_bytes()
    assert b"alert" not in cleaned
    assert b"NETSCAPE2.0" in cleaned
    assert cleaned.endswith(b"\x3b")
    with Image.open(result.original.path) as after:
        assert after.n_frames == 3


async def test_an_animated_webp_loses_exif_and_xmp(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """The original WebP keeps its frames but neither EXIF nor XMP, nor their flags."""
    frames = animation(4)
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=50,
        loop=2,
        exif=exif,
        xmp=b"<x:xmpmeta>secret-place</x:xmpmeta>",
        lossless=True,
    )
    source = write(tmp_path / "anim.webp", buffer.getvalue() + b"junk")

    result = await images.process(source, "image/webp", out)

    assert result.animated
    assert_bare_thumbnails(result)
    chunks = webp_chunks(result.original.path)
    assert not {b"EXIF", b"XMP "} & set(chunks)
    cleaned = result.original.path.read_bytes()
    assert cleaned[20] & 0x0C == 0  # VP8X flags: no EXIF, no XMP
    assert SECRET_MAKE.encode() not in cleaned
    assert b"junk" not in cleaned
    with Image.open(result.original.path) as after:
        assert after.n_frames == 4
    with Image.open(result.thumbnails[1].path) as im:
        assert im.n_frames == 4
        assert im.info["loop"] == 2


async def test_small_images_are_never_upscaled(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A 300x200 picture stays 300x200 in the larger sizes."""
    buffer = io.BytesIO()
    scene((300, 200)).save(buffer, "WEBP")
    source = write(tmp_path / "small.webp", buffer.getvalue())

    result = await images.process(source, "image/webp", out)

    assert [(t.width, t.height) for t in result.thumbnails] == [(64, 43), (300, 200), (300, 200)]


async def test_a_jpeg_with_a_zip_appended_is_served_without_it(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A JPEG+ZIP polyglot is a fine image, and its original stops at the end of the JPEG."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    buffer = io.BytesIO()
    scene((320, 240)).save(buffer, "JPEG")
    source = write(tmp_path / "poly.jpg", buffer.getvalue() + archive.getvalue())

    result = await images.process(source, "image/jpeg", out)

    cleaned = result.original.path.read_bytes()
    assert b"PK\x03\x04" not in cleaned
    assert cleaned.endswith(b"\xff\xd9")
    with Image.open(result.original.path) as after, Image.open(io.BytesIO(buffer.getvalue())) as im:
        assert after.tobytes() == im.tobytes()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims that size, with one tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


async def test_decompression_bombs_are_too_large(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A header claiming 60000x60000 pixels, or a real 8000x7000 picture that compresses to
    little, is refused from its header, before anything is decoded: it gets no thumbnail,
    only its cleaned original, to be served as an attachment."""
    claimed = write(tmp_path / "claimed.png", png_claiming(60_000, 60_000))
    assert await rejected(images, claimed, "image/png", out) == "image.too_large"

    buffer = io.BytesIO()
    Image.new("1", (8000, 7000)).save(buffer, "PNG")
    real = write(tmp_path / "real.png", buffer.getvalue())
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ImageRejected) as info:
        await images.process(real, "image/png", out)
    assert info.value.code == "image.too_large"
    assert info.value.original == out / "original.png"
    assert info.value.original.read_bytes() == buffer.getvalue()  # it had no metadata
    assert not (out / "thumb-64.webp").exists()


async def test_too_many_frames_is_too_large(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """An animation of 301 frames (the limit is 300) is refused."""
    frames = animation(301, (8, 8))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20)
    source = write(tmp_path / "long.gif", buffer.getvalue())
    with Image.open(source) as im:
        assert im.n_frames == 301

    assert await rejected(images, source, "image/gif", out) == "image.too_large"


async def test_broken_files_are_corrupt(images: PillowImages, tmp_path: Path, out: Path) -> None:
    """Truncated files, random bytes and bad checksums are image.corrupt, nothing else."""
    buffer = io.BytesIO()
    scene((320, 240)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    truncated = write(tmp_path / "truncated.jpg", jpeg[: len(jpeg) // 2])
    assert await rejected(images, truncated, "image/jpeg", out) == "image.corrupt"

    noise = write(tmp_path / "noise.jpg", os.urandom(5000))
    assert await rejected(images, noise, "image/jpeg", out) == "image.corrupt"
    assert await rejected(images, noise, "image/png", out) == "image.corrupt"
    assert await rejected(images, noise, "image/gif", out) == "image.corrupt"
    assert await rejected(images, noise, "image/webp", out) == "image.corrupt"

    buffer = io.BytesIO()
    scene((64, 64)).save(buffer, "PNG")
    png = bytearray(buffer.getvalue())
    png[-20] ^= 0xFF  # inside the last IDAT: its CRC no longer matches
    bad_crc = write(tmp_path / "bad-crc.png", bytes(png))
    assert await rejected(images, bad_crc, "image/png", out) == "image.corrupt"

    buffer = io.BytesIO()
    animation(2)[0].save(buffer, "GIF")
    cut_gif = write(tmp_path / "cut.gif", buffer.getvalue()[:-30])
    assert await rejected(images, cut_gif, "image/gif", out) == "image.corrupt"


async def test_unsupported_types_are_refused(images: PillowImages, tmp_path: Path) -> None:
    """A type we do not process (JPEG 2000, say) is image.unsupported."""
    jp2 = write(tmp_path / "x.jp2", b"\x00\x00\x00\x0cjP  \r\n\x87\n")
    assert await rejected(images, jp2, "image/jp2", tmp_path) == "image.unsupported"


async def test_a_worker_that_dies_costs_only_its_job(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """When the worker process is killed mid-job, that job is image.corrupt and the next job
    runs in a fresh worker."""
    fifo = tmp_path / "stuck.png"
    os.mkfifo(fifo)  # the worker blocks opening it: the job is surely in progress
    job = asyncio.create_task(images.process(fifo, "image/png", out))
    for _ in range(200):
        await asyncio.sleep(0.05)
        if pids := images.worker_pids():
            break
    await asyncio.sleep(0.5)
    os.kill(pids[0], signal.SIGKILL)
    with pytest.raises(ImageRejected) as info:
        await job
    assert info.value.code == "image.corrupt"

    buffer = io.BytesIO()
    scene((100, 100)).save(buffer, "PNG")
    source = write(tmp_path / "fine.png", buffer.getvalue())
    result = await images.process(source, "image/png", out)
    assert (result.width, result.height) == (100, 100)
    assert images.worker_pids() != pids


def big_png() -> bytes:
    """A 12000x12000 grey PNG (144 MP): over a second of real work, several times the
    quarter of a second the test allows it, on a fast day too."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((12000, 12000)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_an_image_that_takes_too_long_is_stopped_and_its_worker_replaced(
    tmp_path: Path, out: Path
) -> None:
    """An image whose processing outlasts the time limit is image.too_slow, and its worker is
    killed rather than left working; a fresh one takes the next image. The limit counts from
    when the worker begins an image, so a pool's start does not eat into it."""
    buffer = io.BytesIO()
    scene((100, 100)).save(buffer, "PNG")
    small = write(tmp_path / "small.png", buffer.getvalue())
    big = write(tmp_path / "big.png", big_png())
    images = PillowImages(workers=1, seconds=0.25, max_pixels=200_000_000)
    try:
        first = await images.process(small, "image/png", out)  # in a pool just started
        assert (first.width, first.height) == (100, 100)
        pids = images.worker_pids()
        assert await rejected(images, big, "image/png", out) == "image.too_slow"
        for _ in range(200):  # the pool reaps its killed worker
            if all(gone(pid) for pid in pids):
                break
            await asyncio.sleep(0.05)
        assert all(gone(pid) for pid in pids)
        again = await images.process(small, "image/png", out)
        assert (again.width, again.height) == (100, 100)
        assert images.worker_pids() != pids
    finally:
        await images.aclose()


def test_orientation_only_exif_is_minimal() -> None:
    """An upright JPEG gets no EXIF at all; a rotated one gets the orientation tag alone."""
    buffer = io.BytesIO()
    scene((16, 16)).save(buffer, "JPEG")
    data = buffer.getvalue()
    assert b"Exif" not in joined(data, clean_jpeg(data, 1))
    rotated = joined(data, clean_jpeg(data, 8))
    with Image.open(io.BytesIO(rotated)) as im:
        assert dict(im.getexif()) == {0x0112: 8}


# BlurHash ---------------------------------------------------------------------------------------

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def test_blurhash_of_a_flat_colour() -> None:
    """Flat white, worked out by hand from the reference algorithm: it samples cosines at
    pixel edges, so on a flat image the odd components are not zero but 2/width (and
    2/height, and 2/(width·height)); even ones are. On 32x24 the largest is 2/24, which
    quantises to 13 ("D"); 2/32 then encodes as 17·381 = "_3", 2/24 as 18·381 = "~q",
    2/768 as 11·381 = "of", zero as 9·381 = "fQ"; white is "TSUA"."""
    white = bytes([255]) * (32 * 24 * 3)
    assert blurhash(white, 32, 24, 4, 3) == "LDTSUA" + "_3fQ_3" + "~qoffQof" + "fQ" * 4
    assert blurhash(white, 32, 24, 1, 1) == "00TSUA"


def test_blurhash_shape_and_direction() -> None:
    """Length is 4 + 2·nx·ny, the first digit encodes the components, and red on the left
    shows as a positive first horizontal red component."""
    im = Image.new("RGB", (32, 24), (0, 0, 255))
    ImageDraw.Draw(im).rectangle((0, 0, 15, 23), fill=(255, 0, 0))
    for nx, ny in ((4, 3), (3, 4), (1, 1), (9, 9)):
        code = blurhash(im.tobytes(), 32, 24, nx, ny)
        assert len(code) == 4 + 2 * nx * ny
        assert DIGITS.index(code[0]) == (nx - 1) + (ny - 1) * 9
    code = blurhash(im.tobytes(), 32, 24, 4, 3)
    first_ac = DIGITS.index(code[6]) * 83 + DIGITS.index(code[7])
    red, blue = first_ac // 361, first_ac % 19
    assert red > 9 > blue


async def test_the_placeholder_is_a_blurhash_of_the_shown_image(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A landscape picture gets a 4x3 BlurHash, a portrait one 3x4 (after orientation)."""
    buffer = io.BytesIO()
    scene((300, 200)).save(buffer, "PNG")
    result = await images.process(write(tmp_path / "l.png", buffer.getvalue()), "image/png", out)
    assert len(result.placeholder) == 4 + 2 * 4 * 3
    assert result.placeholder[0] == DIGITS[3 + 2 * 9]

    result = await images.process(write(tmp_path / "p.jpg", phone_photo()), "image/jpeg", out)
    assert len(result.placeholder) == 4 + 2 * 3 * 4
    assert result.placeholder[0] == DIGITS[2 + 3 * 9]
