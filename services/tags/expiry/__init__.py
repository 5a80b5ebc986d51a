"""Tag expiry on the common scheduler: `planning` (pure rules), `timers` (handler, sweep); docs/tag-expiry.md."""
