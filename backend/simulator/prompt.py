"""What the simulated model reads from a request: the last user message (which seeds the answer and may carry
`[sim ...]` directives) and a size estimate of the whole input for usage accounting.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

from simulator.body import JsonObject, invalid_type, missing_parameter, optional_field, required_field

_CHARS_PER_TOKEN = 4
"""The usual rule of thumb for English text with OpenAI tokenizers; usage numbers only need to be plausible."""


@dataclass(frozen=True, slots=True)
class Prompt:
    last_user_text: str
    input_tokens: int


def _prompt(texts: Iterable[str], last_user_text: str) -> Prompt:
    input_chars = sum(len(text) for text in texts)
    return Prompt(last_user_text=last_user_text, input_tokens=max(1, math.ceil(input_chars / _CHARS_PER_TOKEN)))


def _content_text(content: object, param: str, text_part_types: frozenset[str]) -> str:
    """The text of a message's content, given as a string or as parts; parts that are not text (images, files) are
    skipped because the simulated model only reads text.
    """
    if content is None:
        raise missing_parameter(param)
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise invalid_type(param, "a string or an array of content parts", content)
    texts = []
    for index, part in enumerate(content):
        part_param = f"{param}[{index}]"
        if not isinstance(part, dict):
            raise invalid_type(part_param, "an object", part)
        if part.get("type") in text_part_types:
            texts.append(required_field(part, "text", str, param=f"{part_param}.text"))
    return "\n".join(texts)


_RESPONSES_TEXT_PARTS = frozenset({"input_text", "output_text"})


def responses_prompt(body: JsonObject) -> Prompt:
    """Reads `instructions` and `input`, a string or a list of input items; items other than messages (tool calls and
    their outputs, reasoning, references) are skipped.
    """
    instructions = optional_field(body, "instructions", str) or ""
    input_value = body.get("input")
    if input_value is None:
        raise missing_parameter("input")
    if isinstance(input_value, str):
        return _prompt((instructions, input_value), input_value)
    if not isinstance(input_value, list):
        raise invalid_type("input", "a string or an array of input items", input_value)
    texts = [instructions]
    last_user_text = ""
    for index, item in enumerate(input_value):
        item_param = f"input[{index}]"
        if not isinstance(item, dict):
            raise invalid_type(item_param, "an object", item)
        if item.get("type", "message") != "message":
            continue
        role = required_field(item, "role", str, param=f"{item_param}.role")
        text = _content_text(item.get("content"), f"{item_param}.content", _RESPONSES_TEXT_PARTS)
        texts.append(text)
        if role == "user":
            last_user_text = text
    return _prompt(texts, last_user_text)


_CHAT_TEXT_PARTS = frozenset({"text"})


def chat_prompt(body: JsonObject) -> Prompt:
    """Reads `messages`; an assistant message may have null content when it only carries tool calls."""
    messages = body.get("messages")
    if messages is None:
        raise missing_parameter("messages")
    if not isinstance(messages, list):
        raise invalid_type("messages", "an array of messages", messages)
    if not messages:
        raise invalid_type("messages", "a non-empty array of messages", messages)
    texts = []
    last_user_text = ""
    for index, message in enumerate(messages):
        message_param = f"messages[{index}]"
        if not isinstance(message, dict):
            raise invalid_type(message_param, "an object", message)
        role = required_field(message, "role", str, param=f"{message_param}.role")
        content = message.get("content")
        if content is None and role == "assistant":
            continue
        text = _content_text(content, f"{message_param}.content", _CHAT_TEXT_PARTS)
        texts.append(text)
        if role == "user":
            last_user_text = text
    return _prompt(texts, last_user_text)
