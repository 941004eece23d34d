"""Database tables and the API's public shapes, per entity: Base, Create, Update, Public."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import AfterValidator, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlmodel import Field, Relationship, SQLModel

from app.core.config import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


# What str.strip trims (str.isspace), spelled out for the schema's pattern: "\s" means other characters in
# other regex dialects (ECMA-262's includes U+FEFF, Python's does not; Python's includes U+001C to U+001F).
WHITESPACE_CLASS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# No NUL, and one character at least that is not whitespace.
TEXT_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE_CLASS}][^\x00]*$"


def _checked_text(text: str, what: str, limit: int) -> str:
    """``text`` trimmed, if it is storable text of at most ``limit`` characters that is not only whitespace."""
    # Counted as sent, before trimming, so that the schema's maxLength is exactly the rule.
    if len(text) > limit:
        raise ValueError(f"{what} is {len(text):,} characters long; the limit is {limit:,}")
    # PostgreSQL text cannot hold NUL: refused here with a 422 that says so, not by the database with a 503.
    if "\x00" in text:
        raise ValueError(f"{what} contains a NUL character (\\u0000), which cannot be stored")
    # A JSON escape can name half of a surrogate pair ("\\ud800"), which is no character and has no UTF-8 form.
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as error:
            raise ValueError(
                f"{what} contains a lone surrogate at character {error.start}, which is not valid Unicode"
            ) from None
    trimmed = text.strip()
    if not trimmed:
        raise ValueError(f"{what} is empty or only whitespace")
    return trimmed


def _message_limit() -> int:
    return get_settings().max_message_chars


def _title_limit() -> int:
    return get_settings().max_title_chars


def _message_text(content: str) -> str:
    return _checked_text(content, "message", _message_limit())


def _title_text(title: str) -> str:
    return _checked_text(title, "title", _title_limit())


def _instructions_limit() -> int:
    return get_settings().max_instructions_chars


def _instructions_text(instructions: str) -> str:
    return _checked_text(instructions, "instructions", _instructions_limit())


@dataclass(frozen=True)
class _TextRules:
    """The validator's rules in the OpenAPI document, so that clients and fuzzers see them; the limit is the
    settings' when the document is made."""

    limit: Callable[[], int]

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minLength=1, maxLength=self.limit(), pattern=TEXT_PATTERN)
        return json_schema


MessageText = Annotated[str, AfterValidator(_message_text), _TextRules(_message_limit)]
TitleText = Annotated[str, AfterValidator(_title_text), _TextRules(_title_limit)]
InstructionsText = Annotated[str, AfterValidator(_instructions_text), _TextRules(_instructions_limit)]

MAX_SEARCH_CHARS = 500


def _search_text(q: str) -> str:
    return _checked_text(q, "search", MAX_SEARCH_CHARS)


# What GET /conversations?q= takes: words to find, in PostgreSQL's web search syntax (app/services/search.py).
SearchText = Annotated[str, AfterValidator(_search_text), _TextRules(lambda: MAX_SEARCH_CHARS)]
# One of the models GET /models lists (checked against that list where it is set).
ModelName = Annotated[str, Field(min_length=1, max_length=200)]


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in {MessageStatus.COMPLETED, MessageStatus.FAILED, MessageStatus.CANCELLED}


def _enum_column_type(enum: type[StrEnum]) -> sa.Enum:
    # Stored as VARCHAR (no PostgreSQL enum type to migrate), loaded back as the Python enum.
    return sa.Enum(enum, native_enum=False, length=16, values_callable=lambda members: [m.value for m in members])


# --- User and session ---------------------------------------------------------------------------

# Lower-case, one "@", a dot in the domain, nothing invisible; no mail is sent, so no more is asked.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"
MAX_EMAIL_CHARS = 254


def _email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_CHARS or re.fullmatch(EMAIL_PATTERN, email) is None:
        raise ValueError("email must be an address such as name@example.com")
    return email


def _password_limits() -> tuple[int, int]:
    settings = get_settings()
    return settings.min_password_chars, settings.max_password_chars


