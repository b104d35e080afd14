"""TIFF without metadata, rewritten in place: each page's directory keeps only the tags that
make its pixels (size, samples, compression, strips or tiles, colour, orientation, the ICC
profile), and of the file only what those tags point at is kept; everything else becomes
zeros and nothing follows the last of it. Make, model, artist, dates, descriptions, GPS and
Exif directories, XMP, IPTC and Photoshop blocks, thumbnails in sub-directories all go."""

from __future__ import annotations

import struct

from tertulia.adapters.images.cleaning import Cleaned, Source, copy_ranges, corrupt, patched

_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_KEEP = frozenset(
    {254, 255, 256, 257, 258, 259, 262, 263, 264, 265, 266, 273, 274, 277, 278, 279, 280, 281}
    | {282, 283, 284, 286, 287, 290, 291, 296, 297, 301, 317, 318, 319, 320, 321, 322, 323}
    | {324, 325, 332, 333, 334, 336, 338, 339, 340, 341, 342, 347, 512, 513, 514, 515, 517}
    | {518, 519, 520, 521, 529, 530, 531, 532, 34675}
)
_DATA = ((273, 279), (324, 325), (513, 514))  # offsets and byte counts of pixel data
MAX_PAGES = 1000


def clean_tiff(data: Source) -> Cleaned:
    """The plan of the TIFF without metadata (see the module). image.corrupt if a
    directory or what it points at lies outside the file, or directories loop."""
    order = bytes(data[:4])
    if order == b"II*\x00":
        endian = "<"
    elif order == b"MM\x00*":
        endian = ">"
    else:
        raise corrupt("not a classic TIFF (BigTIFF is not read)")
    size = len(data)
    keep: list[tuple[int, int]] = [(0, 8)]
    patches: dict[int, bytes] = {}
    (offset,) = struct.unpack_from(endian + "I", data, 4)
    seen: set[int] = set()
    while offset:
        if offset in seen or len(seen) >= MAX_PAGES:
            raise corrupt("TIFF directories loop")
        seen.add(offset)
        if offset + 2 > size:
            raise corrupt("TIFF directory lies outside the file")
        (count,) = struct.unpack_from(endian + "H", data, offset)
        end = offset + 2 + 12 * count + 4
        if end > size:
            raise corrupt("TIFF directory runs past the end")
        kept: list[bytes] = []
        values: dict[int, tuple[int, ...]] = {}
        for index in range(count):
            at = offset + 2 + 12 * index
            tag, kind, number = struct.unpack_from(endian + "HHI", data, at)
            if tag not in _KEEP:
                continue
            width = _SIZES.get(kind)
            if width is None:
                raise corrupt(f"TIFF tag {tag} has an unknown type {kind}")
            length = width * number
            if length > 4:
                (where,) = struct.unpack_from(endian + "I", data, at + 8)
                if where + length > size:
                    raise corrupt(f"TIFF tag {tag} points outside the file")
                keep.append((where, where + length))
            else:
                where = at + 8
            if tag in (273, 279, 324, 325, 513, 514) and kind in (3, 4) and number <= 10**7:
                layout = f"{endian}{number}{'H' if kind == 3 else 'I'}"
                values[tag] = struct.unpack_from(layout, data, where)
            kept.append(bytes(data[at : at + 12]))
        for offsets_tag, counts_tag in _DATA:
            starts, lengths = values.get(offsets_tag, ()), values.get(counts_tag, ())
            if len(starts) != len(lengths):
                raise corrupt("TIFF strips and their sizes do not match")
            for start, length in zip(starts, lengths, strict=True):
                if start + length > size:
                    raise corrupt("TIFF pixel data lies outside the file")
                keep.append((start, start + length))
        (following,) = struct.unpack_from(endian + "I", data, end - 4)
        rewritten = struct.pack(endian + "H", len(kept)) + b"".join(kept)
        rewritten += struct.pack(endian + "I", following)
        patches[offset] = rewritten + bytes(end - offset - len(rewritten))
        keep.append((offset, end))
        offset = following
    return Cleaned(patched(copy_ranges(keep, size), patches))
