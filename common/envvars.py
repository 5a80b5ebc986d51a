"""How a settings dataclass is read from environment variables, and what a bad value looks like.

Settings classes are pydantic dataclasses: constructing one with keyword arguments (as tests do)
validates the values and never looks at the environment. `read_env` is the one place that does:
pydantic-settings looks up each field's variable (declared with `var`) in the given mapping, and
pydantic parses the text into the field's type and constraints. Any failure becomes one
`ConfigError` whose message names every offending variable, so a process stops at start instead
of running on a value nobody meant.
"""

from __future__ import annotations

import contextvars
import math
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

T = TypeVar("T")
ENV_KEY = "env_var"
SECRET_KEY = "secret"


class ConfigError(RuntimeError):
    """A required, malformed or forbidden environment variable; the message names it.

    Not a ValueError on purpose: pydantic lets it through unchanged from validators, so a check
    across fields reaches the caller with its own message.
    """


class Environment(StrEnum):
    """Where a process runs. Only development has defaults for secrets."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


ENVIRONMENT_NAMES = {
    "development": Environment.DEVELOPMENT,
    "dev": Environment.DEVELOPMENT,
    "test": Environment.TEST,
    "production": Environment.PRODUCTION,
    "prod": Environment.PRODUCTION,
}


def _environment(value: object) -> object:
    if isinstance(value, str):
        name = value.strip().lower()
        if name not in ENVIRONMENT_NAMES:
            raise ValueError(f"unknown environment {value!r}; expected one of {', '.join(ENVIRONMENT_NAMES)}")
        return ENVIRONMENT_NAMES[name]
    return value


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _url(schemes: tuple[str, ...]) -> AfterValidator:
    """A URL (or a comma-separated list of them) with one of `schemes`, a host and a valid port."""

    def check(value: str) -> str:
        for part in value.split(","):
            try:
                parts = urlsplit(part.strip())
                parts.port  # noqa: B018 - raises ValueError on a malformed port
            except ValueError as err:
                raise ValueError(f"malformed URL {part.strip()!r}: {err}") from None
            if parts.scheme not in schemes or not parts.hostname:
                raise ValueError(f"must be a URL like {schemes[0]}://host:port, got {part.strip()!r}")
        return value

    return AfterValidator(check)


MONGO_HOST = re.compile(r"^(?:[A-Za-z0-9._%-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?$")


def _mongo_uri(value: str) -> str:
    """mongodb://[user:pass@]host[:port][,host[:port]…][/db][?options] or mongodb+srv://host…"""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in ("mongodb", "mongodb+srv"):
        raise ValueError(f"must be a URI like mongodb://host:port, got {value!r}")
    hosts = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    for host in hosts.split(","):
        match = MONGO_HOST.match(host)
        if not match or (match["port"] and not 0 < int(match["port"]) < 65536):
            raise ValueError(f"malformed host {host!r} in {value!r}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


EnvName = Annotated[Environment, BeforeValidator(_environment)]
LogLevel = Annotated[str, AfterValidator(_log_level)]
Port = Annotated[int, Field(ge=0, le=65535)]  # 0: any free port (tests)
Seconds = Annotated[float, Field(gt=0), AfterValidator(_finite)]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
NatsUrl = Annotated[str, _url(("nats", "tls", "ws", "wss"))]
MongoUri = Annotated[str, AfterValidator(_mongo_uri)]
HttpUrl = Annotated[str, _url(("https", "http"))]
CREDENTIALS = re.compile(r"//[^/@\s,']*@")
ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")


def var(name: str, default: Any = PydanticUndefined, *, secret: bool = False, **constraints: Any) -> Any:
    """Declare a settings field read from environment variable `name`.

    `constraints` are pydantic `Field` options (gt, ge, le, pattern…); `secret` keeps the value out
    of error messages.
    """
    extra: dict[str, Any] = {ENV_KEY: name, SECRET_KEY: secret}
    return Field(default, json_schema_extra=extra, **constraints)


def env_var_of(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra
    return str(extra[ENV_KEY]) if isinstance(extra, dict) and ENV_KEY in extra else None


def check_address(variable: str, value: str) -> str:
    """A peer address `host:port`; ConfigError naming `variable` otherwise."""
    match = ADDRESS.match(value.strip())
    if not match or not 0 < int(match["port"]) < 65536:
        raise ConfigError(f"environment variable {variable} must be host:port, got {value!r}")
    return value.strip()


_MAPPING: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("settings_env")


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k: v.strip() for k, v in _MAPPING.get().items() if v.strip()}


class _EnvModel(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_MappingSource(settings_cls),)


_MODELS: dict[type, type[_EnvModel]] = {}


def _env_model(cls: type) -> type[_EnvModel]:
    """A pydantic-settings model with one optional text field per variable of `cls`."""
    if cls not in _MODELS:
        fields: dict[str, Any] = {
            name: (str | None, Field(None, validation_alias=variable))
            for name, info in cls.__pydantic_fields__.items()  # type: ignore[attr-defined]
            if (variable := env_var_of(info)) is not None
        }
        _MODELS[cls] = create_model(f"{cls.__name__}Env", __base__=_EnvModel, **fields)
    return _MODELS[cls]


def raw_values(cls: type, env: Mapping[str, str] | None) -> dict[str, str]:
    """The text of every variable of `cls` that is set (and not blank) in `env` (os.environ by default)."""
    token = _MAPPING.set(os.environ if env is None else env)
    try:
        found = _env_model(cls)()
    finally:
        _MAPPING.reset(token)
    return {k: v for k, v in found.model_dump().items() if v is not None}


def read_env(cls: type[T], env: Mapping[str, str] | None = None, **defaults: Any) -> T:
    """Build `cls` from `defaults` overridden by the environment; ConfigError naming each bad variable."""
    values = {**defaults, **raw_values(cls, env)}
    try:
        return cls(**values)
    except ValidationError as err:
        raise ConfigError(describe(cls, err)) from None


def describe(cls: type, err: ValidationError) -> str:
    """One line per problem, each naming the variable (the value too, unless it is a secret)."""
    fields: dict[str, FieldInfo] = cls.__pydantic_fields__  # type: ignore[attr-defined]
    lines = []
    for problem in err.errors(include_url=False):
        name = str(problem["loc"][0]) if problem["loc"] else ""
        info = fields.get(name)
        variable = (info and env_var_of(info)) or name
        secret = bool(
            info and isinstance(info.json_schema_extra, dict) and info.json_schema_extra[SECRET_KEY]
        )
        message = problem["msg"].removeprefix("Value error, ")
        shown = "" if secret or repr(problem["input"]) in message else f" (got {problem['input']!r})"
        lines.append(f"environment variable {variable}: {message}{shown}")
    return redact("; ".join(lines))


def redact(text: str) -> str:
    """Hide the credentials of URLs (`scheme://user:password@host`) in a message."""
    return CREDENTIALS.sub("//***@", text)


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}
