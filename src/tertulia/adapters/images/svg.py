"""SVG without metadata: the document written again with only what draws it. Comments,
processing instructions, the doctype, `<metadata>` (RDF: author, licence, dates) and every
element and attribute of an editor's namespace (Inkscape's and Sodipodi's hold the author's
file names and paths, Illustrator's its settings) go; elements and attributes of SVG, XLink,
XML, XHTML and MathML, and their text, stay. Read as a stream (expat, whose limits stop an
entity bomb; external entities are never fetched), written as UTF-8."""

from __future__ import annotations

import xml.parsers.expat
from pathlib import Path
from typing import BinaryIO

from tertulia.adapters.images.cleaning import corrupt

SVG_NS = "http://www.w3.org/2000/svg"
KEPT = frozenset(
    {
        SVG_NS,
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/XML/1998/namespace",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1998/Math/MathML",
        "",  # an attribute without a prefix
    }
)
XML_NS = "http://www.w3.org/XML/1998/namespace"
READ = 1024 * 1024
MAX_DEPTH = 1000


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
        text = text.replace("\r", "&#13;")
    return text


class _Writer:
    """Expat's events in, the kept document out."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._scopes: list[dict[str, str]] = [{"xml": XML_NS}]  # prefix → namespace
        self._open: list[str | None] = []  # each open element's name, None if dropped
        self._dropping = 0  # depth inside a dropped element
        self._pending: list[str] = []
        self.root: str | None = None

    def _emit(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) > 512:
            self.flush()

    def flush(self) -> None:
        self._out.write("".join(self._pending).encode("utf-8"))
        self._pending.clear()

    def _namespace(self, name: str, scope: dict[str, str], attribute: bool) -> str | None:
        prefix, colon, _ = name.rpartition(":")
        if not colon:
            return "" if attribute else scope.get("", "")
        return scope.get(prefix)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if len(self._open) >= MAX_DEPTH:
            raise corrupt("SVG nests too deep")
        scope = dict(self._scopes[-1])
        for key, value in attributes.items():
            if key == "xmlns":
                scope[""] = value
            elif key.startswith("xmlns:"):
                scope[key[6:]] = value
        self._scopes.append(scope)
        namespace = self._namespace(name, scope, attribute=False)
        local = name.rpartition(":")[2]
        if self.root is None:
            self.root = local if namespace == SVG_NS else ""
        if self._dropping or namespace not in KEPT or (namespace == SVG_NS and local == "metadata"):
            self._dropping += 1
            self._open.append(None)
            return
        kept = []
        for key, value in attributes.items():
            if key == "xmlns" or key.startswith("xmlns:"):
                if value not in KEPT:
                    continue
            elif self._namespace(key, scope, attribute=True) not in KEPT:
                continue
            kept.append(f' {key}="{_escape(value, quote=True)}"')
        self._emit(f"<{name}{''.join(kept)}>")
        self._open.append(name)

    def end(self, name: str) -> None:
        self._scopes.pop()
        if self._open.pop() is None:
            self._dropping -= 1
            return
        self._emit(f"</{name}>")

    def text(self, data: str) -> None:
        if not self._dropping and self._open:
            self._emit(_escape(data))


def clean_svg(source: Path, target: Path) -> None:
    """Write the SVG at `source` without metadata (see the module) to `target`, which
    appears only once complete. image.corrupt if it is not well-formed XML whose root is
    an SVG element."""
    partial = target.with_name(target.name + ".partial")
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    with source.open("rb") as handle, partial.open("wb") as out:
        writer = _Writer(out)
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        parser.StartElementHandler = writer.start
        parser.EndElementHandler = writer.end
        parser.CharacterDataHandler = writer.text
        parser.ExternalEntityRefHandler = lambda *_: 0  # never fetched: an error
        try:
            parser.ParseFile(handle)
        except xml.parsers.expat.ExpatError as e:
            partial.unlink(missing_ok=True)
            raise corrupt(f"SVG is not well-formed: {e}") from None
        writer.flush()
        if writer.root != "svg":
            partial.unlink(missing_ok=True)
            raise corrupt("not an SVG document")
    partial.replace(target)
