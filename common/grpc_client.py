"""Client side of the peer contract: traced channels and the metadata every call carries."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from common.grpc_server import MAX_MESSAGE_BYTES


def open_channel(address: str) -> grpc.aio.Channel:
    """An insecure (mTLS is the mesh's job in the cluster) channel that propagates trace context."""
    return grpc.aio.insecure_channel(
        address,
        interceptors=aio_client_interceptors(),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )


def field_violations(err: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    """(field, description) pairs from a status's google.rpc.BadRequest detail, if any."""
    status = rpc_status.from_call(err)
    out: list[tuple[str, str]] = []
    if status is None:
        return out
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.extend((v.field, v.description) for v in bad.field_violations)
    return out


def error_metadata(err: grpc.aio.AioRpcError) -> dict[str, str]:
    """The ErrorInfo metadata of a status (e.g. the id of an existing duplicate), if any."""
    status = rpc_status.from_call(err)
    if status is None:
        return {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return dict(info.metadata)
    return {}
