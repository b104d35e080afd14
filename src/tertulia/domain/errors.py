"""Errors the rules raise: each carries a stable dotted code that clients can rely on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason why one field of an input is not acceptable."""

    field: str
    code: str
    message: str


class DomainError(Exception):
    """A refusal the user can understand; `code` is stable, `detail` is for humans."""

    default_code = "error"

    def __init__(self, detail: str, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    default_code = "not_found"


class Forbidden(DomainError):
    """The caller may see the thing but not do this to it."""

    default_code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (a name taken, a stale version)."""

    default_code = "conflict"


class Unauthenticated(DomainError):
    """No valid identity: missing, wrong, expired or revoked credentials."""

    default_code = "auth.unauthenticated"


class RateLimited(DomainError):
    """Too many attempts; `retry_after` says how many seconds to wait, `limit` how many
    attempts the window allows."""

    default_code = "rate_limited"

    def __init__(
        self, detail: str, retry_after: int, code: str | None = None, limit: int = 0
    ) -> None:
        super().__init__(detail, code)
        self.retry_after = retry_after
        self.limit = limit


class Unavailable(DomainError):
    """A dependency the request needs is down (the virus scanner); `retry_after` says how
    many seconds to wait before trying again."""

    default_code = "unavailable"

    def __init__(self, detail: str, retry_after: int = 30, code: str | None = None) -> None:
        super().__init__(detail, code)
        self.retry_after = retry_after


class TooLarge(DomainError):
    """The input is bigger than the limit allows (a file over the size cap)."""

    default_code = "too_large"


class Unsupported(DomainError):
    """The input is of a kind the server refuses (a file type the policy denies)."""

    default_code = "unsupported"


class Invalid(DomainError):
    """The input breaks a rule; `errors` names each field and why."""

    default_code = "validation.invalid"

    def __init__(
        self,
        detail: str,
        errors: Iterable[FieldError] = (),
        code: str | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.errors = tuple(errors)

    @classmethod
    def field(cls, field: str, code: str, message: str) -> Self:
        """A refusal that concerns one field."""
        return cls(message, [FieldError(field, code, message)], code)


class Malformed(Invalid):
    """Input written in a language it does not follow (a search query): a 400, not a 422."""
