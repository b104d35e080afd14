"""PNG without metadata: its critical and rendering chunks (CRCs checked), up to IEND. Text
(tEXt, zTXt, iTXt), eXIf, tIME, private chunks and anything after IEND go; the ICC profile
(iCCP) and animation (acTL, fcTL, fdAT) stay."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from tertulia.adapters.images.cleaning import Cleaned, Plan, Source, corrupt

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"pHYs", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
MAX_EXIF = 65536  # bytes of an eXIf chunk read for the orientation


def chunks(data: Source) -> list[tuple[bytes, int, int]]:
    """Each chunk up to IEND as (kind, start of its data, length); image.corrupt if a chunk
    runs past the end or the file does not start with IHDR."""
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise corrupt("not a PNG")
    found: list[tuple[bytes, int, int]] = []
    pos, end = len(SIGNATURE), len(data)
    while True:
        if pos + 12 > end:
            raise corrupt("PNG is truncated")
        length, kind = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            raise corrupt("PNG chunk runs past the end")
        if not found and kind != b"IHDR":
            raise corrupt("PNG does not start with IHDR")
        found.append((kind, pos + 8, length))
        pos += 12 + length
        if kind == b"IEND":
            return found


def clean_png(data: Source) -> Cleaned:
    """The plan of the PNG without metadata (see the module)."""
    out: Plan = [SIGNATURE]
    view = memoryview(data)
    try:
        for kind, start, length in chunks(data):
            if kind not in _KEEP:
                continue
            (crc,) = struct.unpack_from(">I", data, start + length)
            if zlib.crc32(view[start - 4 : start + length]) != crc:
                raise corrupt(f"PNG chunk {kind!r} has a bad CRC")
            out.append(slice(start - 8, start + length + 4))
    finally:
        view.release()
    return Cleaned(out)


def exif_chunk(path: Path) -> bytes | None:
    """The eXIf chunk's data, found by reading chunk headers only (Pillow decodes the whole
    image to look for one after the image data)."""
    with path.open("rb") as handle:
        if handle.read(8) != SIGNATURE:
            return None
        while len(head := handle.read(8)) == 8:
            length, kind = struct.unpack(">I4s", head)
            if kind == b"eXIf":
                return handle.read(min(length, MAX_EXIF))
            if kind == b"IEND":
                return None
            handle.seek(length + 4, io.SEEK_CUR)
    return None
