"""An auditor of rendered message HTML: what a browser could run (script-bearing tags, event
handler attributes, URLs with a scheme other than http, https and mailto), found by parsing
the HTML rather than by searching it for substrings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags a message may contain, as the issue describes the Markdown we render.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
        "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
        "td", "span",
    }
)  # fmt: skip
EXECUTABLE_TAGS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
        "style", "link", "meta", "base", "form", "input", "button", "img", "video", "audio",
        "source", "xml", "xss", "body", "html", "head", "title", "template", "bgsound",
    }
)  # fmt: skip
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Attributes whose value a browser loads or navigates to.
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "background", "dynsrc", "lowsrc", "data",
        "poster", "srcset", "xlink:href", "codebase", "cite", "longdesc", "usemap", "ping",
    }
)  # fmt: skip
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in an attribute value (already entity-decoded): it
    drops tabs and new lines anywhere and control characters and spaces at either end."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


class Audit(HTMLParser):
    """Parses HTML and lists every construct in it that could execute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in EXECUTABLE_TAGS:
            self.problems.append(f"<{tag}> tag")
        elif tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not an allowed tag")
        for name, value in attrs:
            self._attribute(tag, name.lower(), value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")  # conditional comments run in old IE

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data}]>")

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.problems.append(f"event handler {name} on <{tag}>")
        if name in URL_ATTRIBUTES:
            scheme = url_scheme(value)
            if scheme is not None and scheme not in SAFE_SCHEMES:
                self.problems.append(f"{name}={value!r} on <{tag}> has scheme {scheme}")
        if name == "style":
            squashed = re.sub(r"\s|/\*.*?\*/", "", value.lower())
            if not re.fullmatch(r"(text-align:(left|right|center);?)*", squashed):
                self.problems.append(f"style={value!r} on <{tag}>")
        if name in {"srcdoc", "formaction", "xmlns", "xlink:href", "datasrc", "is"}:
            self.problems.append(f"{name} on <{tag}>")


def executable(html: str) -> list[str]:
    """Every construct in the HTML that a browser could run (an empty list if it is safe)."""
    audit = Audit()
    audit.feed(html)
    audit.close()
    lowered = html.lower()
    # belt and braces: a tag the parser would not see as one is still no raw opening tag
    audit.problems.extend(
        f"raw {opening}"
        for opening in ("<script", "<iframe", "<object", "<embed", "<svg", "<math", "<style")
        if opening in lowered
    )
    return audit.problems
