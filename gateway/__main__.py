"""`python -m gateway`: serve the GraphQL gateway with uvicorn (HTTP and WebSocket)."""

from __future__ import annotations

import gc

import uvicorn

from common.config import ConfigError, GatewaySettings
from common.logs import setup_logging
from common.telemetry import setup_tracing
from gateway.app import create_app


def main() -> None:
    try:
        settings = GatewaySettings.from_env()
    except ConfigError as err:  # stop with the message, not a traceback: it names the variable to fix
        raise SystemExit(f"gateway: configuration error: {err}") from None
    setup_logging("gateway", settings.log_level)
    setup_tracing("gateway")
    app = create_app(settings)
    # Everything built so far (schema, modules) lives as long as the process: move it out of the
    # collector's sight, so the collections that requests' garbage triggers stay short. Done here,
    # not in the app, because it changes the whole interpreter (tests run many apps in one).
    gc.freeze()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        log_config=None,  # keep our JSON logging
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
