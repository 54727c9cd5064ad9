"""The data area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.data.merge import ProfileMergedInto

__all__ = [
    "ProfileMergedInto",
]
