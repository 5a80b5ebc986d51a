"""Settings: sane local defaults, and a process that refuses to start on anything doubtful."""

from __future__ import annotations

import dataclasses

import pytest

from common.config import (
    DEV_INTERNAL_TOKEN,
    DEV_JWT_SECRET,
    ConfigError,
    Environment,
    GatewaySettings,
    Settings,
)
from services.intent.config import IntentConfig
from services.tags.config import TagsConfig

SECRET = "s3cret-0123456789abcdef-0123456789"
PROD_SERVICE = {
    "CRM_ENV": "production",
    "INTERNAL_TOKEN": SECRET,
    "NATS_USER": "tags",
    "NATS_PASSWORD": "nats-password-0123456789",
}
PROD_GATEWAY = {
    **PROD_SERVICE,
    "JWT_JWKS_URL": "https://idp.example.com/.well-known/jwks.json",
    "JWT_ISSUER": "https://idp.example.com/",
    "JWT_AUDIENCE": "crm-gateway",
}


def test_dev_defaults_run_on_loopback_with_embedded_servers() -> None:
    s = Settings.from_env("tags", {})
    assert s.env is Environment.DEVELOPMENT
    assert (s.grpc_host, s.grpc_port) == ("127.0.0.1", 50051)
    assert s.database_name == "crm_tags"
    assert s.peers["leads"] == "127.0.0.1:50054"
    assert s.nats_url.startswith("nats://127.0.0.1")
    assert (s.nats_user, s.nats_password, s.internal_token) == ("", "", DEV_INTERNAL_TOKEN)
    g = GatewaySettings.from_env({})
    assert (g.jwt_secret, g.hs256_secret, g.jwt_max_lifetime_seconds) == (
        DEV_JWT_SECRET,
        DEV_JWT_SECRET,
        86400,
    )


@pytest.mark.parametrize("name", ["production", "prod", "Prod", "PRODUCTION", " production "])
def test_every_spelling_of_production_is_production(name: str) -> None:
    env = {**PROD_GATEWAY, "CRM_ENV": name}
    assert Settings.from_env("intent", env).env is Environment.PRODUCTION
    gateway = GatewaySettings.from_env(env)
    assert gateway.env is Environment.PRODUCTION
    assert gateway.hs256_secret is None  # production never accepts HS256


@pytest.mark.parametrize(
    ("name", "expected"), [("dev", "development"), ("Development", "development"), ("TEST", "test")]
)
def test_other_environment_names_are_normalised(name: str, expected: str) -> None:
    env = {"CRM_ENV": name, "INTERNAL_TOKEN": SECRET, "JWT_SECRET": SECRET}
    assert Settings.from_env("leads", env).env.value == expected
    assert GatewaySettings.from_env(env).env.value == expected


@pytest.mark.parametrize("name", ["staging", "prd", "live", "production2"])
def test_unknown_environment_stops_the_process(name: str) -> None:
    with pytest.raises(ConfigError, match=f"CRM_ENV: unknown environment '{name}'"):
        Settings.from_env("leads", {"CRM_ENV": name})
    with pytest.raises(ConfigError, match="CRM_ENV"):
        GatewaySettings.from_env({"CRM_ENV": name})


@pytest.mark.parametrize("missing", ["INTERNAL_TOKEN", "NATS_USER", "NATS_PASSWORD"])
@pytest.mark.parametrize("spelling", ["production", "Prod"])
def test_production_service_without_a_secret_stops_naming_it(missing: str, spelling: str) -> None:
    env = {**PROD_SERVICE, "CRM_ENV": spelling}
    del env[missing]
    with pytest.raises(ConfigError, match=f"{missing} is required when CRM_ENV=production") as caught:
        Settings.from_env("journey", env)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "missing", ["INTERNAL_TOKEN", "NATS_PASSWORD", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"]
)
def test_production_gateway_without_a_required_value_stops_naming_it(missing: str) -> None:
    env = {**PROD_GATEWAY, "CRM_ENV": "Prod"}
    del env[missing]
    with pytest.raises(ConfigError, match=f"{missing} is required when CRM_ENV=production"):
        GatewaySettings.from_env(env)


@pytest.mark.parametrize("mode", ["production", "test"])
def test_public_dev_secrets_never_run_outside_development(mode: str) -> None:
    base = (
        PROD_GATEWAY
        if mode == "production"
        else {"CRM_ENV": "test", "INTERNAL_TOKEN": SECRET, "JWT_SECRET": SECRET}
    )
    with pytest.raises(ConfigError, match="JWT_SECRET must not be the public development value"):
        GatewaySettings.from_env({**base, "JWT_SECRET": DEV_JWT_SECRET})
    with pytest.raises(ConfigError, match="INTERNAL_TOKEN must not be the public development value"):
        Settings.from_env("tags", {**base, "INTERNAL_TOKEN": DEV_INTERNAL_TOKEN})
    with pytest.raises(ConfigError, match="JWT_SECRET must not be the public development value"):
        GatewaySettings(
            env=mode,
            **{
                k.lower(): v
                for k, v in base.items()
                if k.startswith(("JWT_J", "JWT_I", "JWT_A", "NATS", "INT"))
            },
        )  # type: ignore[arg-type]


