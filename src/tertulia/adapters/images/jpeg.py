"""JPEG without metadata: the segments that make its pixels (JFIF without its thumbnail, the
ICC profile, Adobe's colour transform, tables, frame, scans up to EOI; a scan cut short is
kept as far as it goes, and ended) and, for a photo not stored upright, an Exif segment
holding the orientation alone. Everything else goes: Exif
(GPS, camera, dates), XMP, IPTC (APP13), comments, MPF and the images after EOI (a ZIP
appended to make a polyglot, a phone's depth map)."""

from __future__ import annotations

import struct

from tertulia.adapters.images.cleaning import Cleaned, Plan, Source, corrupt

_KEEP = {0xC0 + n for n in range(16)} | {0xDB, 0xDC, 0xDD}  # SOFn, DHT, DAC; DQT, DNL, DRI
_JFIF = b"JFIF\x00"


def orientation_segment(orientation: int) -> bytes:
    """An APP1 Exif segment holding the orientation tag alone."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    ifd = struct.pack(">HHHIHHI", 1, 0x0112, 3, 1, orientation, 0, 0)
    payload = b"Exif\x00\x00" + tiff + ifd
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def clean_jpeg(data: Source, orientation: int = 1) -> Cleaned:
    """The plan of the JPEG without metadata (see the module). image.corrupt if its segments
    are malformed or it has no image."""
    if data[:2] != b"\xff\xd8":
        raise corrupt("not a JPEG")
    out: Plan = [b"\xff\xd8"]
    pending_orientation = orientation != 1
    pos, end = 2, len(data)
    while True:
        if pos + 2 > end or data[pos] != 0xFF:
            raise corrupt("JPEG segments are malformed")
        while pos + 1 < end and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 2 > end:
            raise corrupt("JPEG is truncated")
        marker = data[pos + 1]
        if marker == 0xD9:
            if pending_orientation:
                raise corrupt("JPEG has no image")
            out.append(b"\xff\xd9")
            return Cleaned(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            out.append(slice(pos, pos + 2))
            pos += 2
            continue
        if pos + 4 > end:
            raise corrupt("JPEG is truncated")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2 or pos + 2 + length > end:
            raise corrupt("JPEG segment runs past the end")
        start, pos = pos, pos + 2 + length
        payload = data[start + 4 : min(pos, start + 4 + 14)]  # enough to tell the kind
        if marker == 0xE0 and payload.startswith(_JFIF) and length >= 16:
            jfif = payload[:12] + b"\x00\x00"  # JFIF, without the thumbnail it may carry
            out.append(b"\xff\xe0" + struct.pack(">H", len(jfif) + 2) + jfif)
        elif (
            (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"))
            or (marker == 0xEE and payload.startswith(b"Adobe"))
            or marker in _KEEP
            or marker == 0xDA
        ):
            if pending_orientation:
                out.append(orientation_segment(orientation))
                pending_orientation = False
            out.append(slice(start, pos))
        if marker != 0xDA:
            continue
        scan = pos  # entropy-coded data: up to the next marker that is not RSTn or stuffing
        while True:
            found = data.find(b"\xff", pos, end)
            if found < 0 or found + 1 >= end:  # cut short: what there is, then the end
                out += [slice(scan, found if found >= 0 else end), b"\xff\xd9"]
                return Cleaned(out)
            following = data[found + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                pos = found + (1 if following == 0xFF else 2)
                continue
            out.append(slice(scan, found))
            pos = found
            break
