"""The gateway's `DateTime` scalar: every time it returns reads like the times in our events and docs.

Strawberry's built-in `DateTime` serialises with `datetime.isoformat()`, so the gateway returned
`2026-11-27T19:18:06.123000+00:00` while the CloudEvent payloads (`common.timeutil.iso_utc`), the
documented inputs and the docs use `2026-11-27T19:18:06.123Z`. A client comparing strings or parsing
with a strict RFC 3339 formatter then saw two formats from one back end.

`SCALAR_MAP` goes into the schema's `StrawberryConfig.scalar_map`, so the rule is made once for every
field, argument and subscription payload rather than per field. Only the output changes:
- the name, the description and the input parsing are strawberry's own, so the SDL does not change
  (federation composers and existing clients depend on it) and inputs accept exactly what they did
  (`Z` or an offset; a time without an offset is parsed as naive and each input decides what that
  means, e.g. `to_timestamp` takes it as UTC and `startedAt` refuses it);
- output is UTC with millisecond precision and a `Z`: aware datetimes are converted to UTC, naive
  ones are taken as UTC (as `common.timeutil.as_utc` does everywhere else).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from common.timeutil import iso_utc


def serialize_datetime(value: object) -> str:
    """A resolver's datetime as ISO-8601 UTC with milliseconds and `Z` (what `iso_utc` gives events)."""
    if not isinstance(value, datetime):
        # A resolver bug, not the client's: graphql-core reports it at the field's path.
        raise TypeError(f"DateTime cannot represent {type(value).__name__} {value!r}")
    return iso_utc(value)


DATETIME: ScalarDefinition = replace(DateTimeDefinition, serialize=serialize_datetime)
SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME}
