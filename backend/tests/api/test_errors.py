"""The API's error answers as a client sees them (app/api/errors.py); the routes' own 4xx are in tests/api/routes."""

import uuid

import httpx


async def test_a_method_a_path_lacks_is_a_405_that_names_every_method_it_has(api: httpx.AsyncClient) -> None:
    # Each of these paths is served by several routes, one per method.
    for method, path, allowed in [
        ("PUT", "/conversations", "GET, HEAD, POST"),
        ("OPTIONS", f"/conversations/{uuid.uuid4()}", "DELETE, GET, HEAD, PATCH"),
        ("GET", f"/conversations/{uuid.uuid4()}/messages", "POST"),
        ("DELETE", "/stream/some-task", "GET, HEAD"),
    ]:
        response = await api.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed, (method, path)
        assert response.json() == {"detail": "Method Not Allowed"}


async def test_a_422_keeps_fastapis_shape_with_each_message_a_sentence(api: httpx.AsyncClient) -> None:
    conversation = await api.post("/conversations")
    conversation_id = conversation.json()["id"]
    cases = [
        # Our own validators' messages, without pydantic's "Value error, " before them.
        (api.post("/conversations", json={"title": " \t "}), ["body", "title"], "Title is empty or only whitespace."),
        (
            api.patch(f"/conversations/{conversation_id}", json={"title": None}),
            ["body"],
            "A title cannot be removed, only replaced.",
        ),
        # pydantic's own, with a full stop.
        (api.post(f"/conversations/{conversation_id}/messages", json={}), ["body", "content"], "Field required."),
    ]
    for request, loc, sentence in cases:
        response = await request
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert {"type", "loc", "msg", "input"} <= set(error), error
        assert (error["loc"], error["msg"]) == (loc, sentence)