def test_production_refuses_a_shared_jwt_secret_and_plain_http_jwks() -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET must not be set in production"):
        GatewaySettings.from_env({**PROD_GATEWAY, "JWT_SECRET": SECRET})
    with pytest.raises(ConfigError, match="JWT_JWKS_URL must be an https:// URL"):
        GatewaySettings.from_env({**PROD_GATEWAY, "JWT_JWKS_URL": "http://idp.example.com/jwks"})


def test_test_environment_needs_its_own_secrets() -> None:
    with pytest.raises(ConfigError, match="INTERNAL_TOKEN is required when CRM_ENV=test"):
        Settings.from_env("tags", {"CRM_ENV": "test"})
    with pytest.raises(
        ConfigError, match=r"JWT_SECRET \(at least 32 characters\) or JWT_JWKS_URL is required"
    ):
        GatewaySettings.from_env({"CRM_ENV": "test", "INTERNAL_TOKEN": SECRET, "JWT_SECRET": "short"})
    with pytest.raises(ConfigError, match="INTERNAL_TOKEN must have at least 16 characters"):
        Settings.from_env("tags", {"CRM_ENV": "test", "INTERNAL_TOKEN": "short"})


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("RPC_TIMEOUT_SECONDS", "abc", "valid number"),
        ("RPC_TIMEOUT_SECONDS", "-1", "greater than 0"),
        ("RPC_TIMEOUT_SECONDS", "0", "greater than 0"),
        ("RPC_TIMEOUT_SECONDS", "inf", "finite"),
        ("GATEWAY_PORT", "eighty", "valid integer"),
        ("GATEWAY_PORT", "70000", "less than or equal to 65535"),
        ("GATEWAY_MAX_PAGE_SIZE", "0", "greater than 0"),
        ("GATEWAY_MAX_BATCH", "-5", "greater than 0"),
        ("GATEWAY_MAX_QUERY_DEPTH", "1.5", "valid integer"),
        ("JWT_MAX_LIFETIME_SECONDS", "0", "greater than 0"),
        ("JWT_JWKS_URL", "idp.example.com/jwks", "must be a URL"),
        ("NATS_URL", "http://nats:4222", "must be a URL like nats://"),
        ("NATS_URL", "nats://nats:port", "malformed URL"),
        ("NATS_SUBJECT_ROOT", "crm.evil", "pattern"),
        ("LOG_LEVEL", "loud", "DEBUG, INFO"),
        ("TAGS_ADDR", "tags", "host:port"),
        ("LEADS_ADDR", "leads:0", "host:port"),
    ],
)
def test_malformed_gateway_variable_is_named(variable: str, value: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=variable) as caught:
        GatewaySettings.from_env({variable: value})
    assert complaint in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRPC_PORT", "eighty"),
        ("GRPC_PORT", "-1"),
        ("CONSUMER_MAX_DELIVER", "0"),
        ("NATS_STREAM_REPLICAS", "7"),
        ("MONGODB_URI", "postgres://db:5432"),
        ("MONGODB_URI", "mongodb://mongo:99999"),
        ("MONGODB_DB_PREFIX", "crm/evil"),
        ("JOURNEY_ADDR", "journey:port"),
    ],
)
def test_malformed_service_variable_is_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env("leads", {variable: value})


def test_every_problem_is_reported_at_once_and_secrets_are_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        GatewaySettings.from_env({"GATEWAY_PORT": "x", "RPC_TIMEOUT_SECONDS": "y"})
    message = str(caught.value)
    assert "GATEWAY_PORT" in message and "RPC_TIMEOUT_SECONDS" in message
    with pytest.raises(ConfigError) as secret:
        Settings.from_env(
            "tags",
            {"CRM_ENV": "prod", "INTERNAL_TOKEN": "tiny-secret", "NATS_USER": "u", "NATS_PASSWORD": "p"},
        )
    assert "tiny-secret" not in str(secret.value)


def test_blank_values_mean_unset() -> None:
    s = GatewaySettings.from_env({"GATEWAY_PORT": "  ", "JWT_JWKS_URL": "", "RPC_TIMEOUT_SECONDS": " 2.5 "})
    assert (s.port, s.jwt_jwks_url, s.rpc_timeout_seconds) == (8000, None, 2.5)


