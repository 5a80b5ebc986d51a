"""A real process with a bad variable stops at once, non-zero, naming the variable (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
OURS = ("CRM_", "GRPC_", "GATEWAY_", "NATS_", "MONGODB_", "JWT_", "INTERNAL_TOKEN", "RPC_", "LOG_LEVEL")


def start(module: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS) and not k.endswith("_ADDR")}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-m", module], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("module", "variables", "named"),
    [
        (
            "services.leads",
            {"CRM_ENV": "Prod", "NATS_USER": "leads", "NATS_PASSWORD": "pw"},
            "INTERNAL_TOKEN",
        ),
        ("services.leads", {"CRM_ENV": "staging"}, "CRM_ENV"),
        ("services.leads", {"CONSUMER_MAX_DELIVER": "-1"}, "CONSUMER_MAX_DELIVER"),
        ("gateway", {"RPC_TIMEOUT_SECONDS": "abc"}, "RPC_TIMEOUT_SECONDS"),
        (
            "gateway",
            {"CRM_ENV": "production", "JWT_SECRET": "dev-jwt-secret-change-me-0123456789"},
            "JWT_SECRET",
        ),
    ],
    ids=[
        "leads-prod-no-token",
        "leads-unknown-env",
        "leads-negative-limit",
        "gateway-bad-timeout",
        "gateway-dev-secret",
    ],
)
def test_process_with_a_bad_variable_exits_naming_it(
    module: str, variables: dict[str, str], named: str
) -> None:
    result = start(module, **variables)
    assert result.returncode != 0
    assert named in result.stderr
    assert "configuration error" in result.stderr
    assert "Traceback" not in result.stderr
