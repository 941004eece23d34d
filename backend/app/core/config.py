"""The one settings object: every tunable of API, worker and tooling, read from the environment."""

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal, Self
from urllib.parse import unquote, urlsplit

import limits
from pydantic import AfterValidator, AnyUrl, BeforeValidator, Field, SecretStr, computed_field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.redis_keys import DEFAULT_STREAM_TTL_SECONDS


class ApiStyle(StrEnum):
    """Which OpenAI HTTP API the worker streams from."""

    RESPONSES = "responses"
    CHAT_COMPLETIONS = "chat_completions"


class LogFormat(StrEnum):
    """How log lines are written (app/core/logs.py): ``json`` for log collectors, ``console`` for people."""

    JSON = "json"
    CONSOLE = "console"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _rate_limit(value: str) -> str:
    """One limit in the `limits` library's notation, refused here (so at startup) when it is not one."""
    example = "write it like '40/minute' or '7 per 5 minutes'"
    try:
        parsed = limits.parse_many(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit; {example}") from None
    if len(parsed) != 1:
        raise ValueError(f"{value!r} holds {len(parsed)} rate limits; give one, {example}")
    if parsed[0].amount < 1:
        raise ValueError(f"{value!r} allows nothing at all; the amount must be at least 1")
    return value


# A setting read with limits.parse by app/api/rate_limits.py.
RateLimitText = Annotated[str, AfterValidator(_rate_limit)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    # Spec variables. DATABASE_URL may be given in the plain libpq form; the async driver is chosen here.
    database_url: str = "postgresql://postgres:postgres@localhost:5432/chatdb"
    redis_url: str = "redis://localhost:6379/0"
    openai_api_key: SecretStr | None = None

    # The model. With no key the worker talks to the bundled simulator instead, and says so.
    openai_base_url: AnyUrl | None = None
    openai_model: str = "gpt-5-mini"
    # The models a conversation may pick, comma-separated (OPENAI_MODEL among them, listed first); empty: what the
    # model service's GET /v1/models lists (app/llm/catalog.py).
    openai_models: Annotated[list[str], NoDecode, BeforeValidator(_split_csv)] = []
    openai_api_style: ApiStyle = ApiStyle.RESPONSES
    # Reasoning summaries are requested with this effort (Responses API only); "off" sends no reasoning
    # parameter at all, for models and servers that do not support it.
    openai_reasoning_effort: Literal["off", "none", "minimal", "low", "medium", "high"] = "low"
    # Responses API background mode (background=true, store=true): the answer is generated upstream whatever
    # becomes of the connection, so a worker taking over an answer reattaches to it and reads on where the
    # last one stopped, instead of restarting it. Off by default because store=true means OpenAI keeps the
    # response, input and output, on its side (about 30 days for stored responses under default data
    # controls; a background response's stream data about 10 minutes). No effect with chat_completions.
    openai_background: bool = False
    simulator_url: AnyUrl = AnyUrl("http://127.0.0.1:8090/v1")

    # What the model is told first, and how many tokens of conversation it is shown at most (system
    # prompt included; the newest turns are kept, see app/services/history.py).
    system_prompt: str = "You are a helpful assistant. Answer in Markdown when it helps."
    history_token_budget: int = Field(default=8000, gt=0)

    # Upstream faults: retries (429, 5xx, timeouts, refused connections, with exponential backoff that
    # honours Retry-After) happen before the first token only; once streaming, silence for
    # UPSTREAM_STALL_SECONDS or a whole answer longer than MAX_ANSWER_SECONDS ends the answer as failed.
    openai_max_retries: int = Field(default=3, ge=0)
    upstream_connect_seconds: float = Field(default=10.0, gt=0)
    upstream_stall_seconds: float = Field(default=60.0, gt=0)
    max_answer_seconds: float = Field(default=900.0, gt=0)

    # Celery rides on the same Redis unless told otherwise.
    celery_broker_url: str | None = None
    # Workers publish Celery's task events (received, started, succeeded: a few per answer, none per token), which
    # Flower's task views need (`make flower`). Off by default: nothing else reads them.
    celery_task_events: bool = False

    # Streaming.
    stream_ttl_seconds: int = Field(default=DEFAULT_STREAM_TTL_SECONDS, gt=0)
    # Comment lines sent on idle streams so proxies and browsers keep them open.
    sse_ping_seconds: float = Field(default=15.0, gt=0)
    # An answer in progress is saved to PostgreSQL this often, bounding what losing Redis can cost.
    checkpoint_seconds: float = Field(default=3.0, gt=0)

    # Faults (app/lease). A worker renews its answers' leases every LEASE_SECONDS / 5; an answer whose worker died
    # or froze is taken over by another worker about LEASE_SECONDS (plus up to a second) after its last renewal.
    lease_seconds: float = Field(default=10.0, gt=0)
    # Takeovers one answer may have; the next time it would change hands it ends failed, its partial text kept.
    max_takeovers: int = Field(default=3, ge=0)
    # How long a worker keeps an answer in memory and retries its appends while Redis is unreachable.
    redis_outage_seconds: float = Field(default=30.0, ge=0)
    # How long a worker retries an answer's start and final save while PostgreSQL is unreachable.
    db_outage_seconds: float = Field(default=120.0, ge=0)
    # On SIGTERM a worker finishes the answers that end within this, then hands the rest to other workers and
    # exits; the orchestrator's grace period (e.g. terminationGracePeriodSeconds) must be longer (DEPLOYMENT.md).
    worker_shutdown_grace_seconds: float = Field(default=25.0, ge=0)
    # How often one worker process sweeps PostgreSQL for answers in progress that nothing covers (a send whose task
    # could not be queued, a task lost with its worker), and how long such an answer must have been still first.
    sweep_seconds: float = Field(default=10.0, gt=0)
    sweep_stale_seconds: float = Field(default=30.0, gt=0)

    # Logs (app/core/logs.py): one JSON object per line on stderr, or readable lines (the dev stack sets console).
    log_format: LogFormat = LogFormat.JSON
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # Deployment. In production the settings refuse defaults that are only fit for a laptop (see _refuse_defaults).
    environment: Literal["development", "production"] = "development"

    # Accounts (app/auth). A session lasts SESSION_SECONDS from sign-in, then signing in again is needed.
    session_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    # How long an API process may reuse a session it looked up (app/auth/sessions.py CallerCache; 0: never). An
    # ended session is forgotten through Redis within milliseconds; this bounds only an announcement not heard.
    caller_cache_seconds: float = Field(default=10.0, ge=0)
    session_cookie_name: str = Field(default="chat_session", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # Secure cookies are sent over HTTPS only; unset means "in production only".
    cookie_secure: bool | None = None
    min_password_chars: int = Field(default=8, gt=0)
    max_password_chars: int = Field(default=1024, gt=0)

    # Abuse limits (app/api/rate_limits.py), in the `limits` library's notation ("40/minute", "5 per 15 minutes").
    # Defaults in the range LibreChat ships with. Guests get the tighter GUEST_ ones.
    rate_limit_sends_per_user: RateLimitText = "40/minute"
    rate_limit_sends_per_guest: RateLimitText = "10/minute"
    rate_limit_sends_per_ip: RateLimitText = "40/minute"
    rate_limit_logins_per_account: RateLimitText = "7 per 5 minutes"
    rate_limit_logins_per_ip: RateLimitText = "30 per 5 minutes"
    rate_limit_registrations_per_ip: RateLimitText = "5/hour"
    rate_limit_guests_per_ip: RateLimitText = "30/hour"
    # Answers being generated at once per user, across all of their conversations.
    max_answers_at_once_per_user: int = Field(default=3, gt=0)
    max_answers_at_once_per_guest: int = Field(default=1, gt=0)
    # Model tokens (input plus output) a user may spend per UTC day; unset is no quota.
    daily_token_quota: int | None = Field(default=None, gt=0)
    guest_daily_token_quota: int | None = Field(default=200_000, gt=0)

    # Hardening. OPERATOR_TOKEN (Bearer) unlocks operator detail, such as /readyz's checks; without it /readyz
    # says only up or down.
    operator_token: SecretStr | None = None
    # /docs, /redoc and /openapi.json.
    api_docs: bool = True

    # Prometheus metrics (app/core/metrics.py): the API serves GET /metrics, and each Celery worker process serves
    # its own on WORKER_METRICS_PORT (unset or 0: none), since every process counts for itself. Two worker processes
    # on one host need two ports. With METRICS_TOKEN set, both want `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Where the worker's endpoint listens: every interface, for a Prometheus on another host.
    worker_metrics_host: str = "0.0.0.0"

    # API.
    cors_origins: Annotated[list[str], NoDecode, BeforeValidator(_split_csv)] = [
        "http://localhost:3000",
        "http://127.0.0.1:3000",
    ]
    max_message_chars: int = Field(default=32_000, gt=0)
    max_title_chars: int = Field(default=200, gt=0)
    max_instructions_chars: int = Field(default=8_000, gt=0)
    # Room for any message within MAX_MESSAGE_CHARS however it is written: JSON that escapes every character,
    # as Python's json does, spends 12 bytes on an emoji ("\ud83d\ude00"), 384,000 bytes on 32,000 of them.
    max_request_bytes: int = Field(default=512 * 1024, gt=0)
    # Database connections per process, opened when first needed and then kept.
    db_pool_size: int = Field(default=40, gt=0)
    # Redis connections per process for commands (the API's pub/sub connection comes on top).
    redis_pool_size: int = Field(default=16, gt=0)

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.environment == "production"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def simulated(self) -> bool:
        """True when answers come from the bundled simulator, not a real model."""
        return self.openai_api_key is None

    @property
    def async_database_url(self) -> str:
        scheme, _, rest = self.database_url.partition("://")
        if "+" in scheme:
            return self.database_url
        return f"postgresql+asyncpg://{rest}"

    @property
    def broker_url(self) -> str:
        return self.celery_broker_url or self.redis_url

    @model_validator(mode="after")
    def _refuse_defaults(self) -> Self:
        """In production, refuse at startup the defaults that are only fit for a laptop."""
        if self.environment == "production":
            problems = _production_problems(self)
            if problems:
                raise ValueError("ENVIRONMENT=production refuses these settings: " + "; ".join(problems))
        return self


# An operator or metrics token is a password that gives out internal detail: at least this long (openssl rand -hex 32).
MIN_OPERATOR_TOKEN_CHARS = 32
_DEFAULT_CORS_ORIGINS = frozenset(Settings.model_fields["cors_origins"].default)


def _production_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    url = urlsplit(settings.database_url)
    user = unquote(url.username) if url.username is not None else None
    password = unquote(url.password) if url.password is not None else None
    if user == "postgres" and password in (None, "", "postgres"):
        problems.append(
            "DATABASE_URL uses the default credentials (user postgres with password postgres or none): "
            "give the application a role of its own with a strong password"
        )
    for variable, token in (("OPERATOR_TOKEN", settings.operator_token), ("METRICS_TOKEN", settings.metrics_token)):
        if token is not None and len(token.get_secret_value()) < MIN_OPERATOR_TOKEN_CHARS:
            problems.append(
                f"{variable} is shorter than {MIN_OPERATOR_TOKEN_CHARS} characters: use a random one "
                "(openssl rand -hex 32), or leave it unset"
            )
    if settings.cookie_secure is False:
        problems.append("COOKIE_SECURE=false would send the session cookie over plain HTTP: leave it unset or true")
    if settings.cors_origins and set(settings.cors_origins) <= _DEFAULT_CORS_ORIGINS:
        problems.append("CORS_ORIGINS is still the localhost default: set it to the web app's origin(s)")
    return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
