"""The `/graphql` endpoint: strawberry's ASGI view with authentication in front of it.

Plain HTTP requests are authenticated before strawberry sees them: without a valid Bearer token
the answer is HTTP 401 with a GraphQL error (`extensions.code = UNAUTHENTICATED`) and nothing is
executed; a token claiming the reserved `platform` role gets HTTP 403 (FORBIDDEN), see
`gateway.permissions`. Opening GraphiQL in a browser needs no token. A WebSocket
(graphql-transport-ws) is authenticated by the `Authorization` entry of its connection_init
payload; a bad or reserved-role token is refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from gateway.auth import AuthError, authenticator_for
from gateway.context import GatewayContext, Services
from gateway.errors import FORBIDDEN, UNAUTHENTICATED
from gateway.permissions import reserved_role_refusal

PRINCIPAL_KEY = "crm_principal"


def unauthenticated_response(message: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": UNAUTHENTICATED}}]}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="crm"'})


def forbidden_response(message: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": FORBIDDEN}}]}
    return JSONResponse(body, status_code=403)


def _wants_graphiql(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and ("text/html" in accept or "*/*" in accept)
    )


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """strawberry's GraphQL ASGI app, authenticating every operation and building its context."""

    def __init__(self, schema: BaseSchema) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if not _wants_graphiql(request):
                services: Services = scope["state"]["services"]
                settings = services.settings
                try:
                    principal = await authenticator_for(settings).principal_from_headers(request.headers)
                except AuthError as err:
                    services.metrics.errors.labels(UNAUTHENTICATED).inc()
                    await unauthenticated_response(str(err))(scope, receive, send)
                    return
                if refusal := reserved_role_refusal(principal):
                    services.metrics.errors.labels(FORBIDDEN).inc()
                    await forbidden_response(refusal)(scope, receive, send)
                    return
                scope["state"][PRINCIPAL_KEY] = principal
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> GatewayContext:
        state = request.scope["state"]
        return GatewayContext(
            services=state["services"],
            request=request,
            response=response,
            principal=state.get(PRINCIPAL_KEY),
        )

    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:
        settings = context.settings
        try:
            context.principal = await authenticator_for(settings).principal_from_headers(
                context.connection_params or {}
            )
        except AuthError as err:
            context.services.metrics.errors.labels(UNAUTHENTICATED).inc()
            raise ConnectionRejectionError({"message": str(err), "code": UNAUTHENTICATED}) from None
        if refusal := reserved_role_refusal(context.principal):
            context.principal = None
            context.services.metrics.errors.labels(FORBIDDEN).inc()
            raise ConnectionRejectionError({"message": refusal, "code": FORBIDDEN})
        return await super().on_ws_connect(context)
