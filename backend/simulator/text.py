"""Deterministic English-like text: the same prompt always yields the same tokens, one token per streamed delta.

Answers are light markdown (paragraphs, headings, lists, code blocks); reasoning summaries read like a model's
first-person planning notes. Both are drawn from a random generator seeded by the prompt alone.
"""

import itertools
import random
import re
from collections.abc import Iterator
from functools import lru_cache

_SUBJECTS = (
    "the simplest approach",
    "a durable stream",
    "each worker",
    "the client",
    "this design",
    "the request handler",
    "every message",
    "the cache layer",
    "a careful reader",
    "the database",
    "our example",
    "the final answer",
)
_VERBS = (
    "keeps",
    "separates",
    "explains",
    "tracks",
    "retries",
    "buffers",
    "validates",
    "summarizes",
    "replays",
    "stores",
    "balances",
    "highlights",
)
_GERUNDS = ("weighing", "checking", "outlining", "comparing", "reviewing", "organizing", "clarifying", "tracing")
_OBJECTS = (
    "the full history",
    "each partial answer",
    "the important details",
    "every incoming token",
    "a small amount of state",
    "the slow parts",
    "the ordering of events",
    "a clear boundary",
    "the user's question",
    "the edge cases",
)
_TAILS = (
    "without blocking the loop",
    "even under heavy load",
    "so nothing is lost",
    "in a predictable way",
    "when the connection drops",
    "before the next step",
    "with very little overhead",
    "for every new request",
    "at the end of the stream",
    "across restarts",
)
_CONNECTORS = ("In practice,", "As a result,", "For example,", "Meanwhile,", "In short,", "Put simply,", "Still,")
_HEADINGS = ("Overview", "How it works", "Key ideas", "Trade-offs", "Next steps", "A quick example", "In detail")
_REASONING_TITLES = ("Considering the question", "Planning the answer", "Weighing the options", "Structuring the reply")
_CODE_FUNCTIONS = ("handle", "replay", "summarize", "collect", "flush")
_CODE_ARGUMENTS = ("event", "message", "chunk", "request")
_CODE_ATTRIBUTES = ("data", "text", "tokens", "id")

_CONNECTOR_ODDS = 0.3
_NUMBERED_LIST_ODDS = 0.4

# Newline runs are tokens of their own; everything else is a word carrying its leading spaces, as in BPE vocabularies.
_TOKEN = re.compile(r"\n+|[^\S\n]*\S+|[^\S\n]+")


def _capitalized(text: str) -> str:
    return text[0].upper() + text[1:]


def _statement(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"


def _sentence(rng: random.Random) -> str:
    body = f"{_statement(rng)} {rng.choice(_TAILS)}."
    if rng.random() < _CONNECTOR_ODDS:
        return f"{rng.choice(_CONNECTORS)} {body}"
    return _capitalized(body)


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _heading(rng: random.Random) -> str:
    return f"## {rng.choice(_HEADINGS)}\n\n{_paragraph(rng)}"


def _bullet_list(rng: random.Random) -> str:
    numbered = rng.random() < _NUMBERED_LIST_ODDS
    items = (_capitalized(_statement(rng)) + "." for _ in range(rng.randint(3, 4)))
    return "\n".join(f"{n}. {item}" if numbered else f"- {item}" for n, item in enumerate(items, start=1))


def _code_block(rng: random.Random) -> str:
    argument = rng.choice(_CODE_ARGUMENTS)
    return (
        f"```python\ndef {rng.choice(_CODE_FUNCTIONS)}({argument}):\n"
        f"    return {argument}.{rng.choice(_CODE_ATTRIBUTES)}\n```"
    )


_FOLLOW_UP_BLOCKS = (_paragraph, _paragraph, _paragraph, _heading, _bullet_list, _code_block)


def _answer_blocks(rng: random.Random) -> Iterator[str]:
    yield _paragraph(rng)
    while True:
        yield rng.choice(_FOLLOW_UP_BLOCKS)(rng)


def _reasoning_blocks(rng: random.Random) -> Iterator[str]:
    while True:
        notes = (
            f"I'm {rng.choice(_GERUNDS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}." for _ in range(rng.randint(2, 3))
        )
        yield f"**{rng.choice(_REASONING_TITLES)}**\n\n" + " ".join(notes)


def _token_stream(blocks: Iterator[str]) -> Iterator[str]:
    """The blocks' tokens, with a blank line between consecutive blocks."""
    yield from _TOKEN.findall(next(blocks))
    for block in blocks:
        yield "\n\n"
        yield from _TOKEN.findall(block)


def _first_tokens(blocks: Iterator[str], count: int) -> tuple[str, ...]:
    return tuple(itertools.islice(_token_stream(blocks), count))


# Benchmarks send the same prompt thousands of times; generating an answer costs about as much as serving it.
@lru_cache(maxsize=1024)
def answer_tokens(prompt: str, count: int) -> tuple[str, ...]:
    """The first `count` tokens of the answer to `prompt`; a longer count extends a shorter one."""
    return _first_tokens(_answer_blocks(random.Random(f"answer:{prompt}")), count)


@lru_cache(maxsize=1024)
def reasoning_summary_tokens(prompt: str, count: int) -> tuple[str, ...]:
    """The first `count` tokens of the reasoning summary for `prompt`."""
    return _first_tokens(_reasoning_blocks(random.Random(f"reasoning:{prompt}")), count)
