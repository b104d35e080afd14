"""Every image format we accept, through the real worker pool: each loses every metadata
block (EXIF with camera, author and GPS, XMP, IPTC, comments, text) from its original and
its thumbnails, is shown upright, and gets thumbnails; a large PNG is decoded in strips to
the same pixels; an image too big for a worker's memory keeps only its cleaned original."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from tertulia.adapters.images import PillowImages, strips
from tertulia.usecases.ports.files import THUMBNAIL_SIZES, ImageRejected

SECRETS = (b"SecretCam", b"Model-9000", b"Ana Artista", b"secret-xmp", b"secret-iptc")
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>secret-xmp</rdf:Description></x:xmpmeta>'
)


@pytest.fixture(scope="module")
async def images() -> AsyncIterator[PillowImages]:
    processor = PillowImages(workers=1)
    yield processor
    await processor.aclose()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    workdir = tmp_path / "out"
    workdir.mkdir()
    return workdir


def scene(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """A gradient with a red block in its top-left corner (to tell which way is up)."""
    w, h = size
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    ImageDraw.Draw(im).rectangle((0, 0, w // 5, h // 5), fill=(255, 0, 0))
    return im


def camera_exif(orientation: int = 6) -> Image.Exif:
    """A phone's EXIF: turned sideways, its make, model, owner and where it was taken."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"
    exif[0x0110] = "Model-9000"
    exif[0x013B] = "Ana Artista"
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 1.5), 3: "W", 4: (3.0, 42.0, 7.25)}
    return exif


