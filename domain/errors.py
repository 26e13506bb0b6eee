"""Domain errors: raised by services, mapped once to HTTP codes (api/) and once to chat replies (bot/)."""


class DomainError(Exception):
    """Base of every error a user may see; its message is safe to show."""


class ValidationError(DomainError):
    """The input cannot be accepted as given."""


class NotFound(DomainError):
    """No such thing for this user (another user's things are 'not found' too)."""


class Conflict(DomainError):
    """The request clashes with the current state (e.g. a session is already running)."""


class Forbidden(DomainError):
    """The caller may not act for that user."""


class Unavailable(DomainError):
    """The store is failing for now; the caller may retry later."""


class Busy(DomainError):
    """Too much is going on to take this now (a full speech queue, a spent rate limit);
    the caller may try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class StaleEntity(Exception):
    """Someone else changed the entity since it was loaded; reload and try again.

    Not a DomainError: services retry it and users never see it.
    """


class DuplicateDelivery(Exception):
    """The message was handled already: a platform delivered it again. Raised before the
    turn changes anything; the caller drops the turn without a reply.

    Not a DomainError: it is never shown, and nothing may turn it into an error reply.
    """
