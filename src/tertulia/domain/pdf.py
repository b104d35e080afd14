"""What opening a PDF may do. A PDF holding JavaScript, an action run when it (or a page) is
opened, or one that launches a program, submits a form or imports data may do more than
show itself, so it is never shown inline; nor is one we cannot read far enough to tell
(encrypted, or with objects packed under a filter we do not undo).

Read as a stream, a chunk at a time, with bounded memory: names are looked for outside
streams (with their #xx escapes undone, so /J#61vaScript is /JavaScript), stream data is
skipped, except that of object streams, where objects can hide: those are inflated (up to a
budget) and read the same way."""

from __future__ import annotations

import re
import zlib

ACTIVE = frozenset(
    {"JavaScript", "JS", "OpenAction", "AA", "Launch", "SubmitForm", "ImportData", "Encrypt"}
)
_UNDONE_FILTERS = frozenset(
    {"ASCII85Decode", "A85", "ASCIIHexDecode", "AHx", "LZWDecode", "LZW", "RunLengthDecode"}
    | {"RL", "Crypt", "DecodeParms", "DP", "JBIG2Decode", "DCTDecode", "JPXDecode"}
)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]{1,127})")
_STREAM = re.compile(rb"(?<![A-Za-z])stream\r?\n")
_END = b"endstream"
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
KEEP = 4096  # bytes kept from one chunk to the next: a name or a stream's dictionary
INFLATE_BUDGET = 64 * 1024 * 1024  # bytes of object streams inflated per file


def _names(data: bytes) -> set[str]:
    found = set()
    for match in _NAME.finditer(data):
        raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        found.add(raw.decode("latin-1"))
    return found


class ActiveContent:
    """Feed a PDF's bytes in order; `reason` then says why it may not be shown inline (the
    first active name found, or what could not be read), None if nothing was found."""

    def __init__(self, budget: int = INFLATE_BUDGET) -> None:
        self.reason: str | None = None
        self._budget = budget
        self._pending = b""  # bytes not fully read yet, and the tail of those that were
        self._mode = "text"  # text, skip (stream data), inflate (object stream data)
        self._inflate: zlib._Decompress | None = None
        self._inflated = b""  # the tail of what was inflated, for names cut in two

    def feed(self, chunk: bytes) -> None:
        data = chunk
        while data and self.reason is None:
            if self._mode == "inflate":
                data = self._inflating(data)
            elif self._mode == "skip":
                data = self._skipping(data)
            else:
                data = self._text(data)

    def _found(self, names: set[str]) -> None:
        active = sorted(names & ACTIVE)
        if active and self.reason is None:
            self.reason = f"/{active[0]}"

    def _text(self, data: bytes) -> bytes:
        buffer = self._pending + data
        start = _STREAM.search(buffer)
        if start is None:
            self._found(_names(buffer))
            self._pending = buffer[-KEEP:]
            return b""
        before = buffer[: start.start()]
        self._found(_names(before))
        dictionary = before[-KEEP:]
        cut = max(dictionary.rfind(b"endobj"), dictionary.rfind(_END))
        names = _names(dictionary[cut + 1 :] if cut >= 0 else dictionary)
        self._pending = b""
        if "ObjStm" not in names:
            self._mode = "skip"
        elif names & _UNDONE_FILTERS:
            self.reason = "an object stream we cannot read"
        elif "FlateDecode" in names or "Fl" in names:
            self._mode, self._inflate, self._inflated = "inflate", zlib.decompressobj(), b""
        # an object stream with no filter is read as text
        return buffer[start.end() :]

    def _skipping(self, data: bytes) -> bytes:
        buffer = self._pending + data
        end = buffer.find(_END)
        if end < 0:
            self._pending = buffer[-(len(_END) - 1) :]
            return b""
        self._pending, self._mode = b"", "text"
        return buffer[end + len(_END) :]

    def _inflating(self, data: bytes) -> bytes:
        inflate = self._inflate
        if inflate is None:  # not reached: inflate mode always has its decompressor
            self._mode = "skip"
            return data
        try:
            out = inflate.decompress(data, self._budget + 1)
        except zlib.error:
            self.reason = "an object stream we cannot read"
            return b""
        self._budget -= len(out)
        if self._budget < 0 or inflate.unconsumed_tail:
            self.reason = "more packed objects than we read"
            return b""
        text = self._inflated + out
        self._found(_names(text))
        self._inflated = text[-128:]
        if not inflate.eof:
            return b""
        self._mode, self._inflate = "skip", None
        return inflate.unused_data
