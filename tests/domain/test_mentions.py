"""Tests of mention parsing: who a message's plain text names with @username, @channel/@all/
@everyone, @here and #channel, and where those names sit in the text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tertulia.domain import mentions, text
from tertulia.domain.mentions import Mentions

USERNAME_SHAPE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


def parse(*fragments: str) -> Mentions:
    return mentions.parse(fragments)


# usernames -------------------------------------------------------------------------------------


def test_a_username_after_an_at_sign_is_a_mention() -> None:
    """Writing "@ana" anywhere in a sentence names Ana."""
    found = parse("hola @ana, ¿vienes?")

    assert found.usernames == ("ana",)
    assert not found.everyone
    assert not found.here
    assert found


@pytest.mark.parametrize(
    "fragment",
    [
        pytest.param("@ana", id="alone"),
        pytest.param("@ana hola", id="at-start"),
        pytest.param("hola @ana", id="at-end"),
        pytest.param("(@ana)", id="parentheses"),
        pytest.param("hola,@ana", id="after-comma"),
        pytest.param("«@ana»", id="guillemets"),
        pytest.param("línea\n@ana", id="new-line"),
    ],
)
def test_a_mention_may_stand_anywhere_a_word_can(fragment: str) -> None:
    """Ana is named at the start, at the end, in brackets or after punctuation."""
    assert parse(fragment).usernames == ("ana",)


@pytest.mark.parametrize(
    "fragment",
    [
        pytest.param("ana@example.com", id="email"),
        pytest.param("write to soporte@ana.es", id="email-domain"),
        pytest.param("a.@ana", id="after-dot"),
        pytest.param("x-@ana", id="after-hyphen"),
        pytest.param("x+@ana", id="after-plus"),
        pytest.param("@@ana", id="double-at"),
        pytest.param("niño@ana", id="after-accented-letter"),
    ],
)
def test_an_address_mentions_nobody(fragment: str) -> None:
    """An email address such as ana@example.com, or an @ glued to a word, names nobody."""
    found = parse(fragment)

    assert found.usernames == ()
    assert not found


@pytest.mark.parametrize(
    "fragment",
    ["@ana.", "@ana,", "@ana!", "@ana?", "@ana:", "@ana;", "@ana...", "@ana_", "@ana-", "@ana)"],
)
def test_trailing_punctuation_is_not_part_of_the_name(fragment: str) -> None:
    """ "Thanks @ana." names Ana: the name without the punctuation is always one reading
    (the longer one, for usernames that do end in '.', '_' or '-', is tried first)."""
    found = parse(fragment)
    assert found.usernames[-1] == "ana"
    assert len(found.candidates) == 1
    assert found.candidates[0][-1] == "ana"
    assert all(reading.startswith("ana") for reading in found.usernames)


def test_dots_hyphens_and_underscores_inside_a_name_are_kept() -> None:
    """A username such as ana.garcia or bruno_r-2 is named whole."""
    assert parse("@ana.garcia y @bruno_r-2").usernames == ("ana.garcia", "bruno_r-2")


def test_mentions_are_case_insensitive() -> None:
    """ "@ANA" and "@Ana" name the same person as "@ana", reported in lowercase."""
    assert parse("@ANA").usernames == ("ana",)
    assert parse("@Ana y @aNa").usernames == ("ana",)


def test_names_are_reported_in_order_of_first_appearance_without_repeats() -> None:
    """Each person is named once, in the order the text first names them."""
    found = parse("@carla @ana @Carla", "@bruno @ana")

    assert found.usernames == ("carla", "ana", "bruno")


def test_a_single_letter_is_no_username() -> None:
    """ "@a" is too short to be anyone (usernames have at least two characters)."""
    found = parse("@a y @b.")

    assert found.usernames == ()
    assert mentions.spans("@a y @b.") == []


def test_a_name_stops_at_a_second_at_sign() -> None:
    """ "@ana@bob" names Ana only: what follows her name is glued to it, so it is no mention."""
    assert parse("@ana@bob").usernames == ("ana",)


def test_no_text_mentions_nobody() -> None:
    """An empty message, or one without an @, names nobody."""
    assert parse() == Mentions()
    assert parse("", "hola a todos") == Mentions()
    assert not parse("hola")


# the whole channel -----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["@channel", "@all", "@everyone", "@Channel", "@ALL", "@all."])
def test_channel_all_and_everyone_call_the_whole_channel(word: str) -> None:
    """@channel, @all and @everyone (in any case) call every member, and name nobody by name."""
    found = parse(f"{word} reunión a las 10")

    assert found.everyone
    assert not found.here
    assert found.usernames == ()
    assert found


def test_here_calls_the_members_online() -> None:
    """@here calls the members online, not the whole channel, and names nobody by name."""
    found = parse("@here ¿alguien?")

    assert found.here
    assert not found.everyone
    assert found.usernames == ()
    assert found


def test_everyone_here_and_names_can_be_mixed() -> None:
    """One message may call the channel, those online and some people at once."""
    found = parse("@all @here @ana")

    assert found.everyone
    assert found.here
    assert found.usernames == ("ana",)


def test_words_that_merely_start_like_everyone_are_usernames() -> None:
    """ "@channels" or "@allison" are people's names, not calls to the whole channel."""
    found = parse("@channels @allison @hereford")

    assert found.usernames == ("channels", "allison", "hereford")
    assert not found.everyone
    assert not found.here


