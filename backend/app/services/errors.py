"""Domain errors, mapped to HTTP statuses in one place (app.api.errors)."""


class NotFoundError(Exception):
    """The named resource does not exist."""


class ConflictError(Exception):
    """The request clashes with the resource's current state."""


class UnavailableError(Exception):
    """A backing service (broker, Redis, database) could not take the request; retrying later may work."""


class UnauthenticatedError(Exception):
    """No valid credentials came with the request: none, an unknown or expired session, or a wrong password."""


class ForbiddenError(Exception):
    """The caller is known but may not do this (a foreign page's request, a guest changing a password)."""


class RateLimitedError(Exception):
    """An abuse limit or quota is spent; ``retry_after`` seconds from now it is not."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidCursorError(ValueError):
    """A page cursor that this API did not make for this list (malformed, altered, or another list's)."""


# The same words whether the resource does not exist or is another user's, and no id in them: a 404 tells nothing.
NO_SUCH_CONVERSATION = "no such conversation"
NO_SUCH_TASK = "no such task"
NO_SUCH_MESSAGE = "no such message in this conversation"
NO_SUCH_ANSWER = "no such answer"
NO_SUCH_PARENT = "parent_id names no answer of this conversation: a message follows an answer, or null for a first turn"