def encoded(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    scene().save(buffer, fmt, **options)
    return buffer.getvalue()


def heic() -> bytes:
    pillow_heif.register_heif_opener()
    return encoded("HEIF", exif=camera_exif().tobytes(), xmp=XMP, quality=70)


def avif() -> bytes:
    return encoded("AVIF", exif=camera_exif().tobytes(), xmp=XMP, quality=70, speed=10)


def tiff() -> bytes:
    """Make, model and artist tags, XMP and IPTC blocks, an image description, sideways; and
    bytes after the image that nothing points at."""
    info = {
        271: "SecretCam",
        272: "Model-9000",
        315: "Ana Artista",
        270: "secret-iptc description",
        700: XMP,
        33723: b"\x1c\x02\x78\x00\x0bsecret-iptc",
        274: 6,
    }
    return encoded("TIFF", tiffinfo=info, compression="tiff_deflate") + b"secret-iptc tail"


def webp() -> bytes:
    return encoded("WEBP", exif=camera_exif(), xmp=XMP)


def jpeg() -> bytes:
    """EXIF, and an IPTC block (APP13) and XMP (APP1) a photo editor added."""
    data = encoded("JPEG", exif=camera_exif().tobytes(), quality=90)
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0f\x1c\x02\x50\x00\x0bsecret-iptc"
    xmp = b"http://ns.adobe.com/xap/1.0/\x00" + XMP
    segments = [b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc]
    segments.append(b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp)
    return data[:2] + b"".join(segments) + data[2:]


def png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ana Artista")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=True)
    return encoded("PNG", pnginfo=info, exif=camera_exif())


def gif() -> bytes:
    """A comment and a plain-text extension (text a GIF may draw: a message hidden in it)."""
    data = encoded("GIF", comment=b"SecretCam")
    text = b"\x21\x01\x0c" + bytes(12) + b"\x0bAna Artista\x00"
    return data[:-1] + text + b"\x3b"


def bmp() -> bytes:
    return encoded("BMP") + b"SecretCam after the pixels"


def ico() -> bytes:
    """An icon whose PNG entry carries a text chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ana Artista")
    entry = io.BytesIO()
    scene((32, 32)).save(entry, "PNG", pnginfo=info)
    body = entry.getvalue()
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack(
        "<BBBBHHII", 32, 32, 0, 0, 1, 32, len(body), 22
    )
    return directory + body


FORMATS = {  # content type: the file, and whether it says it was taken sideways
    "image/heic": (heic, True),
    "image/avif": (avif, True),
    "image/tiff": (tiff, True),
    "image/webp": (webp, True),
    "image/jpeg": (jpeg, True),
    "image/png": (png, True),
    "image/gif": (gif, False),
    "image/bmp": (bmp, False),
    "image/vnd.microsoft.icon": (ico, False),
}


@pytest.mark.parametrize("content_type", list(FORMATS))
async def test_each_format_is_shown_upright_and_loses_every_metadata_block(
    images: PillowImages, tmp_path: Path, out: Path, content_type: str
) -> None:
    """What a downloader gets of the original and of each thumbnail holds no camera, author,
    position, XMP, IPTC or comment; thumbnails are made, upright, and the cleaned original
    still opens as the same picture."""
    make, sideways = FORMATS[content_type]
    data = make()
    assert any(secret in data for secret in SECRETS)  # the test file does carry them
    source = tmp_path / "upload"
    source.write_bytes(data)

    result = await images.process(source, content_type, out)

    cleaned = result.original.path.read_bytes()
    for secret in (*SECRETS, b"GPS"):
        assert secret not in cleaned, secret
    assert [t.size for t in result.thumbnails] == sorted(THUMBNAIL_SIZES)
    for thumb in result.thumbnails:
        thumbnail = thumb.path.read_bytes()
        assert not any(secret in thumbnail for secret in SECRETS)
        with Image.open(thumb.path) as shown:
            assert shown.format == "WEBP"
            assert not {"exif", "xmp"} & set(shown.info)
    largest = result.thumbnails[-1]
    if sideways:
        assert (result.width, result.height) == (300, 400)
        with Image.open(largest.path) as shown:  # the red corner ends up top right
            assert shown.convert("RGB").getpixel((shown.width - 5, 5)) == pytest.approx(
                (255, 0, 0), abs=60
            )
    pillow_heif.register_heif_opener()
    with Image.open(result.original.path) as again:
        again.load()
        assert sorted(again.size) in ([32, 32], [300, 400])
        assert not {271, 272, 315, 0x8825} & set(again.getexif())


async def test_a_tiff_keeps_its_pages_and_only_what_makes_them(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """Every page of a TIFF stays, pixel for pixel; nothing its directories do not point at
    survives (bytes past the image are gone)."""
    first, second = scene(), scene((120, 80)).convert("L")
    buffer = io.BytesIO()
    first.save(buffer, "TIFF", save_all=True, append_images=[second], tiffinfo={315: "Ana Artista"})
    source = tmp_path / "pages.tif"
    source.write_bytes(buffer.getvalue() + b"x" * 100)

    result = await images.process(source, "image/tiff", out)

    cleaned = result.original.path.read_bytes()
    assert b"Ana Artista" not in cleaned
    assert not cleaned.endswith(b"x" * 100)
    with Image.open(result.original.path) as again:
        assert again.n_frames == 2
        assert again.tobytes() == first.tobytes()
        again.seek(1)
        assert again.tobytes() == second.tobytes()


async def test_a_heic_photo_keeps_its_pixels_and_profile(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """The cleaned HEIC decodes to exactly the pixels of the one uploaded, with no EXIF or
    XMP left for a reader to find."""
    data = heic()
    source = tmp_path / "IMG_0001.HEIC"
    source.write_bytes(data)

    result = await images.process(source, "image/heic", out)

    before = pillow_heif.open_heif(io.BytesIO(data))
    after = pillow_heif.open_heif(result.original.path)
    assert after.size == before.size
    assert after.data == before.data
    assert not (after.info.get("xmp") or b"").strip(b"\x00")  # zeroed where it lay
    exif = Image.Exif()
    exif.load(after.info.get("exif") or b"")
    assert not {271, 272, 315, 0x8825} & set(exif)


async def test_an_animated_avif_stays_animated(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """An AVIF animation gets animated thumbnails, like GIF and WebP ones."""
    frames = [Image.new("RGB", (64, 48), (i * 60, 100, 200)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "AVIF", save_all=True, append_images=frames[1:], duration=100)
    source = tmp_path / "anim.avif"
    source.write_bytes(buffer.getvalue())

    result = await images.process(source, "image/avif", out)

    assert result.animated
    with Image.open(result.thumbnails[1].path) as im:
        assert im.n_frames == 3


def png_of(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def busy(mode: str, size: tuple[int, int] = (610, 401)) -> Image.Image:
    """Noise over a gradient: rows that the encoder filters every which way."""
    base = Image.merge("RGB", [Image.effect_noise(size, 80) for _ in range(3)])
    base = Image.blend(base, scene(size), 0.5)
    if mode == "P":
        return base.quantize(200)
    if mode in ("RGBA", "LA"):
        rgba = base.convert("RGBA")
        rgba.putalpha(Image.linear_gradient("L").resize(size))
        return rgba.convert(mode)
    return base.convert(mode)


@pytest.mark.parametrize(
    ("mode", "options", "as_mode"),
    [
        ("RGB", {}, "RGB"),
        ("RGBA", {}, "RGBA"),
        ("L", {}, "L"),
        ("LA", {}, "RGBA"),
        ("P", {"transparency": 3}, "RGBA"),
        ("P", {}, "RGB"),
    ],
)
def test_a_png_read_in_strips_has_the_pixels_of_one_read_whole(
    tmp_path: Path, mode: str, options: dict[str, object], as_mode: str
) -> None:
    """Reading a PNG a strip at a time (each strip with the row above it) gives exactly
    what decoding it whole then reducing it gives, whatever filters its rows use."""
    path = tmp_path / "busy.png"
    path.write_bytes(png_of(busy(mode), **options))
    monkey_strip = strips.STRIP_PIXELS
    strips.STRIP_PIXELS = 10_000  # many strips: the seams are where it would go wrong
    try:
        read = strips.reduced_png(path, 3, as_mode)
    finally:
        strips.STRIP_PIXELS = monkey_strip
    with Image.open(path) as whole:
        expected = whole.convert(as_mode).reduce(3)
    assert read.size == expected.size
    assert read.tobytes() == expected.tobytes()


def test_an_interlaced_png_is_not_read_in_strips() -> None:
    """Adam7 interlacing spreads every row over the whole stream: such a PNG is decoded
    whole, within the memory budget, instead."""
    header = struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 1)
    assert not strips.readable(header)
    assert strips.readable(header[:-1] + b"\x00")


async def test_an_image_too_big_for_a_workers_memory_keeps_only_its_cleaned_original(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A 4000x3000 WebP would take more than a worker may hold to decode (libwebp's copies
    of it): it gets no thumbnails, is image.too_large, and its original without metadata
    is there to be served as an attachment."""
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 200)).save(
        buffer, "WEBP", exif=camera_exif(), xmp=XMP, quality=50
    )
    source = tmp_path / "big.webp"
    source.write_bytes(buffer.getvalue())

    with pytest.raises(ImageRejected) as info:
        await images.process(source, "image/webp", out)

    assert info.value.code == "image.too_large"
    assert info.value.original is not None
    cleaned = info.value.original.read_bytes()
    assert not any(secret in cleaned for secret in SECRETS)
    assert not (out / "thumb-64.webp").exists()