def test_peer_addresses_come_from_svc_addr_variables() -> None:
    s = GatewaySettings.from_env({"TAGS_ADDR": "tags:50051", "GATEWAY_PORT": "9000"})
    assert s.peers["tags"] == "tags:50051"
    assert s.port == 9000


def test_unknown_service_is_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown service"):
        Settings.from_env("billing", {})


def test_gateway_limits_come_from_the_environment() -> None:
    s = GatewaySettings.from_env(
        {
            "GATEWAY_MAX_PAGE_SIZE": "50",
            "GATEWAY_MAX_QUERY_DEPTH": "6",
            "GATEWAY_MAX_BATCH": "10",
            "GATEWAY_MAX_TOKENS": "500",
            "JWT_MAX_LIFETIME_SECONDS": "3600",
        }
    )
    assert (s.max_page_size, s.max_query_depth, s.max_batch, s.max_tokens) == (50, 6, 10, 500)
    assert s.jwt_max_lifetime_seconds == 3600
    assert GatewaySettings.from_env({}).max_aliases == 30


def test_keyword_construction_validates_and_never_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MAX_BATCH", "not-a-number")
    monkeypatch.setenv("CRM_ENV", "staging")
    s = GatewaySettings(max_page_size=10)
    assert (s.max_batch, s.env) == (100, Environment.DEVELOPMENT)
    assert dataclasses.replace(s, rpc_timeout_seconds=0.5).rpc_timeout_seconds == 0.5
    with pytest.raises(ValueError, match="greater than 0"):
        GatewaySettings(max_page_size=0)
    with pytest.raises(ValueError, match="unexpected"):
        Settings(service="tags", no_such_setting=1)  # type: ignore[call-arg]


def test_service_specific_configs_are_parsed_the_same_way() -> None:
    assert IntentConfig.from_env({"INTENT_RETENTION_DAYS": "30"}).retention_days == 30
    for variable in ("INTENT_RETENTION_DAYS", "INTENT_MAX_FUTURE_SECONDS"):
        for bad in ("0", "-1", "soon"):
            with pytest.raises(ConfigError, match=variable):
                IntentConfig.from_env({variable: bad})
    with pytest.raises(ConfigError, match="TAGS_CONVERSATION_MAX_FUTURE_SECONDS"):
        TagsConfig.from_env({"TAGS_CONVERSATION_MAX_FUTURE_SECONDS": "-3"})


def test_mongodb_seed_lists_and_srv_uris_are_accepted() -> None:
    for uri in (
        "mongodb://mongo-0.mongo:27017,mongo-1.mongo:27017,mongo-2.mongo:27017/?replicaSet=rs0",
        "mongodb+srv://cluster0.example.net/?retryWrites=true",
        "mongodb://user:pw@db/crm",
    ):
        assert Settings.from_env("tags", {"MONGODB_URI": uri}).mongodb_uri == uri


def test_credentials_in_a_malformed_url_are_not_echoed() -> None:
    for variable, value in (
        ("MONGODB_URI", "mongodb://admin:hunter2@db:port/x"),
        ("NATS_URL", "nats://u:hunter2@n:x"),
    ):
        with pytest.raises(ConfigError, match=variable) as caught:
            Settings.from_env("tags", {variable: value})
        assert "hunter2" not in str(caught.value)


def test_jwks_verification_needs_an_issuer_and_an_audience_in_any_environment() -> None:
    with pytest.raises(ConfigError, match="JWT_AUDIENCE is required with JWT_JWKS_URL"):
        GatewaySettings.from_env({"JWT_JWKS_URL": "http://127.0.0.1:9999/jwks"})
    test_env = {"CRM_ENV": "test", "INTERNAL_TOKEN": SECRET, "JWT_JWKS_URL": "https://idp/jwks"}
    with pytest.raises(ConfigError, match="JWT_ISSUER is required with JWT_JWKS_URL"):
        GatewaySettings.from_env({**test_env, "JWT_AUDIENCE": "crm"})
    settings = GatewaySettings.from_env({**test_env, "JWT_AUDIENCE": "crm", "JWT_ISSUER": "https://idp/"})
    assert settings.hs256_secret is None  # a JWKS URL turns HS256 off, whatever the environment


def test_production_nats_credentials_may_ride_in_the_url() -> None:
    env = {"CRM_ENV": "prod", "INTERNAL_TOKEN": SECRET, "NATS_URL": "nats://tags:pw-0123456789@nats:4222"}
    assert Settings.from_env("tags", env).nats_user == ""
    with pytest.raises(ConfigError, match="NATS_PASSWORD is required"):
        Settings.from_env("tags", {**env, "NATS_URL": "nats://tags@nats:4222", "NATS_USER": "tags"})