def _password(value: str) -> str:
    shortest, longest = _password_limits()
    if not shortest <= len(value) <= longest:
        raise ValueError(f"password must be {shortest} to {longest} characters long")
    if "\x00" in value:
        raise ValueError("password contains a NUL character (\\u0000)")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("password contains a lone surrogate, which is not valid Unicode") from None
    return value


@dataclass(frozen=True)
class _EmailRules:
    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(format="email", maxLength=MAX_EMAIL_CHARS)
        return json_schema


@dataclass(frozen=True)
class _PasswordRules:
    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        shortest, longest = _password_limits()
        json_schema.update(minLength=shortest, maxLength=longest, pattern=r"^[^\x00]*$")
        return json_schema


Email = Annotated[str, AfterValidator(_email), _EmailRules()]
Password = Annotated[str, AfterValidator(_password), _PasswordRules()]


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # None for a guest: an account made without a form, which can register later and keep its conversations.
    email: str | None = Field(default=None, unique=True, max_length=MAX_EMAIL_CHARS)
    # An argon2 hash (app/auth/passwords.py); None for a guest, and for the adopted owner of old data until an
    # operator sets one (DEPLOYMENT.md).
    password_hash: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def is_guest(self) -> bool:
        return self.email is None


class UserPublic(SQLModel):
    id: uuid.UUID
    email: str | None
    is_guest: bool
    created_at: datetime


class Credentials(SQLModel):
    email: Email
    password: Password


class PasswordChange(SQLModel):
    # Checked against the stored hash only, so not held to today's length rules.
    current_password: str = Field(max_length=1024)
    new_password: Password


class SessionIssued(SQLModel):
    """A new session: ``token`` is also set as the HttpOnly session cookie; scripts send it as
    ``Authorization: Bearer <token>``."""

    token: str
    expires_at: datetime
    user: UserPublic


