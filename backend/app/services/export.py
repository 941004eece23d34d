"""A conversation as a file: Markdown for reading (one branch), JSON for keeping or moving (app/models.py's
ConversationExport, which can hold the whole tree)."""

import re

from app.models import ConversationExport, MessagePublic, MessageRole, MessageStatus

_UNTITLED = "Untitled conversation"
# What a file name keeps of a title: letters, digits, and single dashes between words.
_NOT_NAME = re.compile(r"[^\w]+", re.UNICODE)
_MAX_NAME_CHARS = 60


def to_markdown(exported: ConversationExport) -> str:
    lines = [f"# {exported.title or _UNTITLED}", ""]
    details = [f"Exported {exported.exported_at:%Y-%m-%d %H:%M} UTC"]
    if exported.model:
        details.append(f"model {exported.model}")
    lines += [f"_{', '.join(details)}_", ""]
    if exported.instructions:
        lines += ["## Instructions", "", exported.instructions, ""]
    for message in exported.messages:
        lines += [f"## {_speaker(message)}", "", message.content or _no_text(message), ""]
    return "\n".join(lines)


def _speaker(message: MessagePublic) -> str:
    if message.role is MessageRole.USER:
        return "You"
    label = "Assistant" + (f" ({message.model})" if message.model else "")
    if message.status is not MessageStatus.COMPLETED:
        label += f" [{message.status.value}]"
    return label


def _no_text(message: MessagePublic) -> str:
    return f"_({message.error})_" if message.error else "_(no text)_"


def attachment_name(exported: ConversationExport, extension: str) -> str:
    """An ASCII-safe file name from the title (a quoted Content-Disposition name must not carry quotes)."""
    stem = _NOT_NAME.sub("-", (exported.title or "conversation").encode("ascii", "ignore").decode()).strip("-")
    stem = stem[:_MAX_NAME_CHARS].strip("-").lower() or "conversation"
    return f"{stem}.{extension}"
