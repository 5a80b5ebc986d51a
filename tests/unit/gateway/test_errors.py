"""Mapping of backend gRPC statuses to GraphQL `extensions.code`, and the masking of surprises."""

from __future__ import annotations

import grpc
from graphql import GraphQLError
from grpc_status import rpc_status

from common.errors import AlreadyExists, Contended, DomainError, InvalidArgument, NotFound, PermissionDenied
from gateway.errors import from_rpc_error
from gateway.observability import classify_errors


def rpc_error(error: DomainError) -> grpc.aio.AioRpcError:
    """The error a client sees when a service raises `error` (same status and details)."""
    status = rpc_status.to_status(error.to_status())
    return grpc.aio.AioRpcError(
        status.code, grpc.aio.Metadata(), grpc.aio.Metadata(*status.trailing_metadata), details=status.details
    )


def bare_error(code: grpc.StatusCode, details: str = "boom") -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


def test_invalid_argument_is_bad_user_input_with_the_offending_field() -> None:
    err = from_rpc_error(
        rpc_error(InvalidArgument("unknown tag key", field="tags[0].tag_key")), service="tags"
    )
    assert err.extensions == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "tags[0].tag_key", "message": "unknown tag key"}],
    }
    assert err.message == "unknown tag key"


def test_not_found_is_not_found() -> None:
    assert from_rpc_error(rpc_error(NotFound("no such customer")), service="leads").code == "NOT_FOUND"


def test_already_exists_is_conflict_naming_the_existing_customer() -> None:
    duplicate = AlreadyExists("email taken", metadata={"customer_id": "cus_01J0000000000000000000000A"})
    err = from_rpc_error(rpc_error(duplicate), service="leads")
    assert err.extensions == {"code": "CONFLICT", "existingCustomerId": "cus_01J0000000000000000000000A"}


def test_permission_denied_is_forbidden() -> None:
    assert from_rpc_error(rpc_error(PermissionDenied("sales only")), service="tags").code == "FORBIDDEN"


def test_unauthenticated_is_unauthenticated() -> None:
    assert (
        from_rpc_error(bare_error(grpc.StatusCode.UNAUTHENTICATED), service="tags").code == "UNAUTHENTICATED"
    )


def test_unavailable_and_deadline_name_the_service() -> None:
    for code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        err = from_rpc_error(bare_error(code), service="intent")
        assert err.extensions == {"code": "SERVICE_UNAVAILABLE", "service": "intent"}


def test_other_failures_are_internal_with_a_generic_message() -> None:
    err = from_rpc_error(bare_error(grpc.StatusCode.INTERNAL, "Traceback: KeyError 'x'"), service="journey")
    assert err.extensions == {"code": "INTERNAL"}
    assert "Traceback" not in err.message


def test_unexpected_resolver_exception_is_masked_as_internal() -> None:
    located = GraphQLError(
        "KeyError: 'secret detail'", path=["customer"], original_error=KeyError("secret detail")
    )
    [masked] = classify_errors([located])
    assert masked.message == "internal error"
    assert masked.extensions == {"code": "INTERNAL"}
    assert masked.path == ["customer"]


def test_errors_without_a_code_are_labelled_as_validation_or_parse_failures() -> None:
    parse, validation = classify_errors(
        [GraphQLError("Syntax Error: Unexpected Name 'x'."), GraphQLError("Cannot query field 'x'.")]
    )
    assert parse.extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    assert validation.extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}


def test_contention_is_a_retryable_conflict() -> None:
    err = from_rpc_error(
        rpc_error(Contended("the tags of customer cus_1 kept changing; try again")), service="tags"
    )
    assert err.extensions == {"code": "CONFLICT", "retryable": True}
    assert "try again" in err.message
