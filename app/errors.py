"""Domain errors: each carries the HTTP status it means, so both faces (pages and JSON API) map it once, in main.py."""

from http import HTTPStatus


class DomainError(Exception):
    """A rule of the domain said no. `message` is written for the user who made the request."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the status (e.g. Retry-After)."""
        return {}


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND


class NotAllowed(DomainError):
    status = HTTPStatus.FORBIDDEN


class Conflict(DomainError):
    status = HTTPStatus.CONFLICT


class Invalid(DomainError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class TooMany(DomainError):
    """Rate or quota reached; `retry_after_s` tells the client when to try again."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
