"""What every metadata cleaner shares: a cleaner reads the whole file (bytes, or an mmap of
it) and answers a plan of what to write, pieces of the source by position and bytes of its
own, so that a 100 MiB original is never copied in memory; `write` carries the plan out."""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tertulia.usecases.ports.files import ImageRejected

Source = bytes | mmap.mmap  # the whole file, read-only


@dataclass(frozen=True, slots=True)
class Zeros:
    """A run of zero bytes in place of something the cleaner removed without moving what
    follows (an offset elsewhere in the file points past it)."""

    count: int


Part = bytes | slice | Zeros  # bytes of the cleaner's own; a slice of the source; zeros
Plan = list[Part]


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A cleaner's answer: the plan, and the frames' durations (ms) where the format says
    them without decoding (GIF, WebP), else empty."""

    plan: Plan
    durations: tuple[int, ...] = ()


Cleaner = Callable[[Source], Cleaned]
ZERO_CHUNK = 1024 * 1024


def corrupt(detail: str) -> ImageRejected:
    return ImageRejected("image.corrupt", detail)


def write(source: Source, plan: Iterable[Part], out: BinaryIO) -> int:
    """Carry a plan out into `out`; the number of bytes written."""
    view = memoryview(source)
    written = 0
    try:
        for part in plan:
            if isinstance(part, Zeros):
                left = part.count
                while left > 0:
                    step = min(left, ZERO_CHUNK)
                    out.write(bytes(step))
                    left -= step
                written += part.count
            elif isinstance(part, slice):
                piece = view[part]
                out.write(piece)
                written += len(piece)
                piece.release()
            else:
                out.write(part)
                written += len(part)
    finally:
        view.release()
    return written


def joined(source: Source, cleaned: Cleaned) -> bytes:
    """The plan's bytes in memory (for tests and small files)."""
    view = memoryview(source)
    pieces = []
    for part in cleaned.plan:
        if isinstance(part, Zeros):
            pieces.append(bytes(part.count))
        elif isinstance(part, slice):
            pieces.append(bytes(view[part]))
        else:
            pieces.append(part)
    view.release()
    return b"".join(pieces)


def clean_file(cleaner: Cleaner, source: Path, target: Path) -> tuple[int, ...]:
    """Clean `source` into `target`, which appears only once complete (written beside it,
    then renamed): a worker killed meanwhile leaves no half-cleaned original. The frames'
    durations. The source is mapped, not read: its pages are the kernel's to drop."""
    partial = target.with_name(target.name + ".partial")
    with source.open("rb") as handle:
        if source.stat().st_size == 0:
            raise corrupt("the file is empty")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            cleaned = cleaner(mapped)
            with partial.open("wb") as out:
                write(mapped, cleaned.plan, out)
    partial.replace(target)
    return cleaned.durations


def copy_ranges(ranges: Iterable[tuple[int, int]], size: int) -> Plan:
    """A plan keeping only these [start, end) ranges of the source, zeros between them, and
    nothing past the last one: whatever no structure of the file points at goes."""
    plan: Plan = []
    position = 0
    for start, end in _merged(ranges):
        start, end = max(start, position), min(end, size)
        if end <= start:
            continue
        if start > position:
            plan.append(Zeros(start - position))
        plan.append(slice(start, end))
        position = end
    return plan


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def patched(plan: Plan, patches: dict[int, bytes]) -> Plan:
    """`plan` (slices and zeros in order, the output at the positions of the source) with
    the bytes at these positions replaced: `patches` maps a position to what goes there."""
    if not patches:
        return plan
    out: Plan = []
    position = 0
    edits = sorted(patches.items())
    for part in plan:
        if isinstance(part, bytes):
            out.append(part)
            continue
        length = part.count if isinstance(part, Zeros) else part.stop - part.start
        start, end = position, position + length
        cursor = start
        for at, data in edits:
            if at + len(data) <= cursor or at >= end:
                continue
            if at > cursor:
                out.append(_piece(part, start, cursor, at))
            out.append(data[max(0, cursor - at) : end - at])
            cursor = min(end, at + len(data))
        if cursor < end:
            out.append(_piece(part, start, cursor, end))
        position = end
    return out


def _piece(part: slice | Zeros, offset: int, start: int, end: int) -> Part:
    """The part's bytes from output position `start` to `end` (the part begins at `offset`)."""
    if isinstance(part, Zeros):
        return Zeros(end - start)
    return slice(part.start + start - offset, part.start + end - offset)