class AuthSession(SQLModel, table=True):
    """A signed-in session. Only the SHA-256 of its token is kept, so a copy of the table signs no one in."""

    __tablename__ = "auth_session"

    token_hash: bytes = Field(sa_type=sa.LargeBinary, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


# --- Conversation -------------------------------------------------------------------------------


class ConversationBase(SQLModel):
    # None until the user names it (a later title generator fills it in).
    title: str | None = None
    # The model that answers here, one of GET /models; None: the default model.
    model: str | None = None
    # The conversation's own system prompt; None: the server's default instructions.
    instructions: str | None = None


class ConversationCreate(SQLModel):
    title: TitleText | None = None
    model: ModelName | None = None
    instructions: InstructionsText | None = None
    # The first message, sent at once: the conversation is created only if the message is accepted, so a refused
    # first message leaves no empty conversation behind.
    message: MessageText | None = None


class ConversationUpdate(SQLModel):
    """Only the fields given change. ``model`` or ``instructions`` set to null go back to the defaults."""

    model_config = {
        "json_schema_extra": {
            "minProperties": 1,
            "examples": [{"title": "Trip to Lisbon"}, {"instructions": "Be brief."}],
        }
    }

    # Not nullable: a title can be replaced, not removed.
    title: TitleText | SkipJsonSchema[None] = None
    model: ModelName | None = None
    instructions: InstructionsText | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "ConversationUpdate":
        if not self.model_fields_set:
            raise ValueError("nothing to change: give a title, a model or instructions")
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("a title cannot be removed, only replaced")
        return self


class Conversation(ConversationBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", ondelete="CASCADE")
    title: str | None = Field(default=None, sa_type=sa.Text)
    model: str | None = Field(default=None, max_length=200)
    instructions: str | None = Field(default=None, sa_type=sa.Text)
    # The last message of the branch the conversation shows (messages form a tree: see Message.parent_id); None
    # before the first message. No foreign key: messages are deleted only with their conversation, and every write
    # that sets it names a message of this conversation in the same statement.
    current_message_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    messages: list["Message"] = Relationship(
        back_populates="conversation",
        sa_relationship_kwargs={"order_by": "Message.seq", "cascade": "all, delete-orphan", "passive_deletes": True},
    )

    # A user's conversations, most recently active first: the sidebar's query.
    __table_args__ = (sa.Index("ix_conversation_user_recent", "user_id", sa.desc("updated_at"), "id"),)


# --- Search vectors ---------------------------------------------------------------------------

# The text search configuration of every vector and query (app/services/search.py).
SEARCH_CONFIG = "english"
# Characters of a text that are indexed: past about a megabyte of text a tsvector can overflow its limit, and the
# generated column would then fail the message's own write. Far above any answer the settings allow.
SEARCHED_CHARS = 100_000


def searched_text(text: str) -> str:
    """The SQL of the text that the SQL expression ``text`` is searched by: its first SEARCHED_CHARS characters, each
    "<" followed by a space. PostgreSQL's parser would read ``<div>`` as an HTML tag, neither searched nor shown in
    snippets (common in questions about code); this way it is the word "div". Snippets take the space out again."""
    return f"replace(left({text}, {SEARCHED_CHARS}), '<', '< ')"


def _add_search_vector(table: sa.Table, expression: str) -> None:
    """A STORED generated tsvector for full-text search, with its GIN index. Appended to the table, not mapped: the
    ORM never loads it (a vector is about as large as its text) nor writes it (PostgreSQL computes it)."""
    table.append_column(sa.Column("search_vector", TSVECTOR, sa.Computed(expression, persisted=True)))
    sa.Index(f"ix_{table.name}_search_vector", table.c.search_vector, postgresql_using="gin")


# Weight A, above the messages' D: ts_rank counts a title's word ten times a message's.
_add_search_vector(
    Conversation.__table__,  # type: ignore[attr-defined]
    "setweight(to_tsvector('{}', {}), 'A')".format(SEARCH_CONFIG, searched_text("coalesce(title, '')")),
)


class ConversationPublic(ConversationBase):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class SnippetPart(SQLModel):
    text: str
    # True for the words the search matched (shown highlighted).
    match: bool


class ConversationListed(ConversationPublic):
    # With a search (``q``): where the conversation matched, in its title or one of its messages.
    snippet: list[SnippetPart] | None = None


class ConversationsPublic(SQLModel):
    data: list[ConversationListed]
    # How many conversations there are (with ``q``: how many match).
    count: int
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None = None


# --- Message ------------------------------------------------------------------------------------


ONE_ANSWER_IN_PROGRESS = "ix_message_one_answer_in_progress"


class MessageBase(SQLModel):
    role: MessageRole
    content: str = ""
    reasoning: str = ""
    status: MessageStatus
    task_id: str | None = None
    error: str | None = None
    model: str | None = None
    simulated: bool | None = None
    # What the answer cost in model tokens, once it ended (None before, and for the user's turns): the model's own
    # usage report, or, when it gave none (stopped, failed, interrupted by a fault), an estimate made with the
    # history budget's tokenizer, and then usage_estimated is true (app/services/usage.py).
    input_tokens: int | None = None
    output_tokens: int | None = None
    usage_estimated: bool | None = None


class MessageCreate(SQLModel):
    content: MessageText
    # The answer the new message follows, in this conversation; null for a first turn (editing the first message
    # makes a new root). Left out: the message follows the end of the conversation's current branch.
    parent_id: uuid.UUID | None = None


class Message(MessageBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Insertion order within a conversation; timestamps can tie, a sequence cannot.
    seq: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), nullable=False, unique=True)
    )
    conversation_id: uuid.UUID = Field(foreign_key="conversation.id", ondelete="CASCADE", index=True)
    # The message this one follows: an answer's question, a question's previous answer, None for a first turn.
    # Messages with the same parent are versions of one turn (an edited question, a regenerated answer).
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="message.id", ondelete="CASCADE", index=True)
    role: MessageRole = Field(sa_type=_enum_column_type(MessageRole))
    content: str = Field(default="", sa_type=sa.Text)
    reasoning: str = Field(default="", sa_type=sa.Text)
    status: MessageStatus = Field(sa_type=_enum_column_type(MessageStatus))
    task_id: str | None = Field(default=None, unique=True, index=True, max_length=64)
    error: str | None = Field(default=None, sa_type=sa.Text)
    model: str | None = Field(default=None, max_length=200)
    simulated: bool | None = None
    # Id of the last stream event that content, reasoning and status reflect; for a finished answer, the
    # terminal event's id. Lets the API serve the answer from here, with the right ids, once Redis forgot it.
    stream_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Epoch of the lease (app/lease) under which the answer was last written: the worker holding a newer one
    # replaces it, and writes from an older one change nothing, so a worker that lost the answer cannot either.
    lease_epoch: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def terminal_seq(self) -> int:
        return terminal_seq(self.stream_seq)

    conversation: Conversation | None = Relationship(back_populates="messages")

    __table_args__ = (
        # One answer at a time per conversation, enforced where concurrent sends meet: the database.
        sa.Index(
            ONE_ANSWER_IN_PROGRESS,
            "conversation_id",
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'streaming')"),
        ),
    )


