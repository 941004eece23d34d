"""The text a client may send (titles and messages): what is refused, where the limits are, and that the
OpenAPI document states the same rules as the validators."""

import re
import sys

import pytest
from pydantic import ValidationError

from app.core.config import get_settings
from app.models import TEXT_PATTERN, WHITESPACE_CLASS, ConversationUpdate, MessageCreate


def _message_error(content: str) -> str:
    with pytest.raises(ValidationError) as raised:
        MessageCreate(content=content)
    return raised.value.errors()[0]["msg"]


def test_a_message_of_exactly_the_limit_is_accepted_and_one_character_more_is_not() -> None:
    limit = get_settings().max_message_chars
    assert MessageCreate(content="x" * limit).content == "x" * limit
    assert _message_error("x" * (limit + 1)) == (
        f"Value error, message is {limit + 1:,} characters long; the limit is {limit:,}"
    )


def test_a_title_of_exactly_the_limit_is_accepted_and_one_character_more_is_not() -> None:
    limit = get_settings().max_title_chars
    assert ConversationUpdate(title="t" * limit).title == "t" * limit
    with pytest.raises(ValidationError, match=f"title is {limit + 1:,} characters long"):
        ConversationUpdate(title="t" * (limit + 1))


def test_the_limit_counts_the_text_as_sent_and_what_is_kept_is_trimmed() -> None:
    # As the schema's maxLength does: the whitespace around the text counts too.
    limit = get_settings().max_message_chars
    assert MessageCreate(content=" x\n").content == "x"
    assert "the limit is" in _message_error(" " + "x" * limit)


@pytest.mark.parametrize(
    ("content", "refusal"),
    [
        ("a\x00b", "message contains a NUL character (\\u0000), which cannot be stored"),
        ("\x00", "message contains a NUL character"),
        ("\ud800", "message contains a lone surrogate at character 0, which is not valid Unicode"),
        ("ok \udfff", "message contains a lone surrogate at character 3"),
        ("", "message is empty or only whitespace"),
        (" \n\t\u3000\x1c", "message is empty or only whitespace"),
    ],
)
def test_text_that_cannot_be_stored_or_says_nothing_is_refused(content: str, refusal: str) -> None:
    assert refusal in _message_error(content)


def test_text_beyond_the_basic_plane_is_accepted() -> None:
    assert MessageCreate(content="naïve 😀 文字").content == "naïve 😀 文字"


def test_the_schema_states_the_validators_rules() -> None:
    limit = get_settings().max_message_chars
    schema = MessageCreate.model_json_schema()["properties"]["content"]
    assert schema == {
        "title": "Content",
        "type": "string",
        "minLength": 1,
        "maxLength": limit,
        "pattern": TEXT_PATTERN,
    }


def test_the_patterns_whitespace_is_what_strip_trims() -> None:
    whitespace = re.compile(f"[{WHITESPACE_CLASS}]")
    characters = (chr(code) for code in range(sys.maxunicode + 1))
    assert {c for c in characters if whitespace.fullmatch(c)} == {
        chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()
    }


@pytest.mark.parametrize("text", ["x", " x ", "a\x00b", "\x00", " ", "\u2028\u3000", "\x1c", "\ufeff", "é"])
def test_the_pattern_accepts_what_the_validator_accepts(text: str) -> None:
    try:
        MessageCreate(content=text)
        accepted = True
    except ValidationError:
        accepted = False
    assert (re.fullmatch(TEXT_PATTERN, text) is not None) is accepted
