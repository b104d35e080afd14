"""Accounts: registering, logging in, sessions and their tokens, your profile."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, StrictBool

from tertulia.domain import text, users
from tertulia.domain.users import User
from tertulia.web.schemas.common import In, Out, UserOut
from tertulia.web.schemas.params import EXAMPLE_TIME


class RegisterIn(In):
    username: str = Field(
        max_length=text.USERNAME_MAX,
        description="2–32 ASCII letters, digits, '.', '_' or '-', starting with a letter;"
        " stored in lowercase.",
        examples=["ana.garcia"],
    )
    email: EmailStr = Field(
        description="Where the account can be reached.", examples=["ana@example.com"]
    )
    password: str = Field(
        max_length=users.PASSWORD_MAX,
        description="At least 10 characters, not your username or email, not a common password.",
        examples=["correct horse battery staple"],
    )
    display_name: str | None = Field(
        None,
        max_length=users.DISPLAY_NAME_MAX,
        description="How others see you; any script and emoji. Defaults to the username.",
        examples=["Ana García 🌻"],
    )


SessionKind = Literal["body", "cookie"]


SESSION_KIND = (
    "Where the refresh token goes: `body` (the default, for programs) in the answer;"
    " `cookie` (for browsers) only in an HttpOnly cookie (`tertulia_refresh`,"
    " `SameSite=Strict`, `Path=/api/v1/auth`, `Secure` over https) that scripts cannot read,"
    " with a readable `tertulia_csrf` cookie whose value is sent as the `X-Tertulia-CSRF`"
    " header to refresh or log out through the cookie."
)


class LoginIn(In):
    login: str = Field(
        max_length=254, description="Username or email address.", examples=["ana.garcia"]
    )
    password: str = Field(
        max_length=users.PASSWORD_MAX,
        description="The account's password.",
        examples=["correct horse battery staple"],
    )
    session: SessionKind = Field("body", description=SESSION_KIND, examples=["cookie"])


class RefreshIn(In):
    refresh_token: str | None = Field(
        None,
        max_length=128,
        description="The refresh token from the last login or refresh. Each can be used once."
        " Absent: the `tertulia_refresh` cookie's, with the `X-Tertulia-CSRF` header.",
        examples=["kM3v…"],
    )
    session: SessionKind | None = Field(
        None,
        description=SESSION_KIND + " By default, where the token came from; a token from the"
        " cookie always answers in cookies.",
        examples=["cookie"],
    )


class LogoutIn(In):
    everywhere: StrictBool = Field(
        False,
        description="End every session of the account, not only this one.",
        examples=[False],
    )


class ProfileIn(In):
    display_name: str | None = Field(
        None,
        max_length=users.DISPLAY_NAME_MAX,
        description="How others see you.",
        examples=["Ana G."],
    )
    title: str | None = Field(
        None,
        max_length=users.TITLE_MAX,
        description="Job title or role; empty to clear.",
        examples=["Backend engineer"],
    )
    timezone: str | None = Field(
        None,
        max_length=64,
        description="IANA time zone; empty to clear.",
        examples=["Europe/Madrid"],
    )
    email: EmailStr | None = Field(
        None,
        description="A new email address (needs `current_password`).",
        examples=["ana.garcia@example.com"],
    )
    password: str | None = Field(
        None,
        max_length=users.PASSWORD_MAX,
        description="A new password (needs `current_password`); ends your other sessions.",
        examples=["a-new-long-passphrase"],
    )
    current_password: str | None = Field(
        None,
        max_length=users.PASSWORD_MAX,
        description="Your current password, to change email or password.",
        examples=["correct horse battery staple"],
    )


class MeOut(UserOut):
    """Your own account, with the fields only you see."""

    email: str = Field(
        description="Your email address (only you see it).", examples=["ana@example.com"]
    )
    updated_at: datetime = Field(description="Last change to the profile.", examples=[EXAMPLE_TIME])

    @classmethod
    def of(cls, user: User) -> MeOut:
        return cls(**UserOut.of(user).model_dump(), email=user.email, updated_at=user.updated_at)


class TokensOut(Out):
    """A session's tokens. Send the access token as `Authorization: Bearer …`; trade the
    refresh token for new tokens before the access token expires. Refresh tokens rotate: each
    works once, and using one twice revokes the whole session."""

    token_type: Literal["Bearer"] = Field(
        "Bearer", description="Always Bearer.", examples=["Bearer"]
    )
    access_token: str = Field(description="Short-lived JWT.", examples=["eyJhbGciOiJIUzI1NiIs…"])
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[900])
    expires_at: datetime = Field(
        description="When the access token expires.", examples=[EXAMPLE_TIME]
    )
    refresh_token: str | None = Field(
        description="Opaque, single-use refresh token; null when it went into the"
        " `tertulia_refresh` cookie instead (`session`: `cookie`).",
        examples=["kM3vQ…"],
    )
    refresh_expires_at: datetime = Field(
        description="When the refresh token expires.", examples=[EXAMPLE_TIME]
    )
    csrf_token: str | None = Field(
        description="With the cookie session: the value to send as `X-Tertulia-CSRF` when"
        " refreshing or logging out through the cookie (the `tertulia_csrf` cookie holds it"
        " too, for a page loaded later); null otherwise.",
        examples=[None],
    )
    session_id: str = Field(
        description="This login's session.", examples=["01JD5ZC0SESS10N00000000000"]
    )
    user: MeOut = Field(description="The account the tokens belong to.")
