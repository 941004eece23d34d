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
