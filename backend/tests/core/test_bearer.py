"""The Bearer check shared by OPERATOR_TOKEN and METRICS_TOKEN."""

import pytest
from pydantic import SecretStr

from app.core.bearer import bearer_matches

TOKEN = SecretStr("s3cret-token")


@pytest.mark.parametrize("header", ["Bearer s3cret-token", "bearer s3cret-token", "Bearer  s3cret-token "])
def test_the_token_matches(header: str) -> None:
    assert bearer_matches(header, TOKEN)


@pytest.mark.parametrize(
    "header", [None, "", "s3cret-token", "Basic s3cret-token", "Bearer s3cret-toke", "Bearer s3cret-token2", "Bearer"]
)
def test_anything_else_does_not(header: str | None) -> None:
    assert not bearer_matches(header, TOKEN)
