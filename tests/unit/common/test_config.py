from __future__ import annotations

import pytest

from common.config import ConfigError, GatewaySettings, Settings


def test_dev_defaults_run_on_loopback_with_embedded_servers() -> None:
    s = Settings.from_env("tags", {})
    assert (s.grpc_host, s.grpc_port) == ("127.0.0.1", 50051)
    assert s.database_name == "crm_tags"
    assert s.peers["leads"] == "127.0.0.1:50054"
    assert s.nats_url.startswith("nats://127.0.0.1")


def test_prod_without_internal_token_fails_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="INTERNAL_TOKEN"):
        Settings.from_env("intent", {"CRM_ENV": "prod"})
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        GatewaySettings.from_env({"CRM_ENV": "prod", "INTERNAL_TOKEN": "x"})


def test_malformed_port_is_named() -> None:
    with pytest.raises(ConfigError, match="GRPC_PORT"):
        Settings.from_env("leads", {"GRPC_PORT": "eighty"})


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
        }
    )
    assert (s.max_page_size, s.max_query_depth, s.max_batch, s.max_tokens) == (50, 6, 10, 500)
    assert GatewaySettings.from_env({}).max_aliases == 30