# channels --------------------------------------------------------------------------------------


def test_hash_names_a_channel() -> None:
    """ "#general" and "#Diseño" name channels, lowercased, in order, once each."""
    found = parse("ver #general y #Diseño, luego #GENERAL")

    assert found.channels == ("general", "diseño")
    assert found.usernames == ()
    assert not found  # naming a channel calls nobody


@pytest.mark.parametrize(
    "fragment",
    [
        pytest.param("x#general", id="glued-to-a-word"),
        pytest.param("https://example.com/#general", id="url-fragment"),
        pytest.param("a&#general", id="entity-like"),
        pytest.param("# título", id="hash-then-space"),
    ],
)
def test_a_hash_inside_a_word_or_url_names_no_channel(fragment: str) -> None:
    """A # glued to a word or inside a URL is not a channel mention."""
    assert parse(fragment).channels == ()


def test_a_channel_name_drops_trailing_hyphens_and_underscores() -> None:
    """ "#diseño-" at the end of a clause names #diseño."""
    assert parse("en #diseño-").channels == ("diseño",)
    assert mentions.channel_spans("en #diseño_") == [(3, 10, "diseño")]


# spans -----------------------------------------------------------------------------------------


def test_spans_mark_exactly_the_mention() -> None:
    """A renderer gets where each mention starts and ends, trailing punctuation left out."""
    fragment = "Hola @Ana. y @here, @channel!"

    assert mentions.spans(fragment) == [
        (5, 9, "ana"),
        (13, 18, "here"),
        (20, 28, "channel"),
    ]


def test_spans_leave_addresses_alone() -> None:
    """An email address yields no span, so nothing inside it is marked up."""
    assert mentions.spans("ana@example.com") == []


# properties ------------------------------------------------------------------------------------

MENTIONISH = st.text(
    alphabet=st.sampled_from(list("@#anabruo.-_+ ,:;!?()@@##ÑñÉ\n\t\u200b\u0000é1")),
    max_size=80,
)
ANY_TEXT = st.one_of(st.text(max_size=200), MENTIONISH)


@given(st.lists(ANY_TEXT, max_size=4))
def test_any_text_parses_without_error(fragments: list[str]) -> None:
    """Whatever people type, mention parsing answers instead of crashing."""
    found = mentions.parse(fragments)

    assert isinstance(found, Mentions)
    assert len(set(found.usernames)) == len(found.usernames)
    assert len(set(found.channels)) == len(found.channels)


@given(st.lists(ANY_TEXT, max_size=4))
def test_every_reported_username_has_the_shape_of_a_username(fragments: list[str]) -> None:
    """A reported name is lowercase, 2 to 32 characters of a username, and never a word that
    calls the whole channel or those online."""
    for name in mentions.parse(fragments).usernames:
        assert USERNAME_SHAPE.match(name), name
        assert name not in mentions.EVERYONE
        assert name != mentions.HERE
        if name not in text.RESERVED_USERNAMES:
            assert text.username(name) == name


@given(ANY_TEXT)
def test_spans_point_at_an_at_sign_and_the_name(fragment: str) -> None:
    """Each span starts at an '@' followed by the name it reports, and spans never overlap."""
    found = mentions.spans(fragment)
    previous_end = 0
    for start, end, name in found:
        assert fragment[start] == "@"
        assert fragment[start + 1 : end].lower() == name
        assert start >= previous_end
        previous_end = end


@given(ANY_TEXT)
def test_spans_and_parse_agree(fragment: str) -> None:
    """The names the spans mark are the people (each mention's trimmed reading), the channel
    call and the @here parse reports."""
    names = [name for _, _, name in mentions.spans(fragment)]
    found = mentions.parse([fragment])

    people = [n for n in dict.fromkeys(names) if n not in mentions.EVERYONE and n != mentions.HERE]
    assert tuple(people) == tuple(dict.fromkeys(both[-1] for both in found.candidates))
    assert set(people) <= set(found.usernames)
    assert found.everyone == any(n in mentions.EVERYONE for n in names)
    assert found.here == (mentions.HERE in names)


@given(
    st.from_regex(r"[a-z][a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["", ".", ",", "!", "?", ")", ":", " y más"]),
    st.sampled_from(["", " ", "hola ", "(", "\n"]),
)
def test_a_written_username_is_found_whatever_surrounds_it(
    name: str, after: str, before: str
) -> None:
    """Any username written after a space or bracket and before punctuation is found."""
    found = mentions.parse([f"{before}@{name}{after}"])

    if name in mentions.EVERYONE:
        assert found.everyone
    elif name == mentions.HERE:
        assert found.here
    else:
        assert found.usernames[-1] == name
        assert [options[-1] for options in found.candidates] == [name]


def test_a_username_that_ends_in_punctuation_is_one_reading() -> None:
    """ "@jose_" can name jose_ (tried first) or jose; the resolver takes the one that exists."""
    found = parse("hola @jose_ y @ana")
    assert found.candidates == (("jose_", "jose"), ("ana",))
    assert found.usernames == ("jose_", "jose", "ana")


def test_a_name_longer_than_a_username_mentions_nobody() -> None:
    """ "@" followed by 33 letters is not a mention of the first 32 of them."""
    assert parse("@" + "a" * 33).usernames == ()