# Questions are stored completed; an answer is searchable once it has ended (with whatever text it has, failed or
# stopped ones too). While it streams, its vector stays NULL: each checkpoint rewrites its content, and re-parsing
# it and updating the GIN index every few seconds for every answer in progress is write load for nothing (with the
# vector unchanged, a checkpoint stays a HOT update).
_ENDED = ", ".join(f"'{status.value}'" for status in MessageStatus if status.is_terminal)
_add_search_vector(
    Message.__table__,  # type: ignore[attr-defined]
    f"CASE WHEN status IN ({_ENDED}) THEN to_tsvector('{SEARCH_CONFIG}', {searched_text('content')}) END",
)


class MessagePublic(MessageBase):
    id: uuid.UUID
    conversation_id: uuid.UUID
    parent_id: uuid.UUID | None
    # The versions of this turn (messages with the same parent), oldest first, this one among them.
    sibling_ids: list[uuid.UUID]
    # Content and reasoning are the answer as of this event: resume the stream after it to continue.
    stream_seq: int
    created_at: datetime
    updated_at: datetime


class ConversationWithMessages(ConversationPublic):
    # The current branch, first turn first.
    messages: list[MessagePublic]


class BranchSelection(SQLModel):
    # A message of the conversation: the branch shown becomes the one through it, down to its newest message.
    message_id: uuid.UUID


class ConversationExport(ConversationPublic):
    # "branch": the current branch, first turn first; "tree": every message, in the order they were written.
    scope: Literal["branch", "tree"]
    exported_at: datetime
    messages: list[MessagePublic]


# --- Usage --------------------------------------------------------------------------------------


class UsageDay(SQLModel, table=True):
    """Model tokens a user's answers cost on one UTC day (app/services/usage.py): the user's, not a conversation's,
    so deleting a conversation keeps them."""

    __tablename__ = "usage_day"

    user_id: uuid.UUID = Field(foreign_key="app_user.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    input_tokens: int = Field(default=0, sa_type=sa.BigInteger)
    output_tokens: int = Field(default=0, sa_type=sa.BigInteger)
    answers: int = 0


class UsageDayPublic(SQLModel):
    day: date
    input_tokens: int
    output_tokens: int
    # Answers that ended that day, whatever their status.
    answers: int


class UsagePublic(SQLModel):
    # Input plus output tokens the caller may spend per UTC day; null when there is no quota.
    daily_token_quota: int | None
    days: list[UsageDayPublic]


class StopAccepted(SQLModel):
    """Answer to a stop request: ``cancelled`` (or another final status) when it is over, ``streaming`` while
    the worker is stopping it; the stream's terminal event follows either way."""

    task_id: str
    status: MessageStatus


class SendMessageAccepted(SQLModel):
    """Answer to a sent message (or a regenerated answer): the spec's shape plus the assistant message that will
    hold the answer; ``message_id`` is the question it answers."""

    task_id: str
    message_id: uuid.UUID
    assistant_message_id: uuid.UUID
    status: Literal["processing"] = "processing"


class ConversationCreated(ConversationPublic):
    # The first message's acceptance, when the conversation was created with one.
    first_message: SendMessageAccepted | None = None


def terminal_seq(stream_seq: int) -> int:
    """Id of the terminal event of a finished answer whose last stored event is ``stream_seq`` (an answer that never
    streamed still ends with one)."""
    return max(stream_seq, 1)
