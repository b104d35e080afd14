"""A large PNG read a strip of rows at a time and reduced as it goes, so that a 50-megapixel
picture never lies whole in memory (PNG has nothing like JPEG's decoding at a smaller scale).

The IDAT stream is inflated here, strip by strip; each strip becomes a small PNG of its own
that Pillow decodes. A row may be filtered against the one above it, so each strip's PNG
starts with the previous strip's last row, unfiltered (Pillow gives it back as raw bytes),
and that row is cropped off again."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from tertulia.adapters.images.cleaning import corrupt
from tertulia.adapters.images.png import SIGNATURE

STRIP_PIXELS = 2_000_000  # pixels decoded at a time
READ = 1024 * 1024  # bytes of IDAT read at a time
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type: samples per pixel (at 8 bits)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class _Png:
    """A PNG's header, palette and transparency, and its IDAT bytes read as they are needed."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        if handle.read(8) != SIGNATURE:
            raise corrupt("not a PNG")
        self.header = b""
        self.extras: list[bytes] = []  # PLTE and tRNS, as chunks
        self._left = 0  # bytes of the current IDAT not read yet
        while True:
            kind, length = self._next()
            if kind == b"IDAT":
                self._left = length
                return
            data = handle.read(length)
            handle.seek(4, io.SEEK_CUR)
            if kind == b"IHDR":
                self.header = data
            elif kind in (b"PLTE", b"tRNS"):
                self.extras.append(_chunk(kind, data))
            elif kind == b"IEND":
                raise corrupt("PNG has no image data")

    def _next(self) -> tuple[bytes, int]:
        head = self._handle.read(8)
        if len(head) < 8:
            raise corrupt("PNG is truncated")
        length, kind = struct.unpack(">I4s", head)
        return kind, length

    def data(self) -> Iterator[bytes]:
        """The zlib stream, across IDAT chunks, a piece at a time."""
        while True:
            while self._left > 0:
                piece = self._handle.read(min(READ, self._left))
                if not piece:
                    raise corrupt("PNG is truncated")
                self._left -= len(piece)
                yield piece
            self._handle.seek(4, io.SEEK_CUR)  # the CRC, checked by the cleaner
            kind, length = self._next()
            if kind != b"IDAT":
                return
            self._left = length


def readable(header: bytes) -> bool:
    """Whether a PNG of this IHDR can be read in strips: 8 bits per sample (every colour
    type), not interlaced. Others are decoded whole, within the memory budget."""
    if len(header) != 13:
        return False
    _, _, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    return depth == 8 and colour in _CHANNELS and interlace == 0


def reduced_png(path: Path, factor: int, mode: str) -> Image.Image:
    """The PNG at `path` reduced `factor` times (box averages, as Image.reduce), in `mode`
    (RGB, RGBA or L), decoded a strip at a time. image.corrupt if it is malformed."""
    with path.open("rb") as handle:
        png = _Png(handle)
        if not readable(png.header):
            raise corrupt("PNG cannot be read in strips")
        width, height, _, colour, *_ = struct.unpack(">IIBBBBB", png.header)
        scanline = 1 + width * _CHANNELS[colour]
        rows = max(factor, STRIP_PIXELS // width // factor * factor)
        out = Image.new(mode, (-(-width // factor), -(-height // factor)))
        inflate = zlib.decompressobj()
        stream = png.data()
        previous = b""  # the last row decoded, unfiltered, with filter byte 0
        for top in range(0, height, rows):
            count = min(rows, height - top)
            filtered = _take(inflate, stream, count * scanline)
            strip = _decode(png, width, count, previous, filtered)
            previous = b"\x00" + strip.crop((0, count - 1, width, count)).tobytes()
            piece = strip.convert(mode) if strip.mode != mode else strip
            out.paste(piece.reduce(factor) if factor > 1 else piece, (0, top // factor))
        return out


def _take(inflate: zlib._Decompress, stream: Iterator[bytes], wanted: int) -> bytes:
    """The next `wanted` bytes of inflated image data."""
    got = bytearray()
    while len(got) < wanted:
        if inflate.unconsumed_tail:
            got += inflate.decompress(inflate.unconsumed_tail, wanted - len(got))
            continue
        piece = next(stream, None)
        if piece is None:
            got += inflate.flush()[: wanted - len(got)]
            if len(got) < wanted:
                raise corrupt("PNG image data is truncated")
            break
        got += inflate.decompress(piece, wanted - len(got))
    return bytes(got)


def _decode(png: _Png, width: int, count: int, previous: bytes, filtered: bytes) -> Image.Image:
    """One strip: a PNG of its own (the previous row first, if any), decoded, that row cut."""
    extra = 1 if previous else 0
    header = struct.pack(">II", width, count + extra) + png.header[8:]
    mini = b"".join(
        [
            SIGNATURE,
            _chunk(b"IHDR", header),
            *png.extras,
            _chunk(b"IDAT", zlib.compress(previous + filtered, 0)),
            _chunk(b"IEND", b""),
        ]
    )
    strip = Image.open(io.BytesIO(mini), formats=["PNG"])
    strip.load()
    return strip.crop((0, 1, width, count + 1)) if extra else strip
