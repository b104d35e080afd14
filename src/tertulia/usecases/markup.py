"""Message text: Markdown (CommonMark, autolinks, strikethrough, tables, code) with mentions and
:shortcode: emoji, rendered to HTML that an allow-list sanitiser has cleaned."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import emoji
import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tertulia.domain import mentions
from tertulia.domain.errors import Invalid
from tertulia.domain.ids import ChannelId, UserId
from tertulia.domain.mentions import Mentions

_TAGS = {
    "p", "br", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    "span",
}  # fmt: skip
_LANGUAGES = (
    "py", "python", "js", "javascript", "ts", "typescript", "json", "sql", "sh", "bash", "shell",
    "go", "rust", "java", "c", "cpp", "html", "css", "yaml", "toml", "diff", "text", "ruby",
    "php", "kotlin", "swift", "xml", "markdown", "md",
)  # fmt: skip
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes={
        "a": {"href", "title"},
        "span": {"data-user-id", "data-channel-id"},  # class: see allowed_classes
        "ol": {"start"},
        "th": {"style"},
        "td": {"style"},
    },
    allowed_classes={
        "span": {"mention", "mention-all", "mention-here", "channel-mention"},
        "code": {f"language-{name}" for name in _LANGUAGES},
    },
    filter_style_properties={"text-align"},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


# Text that no Markdown rule, autolink, mention or :shortcode: can touch: one line that
# starts with a letter (or an opening ¿ ¡ " ' mark) and holds only letters, digits, spaces and
# harmless punctuation; a full stop only before a space or at the end (so "ejemplo.com" is left
# to the linkifier), '-' and '+' only after the start (not list bullets).
_PLAIN = re.compile(
    r"""(?:[^\W\d_]|[¿¡"'])[^\W_]*(?:(?:[ ,;?¿¡!'"%$()/=+-]|\.(?= |$))[^\W_]*)*(?<! )"""
)


def _parser() -> MarkdownIt:
    return (
        MarkdownIt(
            "commonmark", {"linkify": True, "html": False, "breaks": True, "typographer": False}
        )
        .enable(["linkify", "strikethrough", "table"])
        .disable("image")
    )  # no tracking pixels:
    # an image in a message stays a link to it (clients may preview it)


def canonical_emoji(value: str) -> str:
    """A reaction as stored: the emoji itself, from a Unicode emoji or a known :shortcode:
    (GitHub/Slack aliases such as :+1: included). Invalid for anything else."""
    text = value.strip()
    if text.startswith(":") and text.endswith(":") and len(text) > 2:
        text = emoji.emojize(text, language="alias")
    # "❤" and "❤️" are one reaction: keep the fully qualified form
    for candidate in (text, text.replace("\ufe0f", "") + "\ufe0f"):
        data = emoji.EMOJI_DATA.get(candidate)
        if data is not None and data["status"] == emoji.STATUS["fully_qualified"]:
            return candidate
    if emoji.is_emoji(text):
        return text
    raise Invalid.field(
        "emoji", "reaction.unknown_emoji", "React with one emoji, or a known :shortcode:."
    )


@dataclass(frozen=True, slots=True)
class Parsed:
    """A message's Markdown, parsed once: what it mentions now, its HTML once resolved."""

    tokens: list[Token]
    mentions: Mentions
    _markdown: MarkdownIt
    plain_html: str | None = None  # set when the text has no Markdown at all
    off_loop: bool = False  # parsed on the markup worker thread, and rendered there too

    def render(self, users: Mapping[str, UserId], channels: Mapping[str, ChannelId]) -> str:
        """Sanitised HTML where the resolved mentions (lowercase username → id, channel name →
        id) are marked up; anything unresolved stays plain text."""
        if self.plain_html is not None:
            return self.plain_html
        for inline in _inlines(self.tokens):
            children: list[Token] = []
            for child, in_link in _texts(inline):
                if child.type == "text" and not in_link:
                    children.extend(_marked(child.content, users, channels))
                else:
                    children.append(child)
            inline.children = children
        rendered = self._markdown.renderer.render(self.tokens, self._markdown.options, {})
        # a code block in a language we do not list keeps an empty class otherwise
        return _CLEANER.clean(rendered).replace(' class=""', "")


