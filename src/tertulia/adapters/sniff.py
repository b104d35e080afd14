"""A file's type from its first bytes: libmagic (python-magic), normalised to registered names,
with a second look at text for the markup libmagic misses (an SVG or an HTML page behind a
byte-order mark, whitespace or comments)."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from tertulia.domain.files import EMPTY, OCTET_STREAM, canonical_type
from tertulia.usecases.ports.files import SNIFF_BYTES

if TYPE_CHECKING:
    import magic

INSTALL_HINT = (
    "install libmagic: `apt install libmagic1` on Debian/Ubuntu, `dnf install file-libs` on "
    "Fedora/RHEL, `apk add libmagic` on Alpine, `brew install libmagic` on macOS (Homebrew)"
)


class LibmagicUnavailable(RuntimeError):
    """libmagic (or its database) cannot be loaded: uploads cannot be typed."""


# one libmagic handle per thread: a handle is not thread-safe (python-magic 0.4.27 puts a lock
# around each; older versions had none), and one per thread costs ~200 KB and no waiting
_local = threading.local()


def sniff_type(head: bytes) -> str:
    """The MIME type of a file that starts with `head` (its first `SNIFF_BYTES` are read):
    application/x-empty for no bytes, application/octet-stream for what libmagic cannot
    read. Raises LibmagicUnavailable if libmagic cannot be loaded."""
    head = head[:SNIFF_BYTES]
    if not head:
        return EMPTY
    sniffer = _magic()
    try:
        found = canonical_type(sniffer.from_buffer(head))
    except Exception:  # python-magic's MagicException: libmagic failed on these bytes
        return OCTET_STREAM
    if found in _MAYBE_MARKUP:
        return _markup_type(head) or found
    return found


def check_libmagic() -> None:
    """Load libmagic and its database and type a known sample: at start, so that a missing
    library stops the server with instructions rather than failing each upload. Raises
    LibmagicUnavailable."""
    found = canonical_type(_load().from_buffer(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))
    if found != "application/pdf":
        raise LibmagicUnavailable(
            f"libmagic typed a PDF as {found!r}: its database is missing or broken; " + INSTALL_HINT
        )


def _magic() -> magic.Magic:
    instance: magic.Magic | None = getattr(_local, "magic", None)
    if instance is None:
        instance = _local.magic = _load()
    return instance


def _load() -> magic.Magic:
    # imported here, not at the top: python-magic loads libmagic when imported, and a
    # missing library must stop start-up with our instructions, not an ImportError
    try:
        import magic
    except (ImportError, OSError) as error:
        raise LibmagicUnavailable(f"libmagic cannot be loaded ({error}); {INSTALL_HINT}") from error
    try:
        return magic.Magic(mime=True)
    except magic.MagicException as error:  # no database (Debian's libmagic-mgc)
        raise LibmagicUnavailable(
            f"libmagic cannot load its database ({error}); {INSTALL_HINT}"
        ) from error


# libmagic's answers that may hide markup: an SVG after a comment or a byte-order mark is
# "text/plain", an XHTML page "text/xml"
_MAYBE_MARKUP = frozenset({"text/plain", "text/xml", "application/xml"})
# what may come before the root element: the XML declaration and other processing
# instructions, comments, a doctype (with an internal subset in brackets), whitespace
_PROLOG = re.compile(
    r"\s*(?:(?P<declaration><\?xml\s.*?\?>)|<\?.*?\?>|<!--.*?-->"
    r"|<!doctype\s+(?P<doctype>[^\s>\[]+)[^>\[]*(?:\[.*?\])?\s*>)",
    re.DOTALL | re.IGNORECASE,
)
_ROOT = re.compile(r"\s*<(?:[a-z][\w.-]*:)?(?P<name>[a-z][\w.-]*)(?=[\s/>])", re.IGNORECASE)
# the start tags that make a browser sniff a document as HTML (WHATWG MIME Sniffing, 7.1)
_HTML_TAGS = frozenset(
    {"html", "head", "script", "iframe", "h1", "div", "font", "table", "a", "style", "title"}
    | {"b", "body", "br", "p"}
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _markup_type(head: bytes) -> str | None:
    """image/svg+xml, text/html or application/xhtml+xml if the text is one, else None."""
    text = _decoded(head)
    position, declared, doctype = 0, False, ""
    while found := _PROLOG.match(text, position):
        declared = declared or found.group("declaration") is not None
        doctype = (found.group("doctype") or doctype).lower()
        position = found.end()
    root = _ROOT.match(text, position)
    name = root.group("name").lower() if root else doctype
    if name == "svg":
        return "image/svg+xml"
    if name in _HTML_TAGS:
        return "application/xhtml+xml" if declared else "text/html"
    return None


def _decoded(head: bytes) -> str:
    # Latin-1 keeps every byte: markup is ASCII, so UTF-8 text reads the same; a byte-order
    # mark says otherwise, as it does to a browser
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "ignore")
    return head.decode("latin-1")
