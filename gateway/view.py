"""The `/graphql` endpoint: strawberry's ASGI view with authentication in front of it.

Plain HTTP requests are authenticated before strawberry sees them: without a valid Bearer token
the answer is HTTP 401 with a GraphQL error (`extensions.code = UNAUTHENTICATED`) and nothing is
executed; a token claiming the reserved `platform` role gets HTTP 403 (FORBIDDEN), see
`gateway.permissions`. Opening GraphiQL in a browser needs no token. A WebSocket
(graphql-transport-ws) is authenticated by the `Authorization` entry of its connection_init
payload; a bad or reserved-role token is refused.
Before strawberry sees an HTTP request its body is read within the size limit and its optional
`X-Request-Timeout-Ms` is checked; the operation is cancelled if the client disconnects
(`gateway.http_limits`).

The common request, a JSON POST of one operation without a streaming `Accept`, is answered here:
decode, build the context, `schema.execute`, encode, two ASGI messages. strawberry's view would do
the same through request adapters, a sub-response and a protocol check (`isinstance` against a
runtime Protocol) that together cost a trivial query about a quarter of its time. Everything else
(GET, GraphiQL, batches, malformed bodies, multipart and SSE streams) goes to strawberry unchanged,
which also gives the same 400 answers for bad requests. On this path `info.context.response` is
None: no resolver sets response headers or status.
"""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData, process_result
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from gateway.auth import AuthError, authenticator_for
from gateway.context import CLIENT_TIMEOUT_KEY, GatewayContext, Services
from gateway.errors import FORBIDDEN, UNAUTHENTICATED
from gateway.http_limits import (
    CLIENT_TIMEOUT_HEADER,
    BodyTooLarge,
    Handler,
    bad_timeout_header,
    body_not_utf8,
    client_timeout_seconds,
    payload_too_large,
    read_body,
    run_until_disconnect,
)
from gateway.permissions import reserved_role_refusal
from gateway.token_cache import VerifiedTokens

PRINCIPAL_KEY = "crm_principal"
POST_OPERATIONS = OperationType.from_http("POST")
MAX_REMEMBERED_ACCEPTS = 64
# strawberry encodes with `json.dumps(data, separators=...)`, which builds an encoder per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_JSON_HEADERS = [(b"content-type", b"application/json")]


def unauthenticated_response(message: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": UNAUTHENTICATED}}]}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="crm"'})


def forbidden_response(message: str) -> Response:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": FORBIDDEN}}]}
    return JSONResponse(body, status_code=403)


def _wants_graphiql(scope: Scope, headers: Headers) -> bool:
    if scope["method"] != "GET":
        return False
    accept = headers.get("accept", "")
    return "query" not in Request(scope).query_params and ("text/html" in accept or "*/*" in accept)


def plain_request(data: Any) -> GraphQLRequestData | None:
    """One operation with well-typed fields, as strawberry would read it; None for anything else."""
    if not (
        isinstance(data, dict)
        and isinstance(data.get("query"), (str, type(None)))
        and isinstance(data.get("variables"), (dict, type(None)))
        and isinstance(data.get("extensions"), (dict, type(None)))
    ):
        return None
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
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
        self._verified = VerifiedTokens()
        self._accept_streams: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if not _wants_graphiql(scope, headers):
                services: Services = scope["state"]["services"]
                settings = services.settings
                try:
                    principal = await self._verified.principal(
                        headers.get("authorization", ""),
                        lambda: authenticator_for(settings).principal_from_headers(headers),
                    )
                except AuthError as err:
                    services.metrics.errors.labels(UNAUTHENTICATED).inc()
                    await unauthenticated_response(str(err))(scope, receive, send)
                    return
                if refusal := reserved_role_refusal(principal):
                    services.metrics.errors.labels(FORBIDDEN).inc()
                    await forbidden_response(refusal)(scope, receive, send)
                    return
                scope["state"][PRINCIPAL_KEY] = principal
                await self._serve_http(services, scope, headers, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve_http(
        self, services: Services, scope: Scope, headers: Headers, receive: Receive, send: Send
    ) -> None:
        """Body within the limit, client timeout checked, then the operation, cancelled on disconnect."""
        try:
            scope["state"][CLIENT_TIMEOUT_KEY] = client_timeout_seconds(headers)
        except ValueError:
            await bad_timeout_header(headers.get(CLIENT_TIMEOUT_HEADER))(scope, receive, send)
            return
        limit = services.settings.max_body_bytes
        try:
            body = await read_body(scope, receive, limit=limit, headers=headers)
        except BodyTooLarge:
            services.metrics.errors.labels("PAYLOAD_TOO_LARGE").inc()
            await payload_too_large(limit)(scope, receive, send)
            return
        if body is None:
            return  # the client left while sending
        handler: Handler
        if self._is_plain_post(scope, headers):
            handler = functools.partial(self._answer_plain_post, body)
        else:
            handler = super().__call__
        if await run_until_disconnect(handler, scope, body, receive, send):
            services.metrics.disconnects.inc()

    def _is_plain_post(self, scope: Scope, headers: Headers) -> bool:
        """A JSON POST whose client does not ask for a stream (multipart or SSE)."""
        if scope["method"] != "POST":
            return False
        if headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
            return False
        accept = headers.get("accept", "")
        streams = self._accept_streams.get(accept)
        if streams is None:  # clients send few distinct Accept values: remember the answer
            streams = self._get_stream_transport_from_headers({"accept": accept}) is not None
            if len(self._accept_streams) < MAX_REMEMBERED_ACCEPTS:
                self._accept_streams[accept] = streams
        return not streams

    async def _answer_plain_post(self, body: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        """Execute one JSON operation and answer as strawberry would; anything unusual goes to it."""
        try:
            request_data = plain_request(self.decode_json(body))
        except UnicodeDecodeError:
            await body_not_utf8()(scope, receive, send)
            return
        except ValueError:
            request_data = None
        if request_data is None:  # malformed JSON, a batch, wrong types: strawberry answers 400
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        context = await self.get_context(request, None)
        try:
            result = await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=POST_OPERATIONS,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as e:
            await PlainTextResponse(e.as_http_error_reason(), status_code=400)(scope, receive, send)
            return
        except InvalidOperationTypeError as e:
            await PlainTextResponse(e.as_http_error_reason("POST"), status_code=400)(scope, receive, send)
            return
        except MissingQueryError:
            await PlainTextResponse("No GraphQL query found in the request", status_code=400)(
                scope, receive, send
            )
            return
        if not isinstance(result, ExecutionResult):  # incremental delivery: not enabled, but be safe
            await super().__call__(scope, receive, send)
            return
        payload = self.encode_json(process_result(result))
        data = payload.encode() if isinstance(payload, str) else payload
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})

    def encode_json(self, data: object) -> str:
        """The same compact JSON as strawberry's, from one encoder built once."""
        return _ENCODER.encode(data)

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
