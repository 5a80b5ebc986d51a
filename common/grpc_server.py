"""gRPC aio server bootstrap shared by every service.

One interceptor does the cross-cutting work for every RPC: checks the internal token, requires a
valid tenant, checks the caller's roles against `common.roles.RPC_ROLES`, publishes the CallContext
to the handler, and maps DomainError to a rich status.
Standard health checking and reflection are served from the stock implementations and need no token,
so Kubernetes probes and grpcurl work.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry.instrumentation.grpc import aio_server_interceptor

from common.context import TOKEN_KEY, CallContext, set_current_call
from common.errors import DomainError, InvalidArgument, Unauthenticated
from common.ids import is_valid_tenant
from common.roles import require_rpc_roles

log = logging.getLogger(__name__)
_OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class CallContextInterceptor(grpc.aio.ServerInterceptor):
    """Authenticates peers, scopes the call to a tenant, and maps domain errors to statuses."""

    def __init__(self, internal_token: str) -> None:
        self._token = internal_token.encode()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(_OPEN_PREFIXES) or handler.unary_unary is None:
            return handler
        metadata = tuple(handler_call_details.invocation_metadata or ())
        inner = handler.unary_unary
        token = self._token

        async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                presented = dict(metadata).get(TOKEN_KEY, "")
                presented_bytes = presented.encode() if isinstance(presented, str) else presented
                if not hmac.compare_digest(presented_bytes, token):
                    raise Unauthenticated("missing or wrong internal token")
                call = CallContext.from_metadata(metadata)
                if not is_valid_tenant(call.tenant):
                    raise InvalidArgument(
                        "x-tenant-id metadata is missing or not a tenant slug", field="tenant"
                    )
                set_current_call(call)
                # Roles per RPC (common.roles.RPC_ROLES), before the servicer reads anything.
                require_rpc_roles(method, call)
                return await inner(request, context)
            except DomainError as err:
                await context.abort_with_status(rpc_status.to_status(err.to_status()))
            except grpc.aio.AbortError:
                raise
            except Exception:
                log.exception("unhandled error in %s", method)
                await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the service log")

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


Registration = tuple[Callable[[Any, grpc.aio.Server], None], Any]


async def start_grpc_server(
    *,
    host: str,
    port: int,
    internal_token: str,
    registrations: Sequence[Registration],
    service_names: Sequence[str],
) -> tuple[grpc.aio.Server, int, health.aio.HealthServicer]:
    """Start a server with our servicers plus health and reflection; returns it with its bound port.

    Port 0 binds a free port (tests). Health reports SERVING for the overall server and each service.
    """
    server = grpc.aio.server(
        interceptors=[aio_server_interceptor(), CallContextInterceptor(internal_token)],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    for add, servicer in registrations:
        add(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound, health_servicer
