"""The core every area builds on: the registries an area adds its parts to (profile
parts, timeline verbs, export and erasure steps, Settings pages), the timeline writer,
the database helpers, htmx rendering, permissions, paging, the business clock and
settings, the profile shell and the shared field validators.

The core imports no area (held by `lint-imports`, see docs/architecture.md)."""
