"""Segments: boolean tag expressions, their text form, and their evaluation on the Roaring index.

- `expression.py` — the tree (and / or / not over tag predicates), the contract every part shares.
- `index.py` — what the index answers (`TagIndex`), the contract between the index and its users.
- `parser.py` (with `lexer.py`, `conditions.py`, `names.py`, `errors.py`) — text → tree, errors with positions.
- `printer.py` — tree → canonical text (`parse(to_text(n)) == n`).
- `match.py` (with `explanation.py`) — one customer in or out, and why: the reference semantics.
- Saved segments: `saved.py` (pure rules: names, owners, who entered or left), `saved_store.py`
  (MongoDB), `catalogue.py` (each tenant's segments cached per replica), `membership.py` (judged in
  the tag write path), `operations.py` (use cases), `api.py` (SegmentsService), `codec.py` (stored
  tree), `explaining.py` (explain → proto).
"""
