"""GIF without metadata: its screen, colour tables, frames with their graphic controls, and
the loop count, up to the trailer. Comments, plain-text extensions (text drawn over the
image, an old way to hide a message), other application data (XMP) and anything after the
trailer go."""

from __future__ import annotations

from tertulia.adapters.images.cleaning import Cleaned, Plan, Source, corrupt

_LOOP_EXTENSIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _sub_blocks(data: Source, pos: int) -> int:
    """Where a GIF's chain of data sub-blocks starting at `pos` ends."""
    end = len(data)
    while True:
        if pos >= end:
            raise corrupt("GIF is truncated")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def clean_gif(data: Source) -> Cleaned:
    """The plan of the GIF without metadata (see the module), and each frame's delay (ms)."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise corrupt("not a GIF")
    flags = data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    out: Plan = [slice(0, pos)]
    durations: list[int] = []
    delay = 0
    while True:
        if pos >= len(data):
            raise corrupt("GIF is truncated")
        block = data[pos]
        if block == 0x3B:  # trailer
            out.append(b"\x3b")
            return Cleaned(out, tuple(durations))
        if block == 0x2C:  # image: descriptor, local colour table, LZW size, data
            if pos + 10 > len(data):
                raise corrupt("GIF is truncated")
            local = data[pos + 9]
            start = pos
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0) + 1
            pos = _sub_blocks(data, pos)
            out.append(slice(start, pos))
            durations.append(delay * 10)
            delay = 0
        elif block == 0x21:  # extension
            if pos + 2 > len(data):
                raise corrupt("GIF is truncated")
            label, start = data[pos + 1], pos
            pos = _sub_blocks(data, pos + 2)
            body = data[start + 2 : min(pos, start + 14)]
            if label == 0xF9:  # graphic control: disposal, delay, transparency
                if len(body) >= 4:
                    delay = int.from_bytes(body[2:4], "little")
                out.append(slice(start, pos))
            elif label == 0xFF and body[1:12] in _LOOP_EXTENSIONS:
                out.append(slice(start, pos))  # the loop count animates
            # comments (0xFE), plain text (0x01), other application data go
        else:
            raise corrupt("GIF block is malformed")
