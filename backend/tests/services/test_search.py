"""ts_headline's marked text as snippet parts; the queries are tested through the API
(tests/api/routes/test_conversations_search.py)."""

from app.models import SnippetPart
from app.services.search import snippet


def test_the_marks_become_parts_and_nothing_else_changes() -> None:
    marked = "\ue000Otters\ue001 hold \ue000otters\ue001' paws: a <  b, x< y"
    assert snippet(marked) == [
        SnippetPart(text="Otters", match=True),
        SnippetPart(text=" hold ", match=False),
        SnippetPart(text="otters", match=True),
        # The space the search put after each "<" is gone again; the text's own spaces are kept.
        SnippetPart(text="' paws: a < b, x<y", match=False),
    ]


def test_no_part_is_empty() -> None:
    adjacent = [SnippetPart(text="a", match=True), SnippetPart(text="b", match=True)]
    assert snippet("\ue000a\ue001\ue000b\ue001") == adjacent
    assert snippet("") == []
    assert snippet("plain") == [SnippetPart(text="plain", match=False)]