async def test_a_broken_png_chunk_after_the_image_still_fails_cleanly(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """A file whose structure breaks before its metadata can be removed has no cleaned
    original: nothing of it is to be served."""
    data = png()
    broken = data[:33] + struct.pack(">I", 0x7FFFFFF0) + data[37:]  # a chunk past the end
    source = tmp_path / "broken.png"
    source.write_bytes(broken)
    with pytest.raises(ImageRejected) as info:
        await images.process(source, "image/png", out)
    assert info.value.code == "image.corrupt"
    assert info.value.original is None
    assert zlib.crc32(broken) != zlib.crc32(data)


INKSCAPE = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape by Ana Artista -->
<!DOCTYPE svg [ <!ENTITY ns_svg "http://www.w3.org/2000/svg"> ]>
<svg xmlns="&ns_svg;" xmlns:xlink="http://www.w3.org/1999/xlink"
  xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
  xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" width="10" height="10"
  sodipodi:docname="/home/ana/SecretCam.svg" inkscape:export-filename="/home/ana/x.png">
<metadata><rdf:RDF><dc:creator>Ana Artista</dc:creator></rdf:RDF></metadata>
<sodipodi:namedview inkscape:window-width="1920"/><?secret-xmp?>
<title>Logo &amp; "more"</title>
<g inkscape:label="Model-9000" id="g1"><rect width="5" height="5" xlink:href="#a"/></g>
</svg>"""


async def test_an_svg_loses_its_metadata_and_keeps_its_drawing(
    images: PillowImages, tmp_path: Path, out: Path
) -> None:
    """Comments, processing instructions, RDF metadata and an editor's attributes (the
    author's file paths) go; the drawing, its title and links stay. No thumbnails."""
    source = tmp_path / "logo.svg"
    source.write_bytes(INKSCAPE)

    result = await images.process(source, "image/svg+xml", out)

    assert result.thumbnails == ()
    cleaned = result.original.path.read_bytes()
    for secret in (*SECRETS, b"/home/ana", b"Inkscape", b"sodipodi", b"rdf"):
        assert secret not in cleaned
    for kept in (b'<rect width="5" height="5" xlink:href="#a">', b'<title>Logo &amp; "more"'):
        assert kept in cleaned
    assert cleaned.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http')


@pytest.mark.parametrize(
    "svg",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",  # not well-formed
        b"<html><body>not an svg</body></html>",
        b'<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
        b"]><svg xmlns='http://www.w3.org/2000/svg'>&h;&h;&h;&h;&h;&h;&h;&h;</svg>",
        b"<!DOCTYPE svg [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        b"<svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>",
    ],
)
async def test_a_broken_or_hostile_svg_is_corrupt(
    images: PillowImages, tmp_path: Path, out: Path, svg: bytes
) -> None:
    """Malformed XML, a page that is not an SVG, an entity bomb and an external entity are
    image.corrupt, with nothing to serve; nothing is fetched or expanded without bound."""
    source = tmp_path / "x.svg"
    source.write_bytes(svg)
    with pytest.raises(ImageRejected) as info:
        await images.process(source, "image/svg+xml", out)
    assert info.value.code == "image.corrupt"
    assert info.value.original is None
