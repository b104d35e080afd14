"""WebP without metadata: its image chunks (VP8, VP8L, alpha, animation frames, the ICC
profile), the EXIF and XMP chunks and their flags gone, nothing past the RIFF size."""

from __future__ import annotations

import struct

from tertulia.adapters.images.cleaning import Cleaned, Plan, Source, corrupt

_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def clean_webp(data: Source) -> Cleaned:
    """The plan of the WebP without metadata, and each frame's duration (ms)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise corrupt("not a WebP")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data) or riff_size < 4:
        raise corrupt("WebP is truncated")
    body: Plan = []
    length = 4
    durations: list[int] = []
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise corrupt("WebP chunk is malformed")
        kind, size = struct.unpack_from("<4sI", data, pos)
        stop = pos + 8 + size + (size & 1)
        if pos + 8 + size > end:
            raise corrupt("WebP chunk runs past the end")
        start, pos = pos, stop
        if kind not in _KEEP:
            continue
        if kind == b"VP8X" and size >= 1:  # its flags: no EXIF, no XMP
            flags = bytes([data[start + 8] & ~0x0C & 0xFF])
            body += [slice(start, start + 8), flags, slice(start + 9, min(stop, end))]
        else:
            if kind == b"ANMF" and size >= 15:
                durations.append(int.from_bytes(data[start + 20 : start + 23], "little"))
            body.append(slice(start, min(stop, end)))
        length += min(stop, end) - start
        if stop > end:  # the last chunk's padding byte is missing: put it back
            body.append(b"\x00")
            length += 1
    return Cleaned([b"RIFF", struct.pack("<I", length), b"WEBP", *body], tuple(durations))
