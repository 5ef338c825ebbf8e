from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped


class Level(StrEnum):
    ADMIN = "admin"
    BASIC = "basic"


class OperatorStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


def _enum(kind: type[StrEnum]) -> Enum:
    """A StrEnum stored as its value in a plain VARCHAR, read back as the enum member."""
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Operator(Timestamped, Base):
    """A person who runs the network; sees the subtree of their base group."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    base_group_id: Mapped[int] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="RESTRICT"), index=True
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[Level] = mapped_column(_enum(Level))
    status: Mapped[OperatorStatus] = mapped_column(
        _enum(OperatorStatus), default=OperatorStatus.ACTIVE
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activated_at: Mapped[datetime | None]
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OperatorSession(Timestamped, Base):
    """A server-side log-in session; the cookie holds only a random token whose hash is here."""

    __tablename__ = "operator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    flash: Mapped[str | None] = mapped_column(String(500))


class ApiToken(Timestamped, Base):
    """A bearer token acting with its operator's permissions and domain."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]


class OneTimeToken(Timestamped, Base):
    """An invitation or password-reset link: expires, and works once."""

    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed log-in, kept briefly to throttle guessing across every node."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
