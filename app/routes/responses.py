"""The error answers the JSON API documents, so /openapi.json is honest. Each is `{"detail": ...}`:
a sentence for the app's own refusals, FastAPI's list of problems for a body that fails validation."""

from typing import Any

from app.routes.schemas import ErrorDetail

_MEANING = {
    400: "The body could not be read: a broken form, or JSON nested too deep",
    401: "Not signed in",
    403: "This role may not do this, or the CSRF token is missing or stale",
    404: "No such record, or none this user may see",
    409: "The record's state does not allow this (an ended session, the peer still answering)",
    413: "The request body is larger than PEER_MAX_BODY_BYTES",
    422: "The request is not valid; the detail says why",
    429: "Too many messages, new sessions or failed sign-ins for now; Retry-After says when to try again",
}

ANY_REQUEST = (413, 422)
"""Any request can be too large, and a JSON body can hold text that is not Unicode."""
SIGNED_IN = (401, *ANY_REQUEST)
CHANGES = (400, 403)
"""A state-changing request: refused without its CSRF token (403), or when its body cannot be read (400)."""


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorDetail, "description": _MEANING[code]} for code in sorted(set(codes))}
