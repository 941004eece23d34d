"""ENVIRONMENT=production refuses, at startup, the settings that are only fit for a laptop."""

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from app.core.config import Settings

# A production configuration that passes: every test below spoils one thing in it.
GOOD: dict[str, Any] = {
    "environment": "production",
    "database_url": "postgresql://chat:s3cret-and-long@db.internal:5432/chatdb",
    "cors_origins": "https://chat.example.com",
    "operator_token": "x" * 32,
}


def settings(**overrides: Any) -> Settings:
    # No .env, and the values given here win over the environment's.
    return Settings(_env_file=None, **{**GOOD, **overrides})


def refusal(**overrides: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**overrides)
    return str(caught.value)


def test_a_proper_production_configuration_passes() -> None:
    production = settings()
    assert production.environment == "production"
    assert production.secure_cookies
    assert settings(operator_token=None).operator_token is None
    assert settings(cookie_secure=True).secure_cookies


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql://postgres:postgres@localhost:5432/chatdb",
        "postgresql://postgres:postgres@db.internal/chatdb",
        "postgresql+asyncpg://postgres:postgres@db.internal/chatdb",
        "postgresql://postgres@db.internal/chatdb",
        "postgresql://postgres:@db.internal/chatdb",
        "postgresql://%70ostgres:%70ostgres@db.internal/chatdb",
    ],
)
def test_the_default_database_credentials_are_refused(database_url: str) -> None:
    assert "DATABASE_URL uses the default credentials" in refusal(database_url=database_url)


def test_the_default_database_url_is_refused() -> None:
    production = {key: value for key, value in GOOD.items() if key != "database_url"}
    with pytest.raises(ValidationError, match="DATABASE_URL uses the default credentials"):
        Settings(_env_file=None, **production)


def test_postgres_with_a_real_password_passes() -> None:
    assert settings(database_url="postgresql://postgres:Xk3-long-random@db.internal/chatdb").environment == "production"


def test_a_short_operator_token_is_refused() -> None:
    assert "OPERATOR_TOKEN is shorter than 32 characters" in refusal(operator_token="x" * 31)


def test_a_short_metrics_token_is_refused() -> None:
    assert "METRICS_TOKEN is shorter than 32 characters" in refusal(metrics_token="x" * 31)
    assert settings(metrics_token="x" * 32).metrics_token is not None


def test_insecure_cookies_are_refused() -> None:
    assert "COOKIE_SECURE=false" in refusal(cookie_secure=False)


@pytest.mark.parametrize(
    "cors_origins", ["http://localhost:3000,http://127.0.0.1:3000", "http://localhost:3000", "http://127.0.0.1:3000"]
)
def test_the_localhost_cors_origins_are_refused(cors_origins: str) -> None:
    assert "CORS_ORIGINS is still the localhost default" in refusal(cors_origins=cors_origins)


def test_the_default_cors_origins_are_refused() -> None:
    production = {key: value for key, value in GOOD.items() if key != "cors_origins"}
    with pytest.raises(ValidationError, match="CORS_ORIGINS is still the localhost default"):
        Settings(_env_file=None, **production)


def test_every_problem_is_named_at_once() -> None:
    message = refusal(
        database_url="postgresql://postgres:postgres@localhost/chatdb",
        operator_token="short",
        cookie_secure=False,
        cors_origins=["http://localhost:3000"],
    )
    for problem in ("DATABASE_URL", "OPERATOR_TOKEN", "COOKIE_SECURE", "CORS_ORIGINS"):
        assert problem in message


def test_the_environment_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("COOKIE_SECURE", "false")
    with pytest.raises(ValidationError, match="COOKIE_SECURE=false"):
        Settings(_env_file=None)


def test_development_keeps_the_laptop_defaults() -> None:
    development = Settings(
        _env_file=None,
        environment="development",
        database_url="postgresql://postgres:postgres@localhost:5432/chatdb",
        cors_origins=["http://localhost:3000"],
        operator_token=SecretStr("short"),
        cookie_secure=False,
    )
    assert not development.secure_cookies
