"""Typed settings for every process, read once from environment variables.

Defaults suit a laptop (`make run`): everything on 127.0.0.1 with the embedded NATS and MongoDB
stand-in, the public development secrets, no NATS credentials. Those secrets exist only when
`CRM_ENV` is development (the default); `test` and `production` must be given real ones, and
production also needs NATS credentials and, for the gateway, a JWKS URL, issuer and audience.
Anything unknown or malformed stops the process with a message naming the variable.

To add a setting: one field line, `name: T = var("ENV_NAME", default, gt=0)`; `from_env` reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from common.envvars import (
    ConfigError,
    Environment,
    EnvName,
    HttpUrl,
    LogLevel,
    MongoUri,
    NatsUrl,
    Port,
    Seconds,
    Slug,
    check_address,
    is_loopback,
    read_env,
    var,
)

__all__ = ["ConfigError", "Environment", "GatewaySettings", "Settings", "positive_int"]

SERVICES = ("tags", "journey", "intent", "leads")
DEFAULT_GRPC_PORTS = {"tags": 50051, "journey": 50052, "intent": 50053, "leads": 50054}
DEV_INTERNAL_TOKEN = "dev-internal-token"
DEV_JWT_SECRET = "dev-jwt-secret-change-me-0123456789"
DEV_JWT_ISSUER = "crm-dev"
MIN_SECRET_LENGTH = 16
CONFIG = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive integer variable, `default` when unset; anything else stops the process naming it."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"environment variable {name} must be positive, got {value}")
    return value


def _peers(env: Mapping[str, str] | None) -> dict[str, str]:
    env = os.environ if env is None else env
    return {
        svc: check_address(f"{svc.upper()}_ADDR", env.get(f"{svc.upper()}_ADDR", "").strip() or default)
        for svc, default in ((s, f"127.0.0.1:{DEFAULT_GRPC_PORTS[s]}") for s in SERVICES)
    }


def _mode(env: Mapping[str, str] | None) -> Environment:
    """CRM_ENV alone, first: it decides which defaults the other variables get."""
    raw = (os.environ if env is None else env).get("CRM_ENV", "").strip()
    return read_env(_Mode, {"CRM_ENV": raw} if raw else {}).env


def _dev_defaults(mode: Environment, **values: str) -> dict[str, str]:
    """The public development values, offered only in development; elsewhere the variable is required."""
    return values if mode is Environment.DEVELOPMENT else {name: "" for name in values}


def _secret_problems(settings: Any) -> list[str]:
    """Problems of the secrets every process shares, outside development."""
    problems: list[str] = []
    if settings.env is Environment.DEVELOPMENT:
        return problems
    where = f"CRM_ENV={settings.env.value}"
    token = settings.internal_token
    if not token:
        problems.append(f"environment variable INTERNAL_TOKEN is required when {where}")
    elif token == DEV_INTERNAL_TOKEN:
        problems.append(
            f"environment variable INTERNAL_TOKEN must not be the public development value when {where}"
        )
    elif len(token) < MIN_SECRET_LENGTH:
        problems.append(
            f"environment variable INTERNAL_TOKEN must have at least {MIN_SECRET_LENGTH} characters"
        )
    # NATS credentials may also ride in the URL (nats://user:password@host), which common.bus honours.
    url_login = urlsplit(settings.nats_url.split(",")[0]).password is not None
    if settings.env is Environment.PRODUCTION and not url_login:
        for variable, value in (("NATS_USER", settings.nats_user), ("NATS_PASSWORD", settings.nats_password)):
            if not value:
                problems.append(f"environment variable {variable} is required when {where}")
    return problems


def _stop_on(problems: list[str]) -> None:
    if problems:
        raise ConfigError("; ".join(problems))


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class _Mode:
    env: EnvName = var("CRM_ENV", Environment.DEVELOPMENT)


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class Settings:
    """Settings of one backend service process (tags, journey, intent or leads)."""

    service: str
    env: EnvName = var("CRM_ENV", Environment.DEVELOPMENT)
    grpc_host: str = var("GRPC_HOST", "127.0.0.1", min_length=1)
    grpc_port: Port = var("GRPC_PORT", 0)
    mongodb_uri: MongoUri = var("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    mongodb_db_prefix: Slug = var("MONGODB_DB_PREFIX", "crm")
    nats_url: NatsUrl = var("NATS_URL", "nats://127.0.0.1:4222")
    nats_user: str = var("NATS_USER", "")
    nats_password: str = var("NATS_PASSWORD", "", secret=True)
    subject_root: Slug = var("NATS_SUBJECT_ROOT", "crm")
    stream_replicas: int = var("NATS_STREAM_REPLICAS", 1, ge=1, le=5)
    internal_token: str = var("INTERNAL_TOKEN", DEV_INTERNAL_TOKEN, secret=True)
    peers: dict[str, str] = Field(default_factory=dict)
    consumer_max_deliver: int = var("CONSUMER_MAX_DELIVER", 5, gt=0)
    ingest_max_message_bytes: int = var("INGEST_MAX_MESSAGE_BYTES", 1024 * 1024, gt=0)
    log_level: LogLevel = var("LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        _stop_on(_secret_problems(self))

    @property
    def database_name(self) -> str:
        return f"{self.mongodb_db_prefix}_{self.service}"

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings of `service` from the environment (os.environ by default)."""
        if service not in SERVICES:
            raise ConfigError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
        mode = _mode(env)
        return read_env(
            cls,
            env,
            service=service,
            grpc_port=DEFAULT_GRPC_PORTS[service],
            peers=_peers(env),
            **_dev_defaults(mode, internal_token=DEV_INTERNAL_TOKEN),
        )


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class GatewaySettings:
    """Settings of the GraphQL gateway process."""

    env: EnvName = var("CRM_ENV", Environment.DEVELOPMENT)
    host: str = var("GATEWAY_HOST", "127.0.0.1", min_length=1)
    port: Port = var("GATEWAY_PORT", 8000)
    # Development: HS256 tokens signed with JWT_SECRET. With JWT_JWKS_URL (required in production):
    # RS256/ES256 tokens signed by a key of that JWK set, with the issuer and audience checked.
    jwt_secret: str = var("JWT_SECRET", DEV_JWT_SECRET, secret=True)
    jwt_issuer: str = var("JWT_ISSUER", DEV_JWT_ISSUER)
    jwt_audience: str = var("JWT_AUDIENCE", "")
    jwt_jwks_url: HttpUrl | None = var("JWT_JWKS_URL", None)
    jwt_max_lifetime_seconds: int = var("JWT_MAX_LIFETIME_SECONDS", 24 * 3600, gt=0)
    internal_token: str = var("INTERNAL_TOKEN", DEV_INTERNAL_TOKEN, secret=True)
    nats_user: str = var("NATS_USER", "")
    nats_password: str = var("NATS_PASSWORD", "", secret=True)
    peers: dict[str, str] = Field(default_factory=dict)
    nats_url: NatsUrl = var("NATS_URL", "nats://127.0.0.1:4222")
    subject_root: Slug = var("NATS_SUBJECT_ROOT", "crm")
    rpc_timeout_seconds: Seconds = var("RPC_TIMEOUT_SECONDS", 5.0)
    max_page_size: int = var("GATEWAY_MAX_PAGE_SIZE", 100, gt=0)
    max_query_depth: int = var("GATEWAY_MAX_QUERY_DEPTH", 10, gt=0)
    max_aliases: int = var("GATEWAY_MAX_ALIASES", 30, gt=0)
    max_batch: int = var("GATEWAY_MAX_BATCH", 100, gt=0)
    max_tokens: int = var("GATEWAY_MAX_TOKENS", 2000, gt=0)
    log_level: LogLevel = var("LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        _stop_on(_secret_problems(self) + self._jwt_problems())

    def _jwt_problems(self) -> list[str]:
        problems: list[str] = []
        if self.jwt_jwks_url and self.env is not Environment.PRODUCTION:  # production names them below
            for variable, given in (("JWT_ISSUER", self.jwt_issuer), ("JWT_AUDIENCE", self.jwt_audience)):
                if not given:
                    problems.append(f"environment variable {variable} is required with JWT_JWKS_URL")
        if self.env is Environment.DEVELOPMENT:
            return problems
        where = f"CRM_ENV={self.env.value}"
        if self.jwt_secret == DEV_JWT_SECRET:
            problems.append(
                f"environment variable JWT_SECRET must not be the public development value when {where}"
            )
        if self.env is Environment.PRODUCTION:
            if self.jwt_secret and self.jwt_secret != DEV_JWT_SECRET:
                problems.append(
                    "environment variable JWT_SECRET must not be set in production: tokens are verified "
                    "only against JWT_JWKS_URL (RS256/ES256)"
                )
            for variable, value in (
                ("JWT_JWKS_URL", self.jwt_jwks_url),
                ("JWT_ISSUER", self.jwt_issuer),
                ("JWT_AUDIENCE", self.jwt_audience),
            ):
                if not value:
                    problems.append(f"environment variable {variable} is required when {where}")
            if (
                self.jwt_jwks_url
                and not self.jwt_jwks_url.startswith("https://")
                and not is_loopback(self.jwt_jwks_url)
            ):
                problems.append(f"environment variable JWT_JWKS_URL must be an https:// URL when {where}")
        elif not self.jwt_jwks_url and len(self.jwt_secret) < 32:
            problems.append(
                f"environment variable JWT_SECRET (at least 32 characters) or JWT_JWKS_URL is required when {where}"
            )
        return problems

    @property
    def hs256_secret(self) -> str | None:
        """The shared secret of HS256 tokens, or None where only JWKS-signed tokens are accepted."""
        if self.jwt_jwks_url or self.env is Environment.PRODUCTION or not self.jwt_secret:
            return None
        return self.jwt_secret

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read the gateway settings from the environment (os.environ by default)."""
        mode = _mode(env)
        return read_env(
            cls,
            env,
            peers=_peers(env),
            **_dev_defaults(
                mode, internal_token=DEV_INTERNAL_TOKEN, jwt_secret=DEV_JWT_SECRET, jwt_issuer=DEV_JWT_ISSUER
            ),
        )
