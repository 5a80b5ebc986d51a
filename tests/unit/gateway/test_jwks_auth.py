"""Production token verification, through the real gateway over HTTP, against a real JWKS server.

The gateway runs with production settings: tokens must be RS256/ES256 signed by a key of the
provider's JWK set, carry the configured issuer and audience, and live at most
JWT_MAX_LIFETIME_SECONDS. Anything else is HTTP 401 with `extensions.code = UNAUTHENTICATED` and a
message saying what is wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import jwt
import pytest
import uvicorn

from common.config import DEV_JWT_SECRET, GatewaySettings
from gateway.app import create_app
from tests.support.nats import SessionNats
from tests.unit.gateway.jwks_server import AUDIENCE, ISSUER, Provider, SigningKey, serving

RSA_KEY = SigningKey.rsa("rsa-1")
EC_KEY = SigningKey.ec("ec-1")
QUERY = {"query": "{ __typename }"}


class _InProcessServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with serving(Provider(keys=[RSA_KEY, EC_KEY])) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway_url(provider: Provider, session_nats: SessionNats) -> AsyncIterator[str]:
    nats_url, nats_user, nats_password = session_nats.login("gateway")
    settings = GatewaySettings(
        env="production",  # type: ignore[arg-type]  # parsed like CRM_ENV
        host="127.0.0.1",
        port=0,
        jwt_secret="",
        jwt_jwks_url=provider.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        internal_token="prod-internal-token-0123456789abcdef",
        # Production requires NATS credentials; an external test server without auth ignores these.
        nats_user=nats_user or "gateway",
        nats_password=nats_password or "unused-password",
        peers={svc: "127.0.0.1:9" for svc in ("tags", "journey", "intent", "leads")},
        nats_url=nats_url,
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = _InProcessServer(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def ask(url: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=15) as client:
        return await client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})


def refusal(reply: httpx.Response) -> str:
    assert reply.status_code == 401, reply.text
    body = reply.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    return str(error["message"])


@pytest.mark.parametrize("key", [RSA_KEY, EC_KEY], ids=["RS256", "ES256"])
async def test_token_signed_by_the_provider_is_accepted(gateway_url: str, key: SigningKey) -> None:
    reply = await ask(gateway_url, key.sign())
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (RSA_KEY.sign(iat=0, exp=60, lifetime=timedelta(0)), "expired"),
        (RSA_KEY.sign(iss="https://evil.example.test/"), "issued by someone else"),
        (RSA_KEY.sign(aud="another-app"), "another audience"),
        (SigningKey.rsa("rsa-unknown").sign(), "unknown key (kid 'rsa-unknown')"),
        (RSA_KEY.sign(lifetime=timedelta(days=365 * 100)), "lifetime of 3153600000 s exceeds the 86400 s"),
        (RSA_KEY.sign(iat=None), 'missing the "iat" claim'),
        (RSA_KEY.sign(exp=None), 'missing the "exp" claim'),
        (RSA_KEY.sign(tenant=None), "tenant"),
    ],
    ids=[
        "expired",
        "wrong-issuer",
        "wrong-audience",
        "unknown-kid",
        "100-years",
        "no-iat",
        "no-exp",
        "no-tenant",
    ],
)
async def test_bad_provider_token_is_unauthenticated(gateway_url: str, token: str, message: str) -> None:
    assert message in refusal(await ask(gateway_url, token))


async def test_hs256_token_with_the_dev_secret_is_refused_in_production(gateway_url: str) -> None:
    forged = jwt.encode(
        {
            "sub": "u",
            "tenant": "acme",
            "roles": ["admin"],
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": 1,
            "exp": 9e9,
        },
        DEV_JWT_SECRET,
        algorithm="HS256",
        headers={"kid": RSA_KEY.kid},
    )
    assert "algorithm HS256 is not accepted" in refusal(await ask(gateway_url, forged))


async def test_key_confusion_hs256_signed_with_the_public_key_is_refused(gateway_url: str) -> None:
    # The classic attack: HMAC-sign with the provider's *public* key, hoping it is used as a secret.
    public_pem = RSA_KEY.jwk()["n"]
    forged = jwt.encode(
        {"sub": "u", "tenant": "acme"}, public_pem, algorithm="HS256", headers={"kid": "rsa-1"}
    )
    assert "algorithm HS256 is not accepted" in refusal(await ask(gateway_url, forged))


async def test_unsigned_token_is_refused(gateway_url: str) -> None:
    token = jwt.encode({"sub": "u", "tenant": "acme"}, key=None, algorithm="none", headers={"kid": "rsa-1"})
    assert "algorithm none is not accepted" in refusal(await ask(gateway_url, token))


async def test_token_without_kid_is_refused(gateway_url: str) -> None:
    token = jwt.encode({"sub": "u"}, RSA_KEY.private, algorithm="RS256")
    assert "no `kid`" in refusal(await ask(gateway_url, token))
