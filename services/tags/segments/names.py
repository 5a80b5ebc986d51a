"""How a segment text names tags: by key or by display name, keys first, with suggestions for typos.

A name is looked up as a key first, then as a display name: a tag whose display name happens to
equal another tag's key is reached through its own key (or a different spelling), never silently
swapped. A display name shared by several tags names none of them (`AmbiguousName`): the text must
use a key. An enum tag's *value* alone (`high` for `intent.level = high`) is never a tag reference
— values repeat across tags and would change meaning when a tag is added — but an unknown name that
is such a value gets the suggestion `intent.level = high`.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.tags.model import TagDef


class AmbiguousName(LookupError):
    """A display name that several tags share; `keys` are theirs."""

    def __init__(self, name: str, keys: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.keys = keys


class TagNames:
    """A tenant's library as the segment text sees it (build it per request from the definitions)."""

    def __init__(self, definitions: Iterable[TagDef]) -> None:
        self.by_key: dict[str, TagDef] = {d.key: d for d in definitions}
        by_name: dict[str, list[str]] = {}
        for definition in self.by_key.values():
            by_name.setdefault(definition.display_name, []).append(definition.key)
        self._by_name = {name: tuple(sorted(keys)) for name, keys in by_name.items()}

    def resolve(self, name: str) -> TagDef | None:
        """The tag `name` refers to: a key first, then a display name; raises AmbiguousName."""
        if name in self.by_key:
            return self.by_key[name]
        keys = self._by_name.get(name, ())
        if len(keys) > 1:
            raise AmbiguousName(name, keys)
        return self.by_key[keys[0]] if keys else None

    def suggest(self, name: str, *, limit: int = 3) -> list[str]:
        """Likely meant names: close keys and display names (edit distance), and `tag = value`
        for a name that is an allowed value of an enum tag."""
        folded = name.casefold()
        budget = max(1, len(name) // 3)
        scored: list[tuple[int, str]] = []
        for candidate in {*self.by_key, *self._by_name}:
            distance = 0 if candidate.casefold() == folded else edit_distance(folded, candidate.casefold())
            if distance <= budget:
                scored.append((distance, candidate))
        found = [candidate for _, candidate in sorted(scored)][:limit]
        for definition in sorted(self.by_key.values(), key=lambda d: d.key):
            if definition.value_type == "enum" and name in definition.allowed_values:
                found.append(f"{definition.key} = {name}")
        return found[: limit + 2]

    def display_names(self) -> dict[str, str]:
        """key → display name, for `to_text(node, names)` (the printer falls back to keys where a
        display name would not read back as the same tag)."""
        return {key: d.display_name for key, d in self.by_key.items()}

    def value_types(self) -> dict[str, str]:
        """key → value type, so the printer writes date bounds as dates."""
        return {key: d.value_type for key, d in self.by_key.items()}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute), O(len(a)·len(b)); names are short."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
