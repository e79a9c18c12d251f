"""A URL resolver whose routes are imported on first use (the REST API: django-ninja,
pydantic and every schema, ~25 MB a process; docs/benchmarks.md, "Memory").

Given a module path, Django's URLResolver already imports it lazily, but the first
`reverse()` anywhere (every page's `{% url %}`) populates the whole tree, sub-resolvers
included. A namespaced sub-resolver contributes only its namespace to its parent, so this
one skips that pre-population and loads its routes when something actually needs them: a
request under its prefix, or a reverse in its namespace."""

from __future__ import annotations

from typing import Any

from django.urls import URLResolver


class LazyURLResolver(URLResolver):
    """Use with `app_name` and `namespace` (the parent must not need its routes)."""

    _deferred = True

    def _populate(self) -> None:
        if self._deferred:
            return  # the parent is populating: it reads only our namespace
        super()._populate()

    def _load(self) -> None:
        if self._deferred:
            self._deferred = False
            self._populated = False

    def resolve(self, path: str) -> Any:
        self._load()
        return super().resolve(path)

    def _reverse_with_prefix(self, *args: Any, **kwargs: Any) -> str:
        self._load()
        # Not in django-stubs' URLResolver, but what reverse() calls (Django 5.2).
        return super()._reverse_with_prefix(*args, **kwargs)  # type: ignore[misc]

    def _is_callback(self, name: str) -> bool:
        self._load()
        return super()._is_callback(name)

    @property
    def reverse_dict(self) -> Any:
        self._load()
        return super().reverse_dict

    @property
    def namespace_dict(self) -> Any:
        self._load()
        return super().namespace_dict

    @property
    def app_dict(self) -> Any:
        self._load()
        return super().app_dict
