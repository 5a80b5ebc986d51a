"""Segments: boolean tag expressions, their text form, and their evaluation on the Roaring index.

- `expression.py` — the tree (and / or / not over tag predicates), the contract every part shares.
- `index.py` — what the index answers (`TagIndex`), the contract between the index and its users.
"""