# Characters. Longer texts are parsed and rendered on a worker thread: Markdown of 16,000
# characters takes tens of milliseconds (60 ms for prose, measured here), which the event loop
# would otherwise spend serving nobody else.
OFF_LOOP_ABOVE = 2_000


class Markup:
    """Parses and renders message text; one instance serves every request.

    Short texts are handled on the caller's thread; long ones on one worker thread with a
    parser of its own (the linkifier keeps state between calls, so a parser never serves two
    threads)."""

    def __init__(self) -> None:
        self._markdown = _parser()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="tertulia-markup")
        self._worker_markdown: MarkdownIt | None = None  # made and used by the worker only

    def parse(self, text: str) -> Parsed:
        return _parse(text, self._markdown)

    async def parse_off_loop(self, text: str) -> Parsed:
        """`parse`, on the worker thread when the text is long."""
        if len(text) <= OFF_LOOP_ABOVE:
            return self.parse(text)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self._parse_in_worker, text)

    async def render_off_loop(
        self, parsed: Parsed, users: Mapping[str, UserId], channels: Mapping[str, ChannelId]
    ) -> str:
        """`parsed.render`, on the worker thread when it was parsed there."""
        if not parsed.off_loop:
            return parsed.render(users, channels)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, parsed.render, users, channels)

    def _parse_in_worker(self, text: str) -> Parsed:
        if self._worker_markdown is None:
            self._worker_markdown = _parser()
        return _parse(text, self._worker_markdown, off_loop=True)


def _parse(text: str, markdown: MarkdownIt, off_loop: bool = False) -> Parsed:
    if _PLAIN.fullmatch(text):
        # most chat lines are plain sentences: CommonMark would give exactly this
        return Parsed([], Mentions(), markdown, f"<p>{html.escape(text, quote=False)}</p>\n")
    tokens = markdown.parse(text)
    fragments = []
    for inline in _inlines(tokens):
        for child, in_link in _texts(inline):
            if child.type == "text":
                child.content = emoji.emojize(child.content, language="alias")
                if not in_link:  # https://medium.com/@ana/post names nobody
                    fragments.append(child.content)
    return Parsed(tokens, mentions.parse(fragments), markdown, off_loop=off_loop)


def _texts(inline: Token) -> Iterator[tuple[Token, bool]]:
    """The children of an inline run, each with whether it lies inside a link."""
    depth = 0
    for child in inline.children or []:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        yield child, depth > 0


def _inlines(tokens: list[Token]) -> Iterator[Token]:
    """The inline runs of text, outside code blocks (code is never searched for mentions)."""
    for token in tokens:
        if token.type == "inline":
            yield token


def _marked(
    text: str, users: Mapping[str, UserId], channels: Mapping[str, ChannelId]
) -> list[Token]:
    """A text token split so that resolved mentions become markup (escaped here, since the
    renderer passes html_inline through as it is)."""
    pieces: list[tuple[int, int, str]] = []
    for start, options in mentions.readings(text):
        for end, name in options:
            if name in users:
                opening = f'<span class="mention" data-user-id="{users[name]}">'
            elif name in mentions.EVERYONE:
                opening = '<span class="mention mention-all">'
            elif name == mentions.HERE:
                opening = '<span class="mention mention-here">'
            else:
                continue
            pieces.append((start, end, opening))
            break
    for start, end, name in mentions.channel_spans(text):
        if name in channels:
            pieces.append(
                (start, end, f'<span class="channel-mention" data-channel-id="{channels[name]}">')
            )
    if not pieces:
        token = Token("text", "", 0)
        token.content = text
        return [token]
    out: list[Token] = []
    at = 0
    for start, end, opening in sorted(pieces):
        if start < at:
            continue  # overlapping matches: the first wins
        if start > at:
            out.append(_text(text[at:start]))
        out.append(_html(opening + html.escape(text[start:end]) + "</span>"))
        at = end
    if at < len(text):
        out.append(_text(text[at:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _html(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token
