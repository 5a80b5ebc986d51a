"""Domain errors, raised by pure logic and mapped once to gRPC statuses with structured details.

Domain modules raise these; the gRPC interceptor in `common.grpc_server` turns them into a status
whose details (google.rpc.BadRequest / ErrorInfo) name the offending field or resource, and the
gateway maps that status to a GraphQL `extensions.code`.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

ERROR_DOMAIN = "crm"


class DomainError(Exception):
    """Base class: a request that cannot be served as asked. Subclasses pick the status code."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    reason = "ERROR"
    # False: the request itself is at fault and will fail the same way again (consumers dead-letter it).
    retryable = False

    def __init__(self, message: str, *, field: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.metadata = dict(metadata or {})

    def to_status(self) -> status_pb2.Status:
        """The google.rpc.Status carrying this error's code, message and details."""
        details: list[any_pb2.Any] = []
        if self.field:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=self.field, description=self.message)
                ]
            )
            packed = any_pb2.Any()
            packed.Pack(bad)
            details.append(packed)
        info = any_pb2.Any()
        info.Pack(
            error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata)
        )
        details.append(info)
        return status_pb2.Status(
            code=getattr(code_pb2, self.code.name), message=self.message, details=details
        )


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND
    reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS
    reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "FAILED_PRECONDITION"


class Contended(DomainError):
    """Concurrent writers kept changing the same record under every attempt; the same request may be
    retried as it is (optimistic concurrency gave up, nothing was written)."""

    code = grpc.StatusCode.ABORTED
    reason = "CONTENDED"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class Unavailable(DomainError):
    """A peer this request depends on did not answer: nothing was done, and trying again may work.

    Unlike other domain errors it is `retryable`: a consumer naks it with back-off instead of
    dead-lettering, because the message is not at fault."""

    code = grpc.StatusCode.UNAVAILABLE
    reason = "UNAVAILABLE"
    retryable = True
