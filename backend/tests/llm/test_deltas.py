from app.llm.deltas import DeltaKind, ModelDelta, coalesced
from app.streaming.events import EventKind

REASONING: DeltaKind = EventKind.REASONING
CONTENT: DeltaKind = EventKind.CONTENT


def test_adjacent_deltas_of_one_kind_are_joined_in_order() -> None:
    deltas = [
        ModelDelta(REASONING, "a"),
        ModelDelta(REASONING, "b"),
        ModelDelta(CONTENT, "c"),
        ModelDelta(CONTENT, "d"),
    ]
    assert coalesced(deltas) == [ModelDelta(REASONING, "ab"), ModelDelta(CONTENT, "cd")]


def test_kinds_never_merge_across_each_other() -> None:
    deltas = [ModelDelta(CONTENT, "a"), ModelDelta(REASONING, "b"), ModelDelta(CONTENT, "c")]
    assert coalesced(deltas) == deltas


def test_a_single_delta_is_kept_as_it_is() -> None:
    assert coalesced([ModelDelta(CONTENT, "x")]) == [ModelDelta(CONTENT, "x")]
