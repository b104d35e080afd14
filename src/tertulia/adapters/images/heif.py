"""HEIF, HEIC and AVIF without metadata, rewritten in place (every offset in the file stays
true): the items that hold metadata (Exif, XMP and any other `mime` or `uri ` item) are
zeroed where they lie, an Exif item becoming an empty one; user descriptions (`udes`), the
`udta` and `meta` boxes of image sequences and every top-level box but the file type, the
metadata, the media data and the movie become `free` boxes of zeros; nothing follows the
last box. The images, their thumbnails, orientation and colour profile stay."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from tertulia.adapters.images.cleaning import Cleaned, Source, copy_ranges, corrupt, patched

_METADATA_ITEMS = frozenset({b"Exif", b"mime", b"uri "})
_TOP_LEVEL = frozenset({b"ftyp", b"meta", b"mdat", b"moov"})
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"edts", b"dinf", b"stbl"})
_EMPTY_EXIF = b"\x00\x00\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"


def _boxes(data: Source, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """The boxes in [start, end) as (type, start, start of payload, end)."""
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise corrupt("box header runs past the end")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise corrupt("box header runs past the end")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise corrupt(f"box {kind!r} runs past the end")
        yield kind, pos, pos + header, pos + size
        pos += size


def _number(data: Source, pos: int, width: int) -> int:
    if width == 0:
        return 0
    return int.from_bytes(data[pos : pos + width], "big")


class _Meta:
    """What the `meta` box says: each item's type, where each item's bytes lie."""

    def __init__(self) -> None:
        self.types: dict[int, bytes] = {}
        self.extents: dict[int, list[tuple[int, int, int]]] = {}  # method, offset, length
        self.idat: int | None = None  # where the idat box's payload starts
        self.blank: list[tuple[int, int, int]] = []  # boxes to turn into `free` of zeros

    def read(self, data: Source, payload: int, end: int) -> None:
        for kind, _, inner, stop in _boxes(data, payload + 4, end):  # FullBox: 4 bytes
            if kind == b"iinf":
                self._items(data, inner, stop)
            elif kind == b"iloc":
                self._locations(data, inner, stop)
            elif kind == b"idat":
                self.idat = inner
            elif kind == b"iprp":
                for sub, _, sub_inner, sub_stop in _boxes(data, inner, stop):
                    if sub == b"ipco":
                        for prop, p_start, p_inner, p_stop in _boxes(data, sub_inner, sub_stop):
                            if prop == b"udes":
                                self.blank.append((p_start, p_inner, p_stop))

    def _items(self, data: Source, payload: int, end: int) -> None:
        version = data[payload]
        first = payload + 4 + (4 if version else 2)  # FullBox, then a count of 4 or 2
        for kind, _, inner, stop in _boxes(data, first, end):
            if kind != b"infe" or inner + 4 > stop:
                continue
            infe_version = data[inner]
            if infe_version < 2:
                continue  # no item types before version 2
            width = 2 if infe_version == 2 else 4
            item = _number(data, inner + 4, width)
            at = inner + 4 + width + 2
            if at + 4 > stop:
                raise corrupt("item entry is truncated")
            self.types[item] = bytes(data[at : at + 4])

    def _locations(self, data: Source, payload: int, end: int) -> None:
        version = data[payload]
        if version > 2 or payload + 8 > end:
            raise corrupt("item locations are malformed")
        sizes = data[payload + 4], data[payload + 5]
        offset_size, length_size = sizes[0] >> 4, sizes[0] & 15
        base_size, index_size = sizes[1] >> 4, (sizes[1] & 15 if version else 0)
        pos = payload + 6
        count_width = 2 if version < 2 else 4
        count = _number(data, pos, count_width)
        pos += count_width
        for _ in range(count):
            item = _number(data, pos, 2 if version < 2 else 4)
            pos += 2 if version < 2 else 4
            method = 0
            if version:
                method = _number(data, pos, 2) & 15
                pos += 2
            pos += 2  # data reference index
            base = _number(data, pos, base_size)
            pos += base_size
            extents = _number(data, pos, 2)
            pos += 2
            found = self.extents.setdefault(item, [])
            for _ in range(extents):
                pos += index_size
                offset = _number(data, pos, offset_size)
                pos += offset_size
                length = _number(data, pos, length_size)
                pos += length_size
                found.append((method, base + offset, length))
            if pos > end:
                raise corrupt("item locations run past their box")


def clean_heif(data: Source) -> Cleaned:
    """The plan of the HEIF or AVIF file without metadata (see the module)."""
    size = len(data)
    if data[4:8] != b"ftyp":
        raise corrupt("not an ISO media file")
    meta = _Meta()
    zeros: list[tuple[int, int]] = []
    renames: list[int] = []
    last = 0
    for kind, start, payload, stop in _boxes(data, 0, size):
        last = stop
        if kind == b"meta":
            meta.read(data, payload, stop)
        elif kind == b"moov":
            _blank_in_movie(data, payload, stop, renames, zeros)
        elif kind not in _TOP_LEVEL:
            renames.append(start)
            zeros.append((payload, stop))
    for start, payload, stop in meta.blank:
        renames.append(start)
        zeros.append((payload, stop))
    exif_starts: set[int] = set()
    for item, kind in meta.types.items():
        if kind not in _METADATA_ITEMS:
            continue
        for method, offset, length in meta.extents.get(item, []):
            if method == 1 and meta.idat is not None:
                offset += meta.idat
            elif method != 0:
                raise corrupt("a metadata item is built from another item")
            if length == 0 or offset + length > size:
                raise corrupt("a metadata item lies outside the file")
            zeros.append((offset, offset + length))
            if kind == b"Exif" and length >= len(_EMPTY_EXIF):
                exif_starts.add(offset)
    patches: dict[int, bytes] = {}
    for start, end in _disjoint(zeros):
        patches[start] = bytes(end - start)
    for start in exif_starts:
        _overlay(patches, start, _EMPTY_EXIF)
    for start in renames:
        _overlay(patches, start + 4, b"free")
    return Cleaned(patched(copy_ranges([(0, last)], size), patches))


def _blank_in_movie(
    data: Source, start: int, end: int, renames: list[int], zeros: list[tuple[int, int]]
) -> None:
    """User data and metadata boxes anywhere in an image sequence's movie become `free`."""
    for kind, box, payload, stop in _boxes(data, start, end):
        if kind in (b"udta", b"meta"):
            renames.append(box)
            zeros.append((payload, stop))
        elif kind in _CONTAINERS:
            _blank_in_movie(data, payload, stop, renames, zeros)


def _disjoint(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlay(patches: dict[int, bytes], at: int, data: bytes) -> None:
    """Write `data` at `at`, inside a zeroed run if one covers it, else on its own."""
    for start, zeros in patches.items():
        if start <= at and at + len(data) <= start + len(zeros):
            inner = at - start
            patches[start] = zeros[:inner] + data + zeros[inner + len(data) :]
            return
    patches[at] = data
