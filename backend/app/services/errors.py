"""Domain errors, mapped to HTTP statuses in one place (app.api.errors)."""


class NotFoundError(Exception):
    """The named resource does not exist."""


class ConflictError(Exception):
    """The request clashes with the resource's current state."""


class UnavailableError(Exception):
    """A backing service (broker, Redis, database) could not take the request; retrying later may work."""
