import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AutocommitSessionDep, CallerDep, CatalogDep, EnqueueDep, SenderDep, SessionDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, Responses, error_response
from app.api.rate_limits import NewConversation
from app.llm.catalog import ModelCatalog
from app.models import (
    BranchSelection,
    ConversationCreated,
    ConversationExport,
    ConversationPublic,
    ConversationsPublic,
    ConversationUpdate,
    ConversationWithMessages,
    SearchText,
)
from app.services import conversations, message_tree, search
from app.services.cursors import CURSOR_PATTERN, MAX_CURSOR_CHARS
from app.services.errors import NotFoundError
from app.services.export import attachment_name, to_markdown
from app.services.message_tree import ExportScope

router = APIRouter(prefix="/conversations", tags=["conversations"], responses={**UNAUTHENTICATED, **UNAVAILABLE})

NOT_FOUND: Responses = {404: error_response("No such conversation")}
NO_SUCH_MODEL: Responses = {404: error_response("No such conversation, or no such model offered (GET /models)")}


async def _check_model(catalog: ModelCatalog, model: str | None) -> None:
    """A conversation may pick only a model GET /models offers: another is a model this server does not have, a
    404 (the list changes with the model service's, so the schema cannot enumerate it)."""
    if model is not None and model not in (offered := await catalog.offered()):
        raise NotFoundError(f"no such model {model!r} here; GET /models lists the ones offered: {', '.join(offered)}")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationCreated,
    responses={**RATE_LIMITED, **BODY_ERRORS, 404: error_response("No such model offered (GET /models)")},
)
async def create_conversation(
    session: AutocommitSessionDep, owner: SenderDep, enqueue: EnqueueDep, catalog: CatalogDep, body: NewConversation
) -> ConversationCreated:
    """Create a conversation. With a ``message``, it is sent at once, as ``POST /conversations/{id}/messages``
    would (stream the answer from ``first_message.task_id``), and counts against the same limits; when the message
    is refused (429) nothing is created."""
    await _check_model(catalog, body.model)
    conversation, first_message = await conversations.create(session, owner, body, enqueue)
    return ConversationCreated.model_validate(conversation, update={"first_message": first_message})


@router.get("", response_model=ConversationsPublic)
async def list_conversations(
    session: AutocommitSessionDep,
    caller: CallerDep,
    q: Annotated[
        SearchText | None,
        Query(description='Words to find in titles and messages (web search syntax: "a phrase", or, -word)'),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_CHARS,
            pattern=CURSOR_PATTERN,
            description="The previous page's next_cursor, with the same q; left out for the first page",
        ),
    ] = None,
) -> ConversationsPublic:
    """The caller's conversations, most recently active first; with ``q``, those that match, best match first,
    each with a snippet of where it matched."""
    if q is None:
        return await conversations.list_recent(session, caller.user_id, limit, cursor)
    return await search.search(session, caller.user_id, q, limit, cursor)


@router.get("/{conversation_id}", response_model=ConversationWithMessages, responses=NOT_FOUND)
async def get_conversation(
    session: AutocommitSessionDep, caller: CallerDep, conversation_id: uuid.UUID
) -> ConversationWithMessages:
    """The conversation with its current branch; each message lists its versions (``sibling_ids``), which
    ``POST /conversations/{id}/branch`` switches to."""
    return await message_tree.conversation_view(session, caller.user_id, conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationPublic, responses={**NO_SUCH_MODEL, **BODY_ERRORS})
async def update_conversation(
    session: SessionDep, caller: CallerDep, catalog: CatalogDep, conversation_id: uuid.UUID, body: ConversationUpdate
) -> ConversationPublic:
    """Rename it, pick its model (one of ``GET /models``), or set its instructions; null model or instructions go
    back to the defaults. Fields left out are kept."""
    await _check_model(catalog, body.model)
    conversation = await conversations.update(session, caller.user_id, conversation_id, body)
    return ConversationPublic.model_validate(conversation)


@router.post(
    "/{conversation_id}/branch",
    response_model=ConversationWithMessages,
    responses={404: error_response("No such conversation, or no such message in it"), **BODY_ERRORS},
)
async def select_branch(
    session: SessionDep, caller: CallerDep, conversation_id: uuid.UUID, body: BranchSelection
) -> ConversationWithMessages:
    """Show the branch through ``message_id`` (a version listed in some message's ``sibling_ids``), down to the
    newest message below it: for every device, since it is the conversation's. Returns the conversation as
    ``GET /conversations/{id}`` would."""
    return await message_tree.select_branch(session, caller.user_id, conversation_id, body.message_id)


def _download(exported: ConversationExport, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{attachment_name(exported, extension)}"'}


@router.get(
    "/{conversation_id}/export/markdown",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
async def export_markdown(session: AutocommitSessionDep, caller: CallerDep, conversation_id: uuid.UUID) -> Response:
    """The current branch as a Markdown file to download (the whole tree is JSON's: ``/export/json?scope=tree``)."""
    exported = await message_tree.export(session, caller.user_id, conversation_id, "branch")
    return Response(to_markdown(exported), media_type="text/markdown; charset=utf-8", headers=_download(exported, "md"))


@router.get("/{conversation_id}/export/json", response_model=ConversationExport, responses=NOT_FOUND)
async def export_json(
    session: AutocommitSessionDep,
    caller: CallerDep,
    conversation_id: uuid.UUID,
    scope: Annotated[ExportScope, Query(description="branch: the one shown; tree: every message")] = "branch",
) -> Response:
    """The conversation as a JSON file to download: its current branch, or the whole tree (each message with its
    ``parent_id``)."""
    exported = await message_tree.export(session, caller.user_id, conversation_id, scope)
    return Response(exported.model_dump_json(), media_type="application/json", headers=_download(exported, "json"))


@router.delete("/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_conversation(session: SessionDep, caller: CallerDep, conversation_id: uuid.UUID) -> None:
    await conversations.delete(session, caller.user_id, conversation_id)
