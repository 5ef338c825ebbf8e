"""Settings read from LATURI_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Process configuration; one instance is handed to create_app()."""

    model_config = SettingsConfigDict(env_prefix="LATURI_", extra="ignore")

    environment: str = "development"
    database_url: str = "sqlite+aiosqlite:///./var/laturi.db"
    redis_url: str | None = None  # set: several nodes share stations over Redis
    redis_prefix: str = "laturi"  # of every Redis key and channel (deployments sharing one)
    redis_station_ttl: float = 30.0  # seconds a dead node's stations still show online
    smtp_url: str | None = None
    mail_from: str = "Laturi <noreply@laturi.invalid>"
    outbox_dir: Path = Path("./var/outbox")
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    session_hours: int = 2
    invitation_days: int = 7
    password_reset_minutes: int = 60
    login_max_failures: int = 5  # for one username from one address: refused a while
    login_max_failures_address: int = 50  # from one address, any usernames: refused a while
    login_max_failures_total: int = 25  # for one username from anywhere: slowed, not locked
    login_lockout_minutes: int = 15
    secure_cookies: bool = False
    # Set: /metrics answers only `Authorization: Bearer <this>` (Prometheus' bearer_token).
    metrics_token: str = ""
    # OCPP central system
    ocpp_heartbeat_interval: int = 300  # seconds, told to stations at boot
    ocpp_command_timeout: float = 30.0  # seconds a station has to answer a command
    ocpp_log_messages: bool = True  # keep the raw frames each way
    ocpp_log_days: int = 30  # how long the raw frames are kept
    # Invoice PDFs are made in this many worker processes (0: in a thread of the server).
    invoice_pdf_processes: int = 2
    scheduler_enabled: bool = True  # run due scheduled tasks and system jobs on this node
    scheduler_grace_minutes: float = 60.0  # a run later than this (no node up) is missed
    scheduler_concurrency: int = 100  # targets of group tasks reached at once
    scheduler_tick_seconds: float = 1.0  # how often due runs are looked for
    scheduler_stale_seconds: float = 60.0  # a run's node silent this long: another takes it

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("LATURI_SECRET_KEY must be set outside development")
        return self
