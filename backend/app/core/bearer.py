"""Checking an ``Authorization: Bearer <token>`` header against a configured token (OPERATOR_TOKEN, METRICS_TOKEN)."""

import secrets

from pydantic import SecretStr


def bearer_matches(authorization: str | None, expected: SecretStr) -> bool:
    """Whether the header carries exactly ``expected``, compared in constant time so that timing tells nothing."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(token.strip().encode(), expected.get_secret_value().encode())
