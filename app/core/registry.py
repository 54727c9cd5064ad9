"""A registry: the named parts the areas add to the core (tabs, cards, verbs, export
sections ...), in the order they came.

Parts come from the areas' manifests, installed once when the first app starts
(app/core/areas.py); then every registry closes, so nothing changes what an app already
serving draws. A name is taken once: a second part of the same name is refused, not
silently put over the first. A test that needs a part of its own adds it for its own
duration only, with `temporarily()`.
"""

from collections.abc import Iterator
from contextlib import contextmanager


class RegistryClosed(RuntimeError):
    """A part added after the app started: declare it in the area's manifest instead."""


class DuplicateName(ValueError):
    """Two parts of one name: the second would hide the first."""


class Registry:
    def __init__(self, kind: str, initial: dict | None = None):
        self.kind = kind
        self._items: dict = dict(initial or {})
        self._closed = False

    def add(self, name: str, item=None):
        """Add `item` (or, for a registry of names, the name itself) under `name`."""
        if self._closed:
            raise RegistryClosed(
                f"{self.kind} {name!r} came after the app started: list it in its area's manifest"
            )
        if name in self._items:
            raise DuplicateName(f"two {self.kind}s named {name!r}")
        self._items[name] = name if item is None else item
        return item

    def replace(self, name: str, item) -> None:
        """Change a part while the areas are being installed (a filter another area adds
        verbs to): only before the registry closes."""
        if self._closed:
            raise RegistryClosed(f"{self.kind} {name!r}: the registry is closed")
        self._items[name] = item

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    @contextmanager
    def temporarily(self, name: str, item=None) -> Iterator:
        """For a test: the part is registered while the block runs, then gone."""
        closed, self._closed = self._closed, False
        try:
            self.add(name, item)
        finally:
            self._closed = closed
        try:
            yield item
        finally:
            self._items.pop(name, None)

    @contextmanager
    def temporarily_without(self, name: str) -> Iterator:
        """For a test: the part is left out while the block runs, then back in place."""
        items = dict(self._items)
        self._items.pop(name)
        try:
            yield
        finally:
            self._items = items

    # Read like the dict it wraps.
    def __getitem__(self, name: str):
        return self._items[name]

    def get(self, name: str, default=None):
        return self._items.get(name, default)

    def __contains__(self, name) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._items)!r})"
