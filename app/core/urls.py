"""url_for for templates, without werkzeug's URL building on every call.

A profile page links to about twenty URLs, nearly all "this endpoint for this client
id", and werkzeug's builder is a noticeable share of a page drawn from cached data (the
figures are in bench/RESULTS.md's history). The shape of a URL whose values are all
ids does not depend on the ids, so it is built once per endpoint with stand-in ids, and
later calls only put the real ids into that shape. Only Flask's public API is used.
Static file URLs are remembered whole. Anything else (text values, _external,
_anchor...) goes to Flask's url_for unchanged.

ClientUrls gives the profile's templates one client's own pages as attributes
(`urls.edit`), which a template reads far more cheaply than it calls a function.
"""

from flask import current_app, has_request_context, request, url_for

from app.core.paths import MAX_ID

# Stand-in ids: valid for every id converter, and long enough never to occur by chance in
# the rest of a URL (each must appear exactly once, or the shape is not used).
_STAND_INS = tuple(MAX_ID - 97 * n for n in range(1, 6))
_NO_SHAPE = None
_EXTENSION = "clientele.url_shapes"


def _ids_only(values: dict) -> bool:
    if len(values) > len(_STAND_INS):
        return False
    for name, value in values.items():
        if type(value) is not int or not 0 < value <= MAX_ID or name.startswith("_"):
            return False
    return True


def _shape(endpoint: str, names: tuple[str, ...]):
    """((text, id name), ..., (last text, None)), or _NO_SHAPE."""
    rest = url_for(endpoint, **dict(zip(names, _STAND_INS, strict=False)))
    pieces = []
    for name, stand_in in zip(names, _STAND_INS, strict=False):
        split = rest.split(str(stand_in))
        if len(split) != 2:
            return _NO_SHAPE
        pieces.append((split[0], name))
        rest = split[1]
    pieces.append((rest, None))
    return tuple(pieces)


def _fill(shape, values: dict) -> str:
    if len(shape) == 2:  # one id, as most links have
        (text, name), (rest, _) = shape
        return f"{text}{values[name]}{rest}"
    return "".join(text if name is None else text + str(values[name]) for text, name in shape)


def template_url_for(endpoint: str, **values) -> str:
    """url_for(endpoint, **values), the same string, built from a remembered shape."""
    if not has_request_context():
        return url_for(endpoint, **values)
    cache = current_app.extensions.setdefault(_EXTENSION, {})
    script_root = request.script_root
    if endpoint == "static" and values.keys() == {"filename"}:
        key = (script_root, endpoint, values["filename"])
        if key not in cache:
            cache[key] = url_for(endpoint, **values)
        return cache[key]
    if not _ids_only(values):
        return url_for(endpoint, **values)
    names = tuple(sorted(values)) if len(values) > 1 else tuple(values)
    key = (script_root, endpoint, names)
    if key not in cache:
        cache[key] = _shape(endpoint, names)
    shape = cache[key]
    if shape is _NO_SHAPE:
        return url_for(endpoint, **values)
    return _fill(shape, values)


class ClientUrls:
    """One client's pages: `urls.edit` is url_for("clients.edit", client_id=...), and
    `urls["clients.show"]` the same for any endpoint that takes only the client's id."""

    __slots__ = ("client_id", "_built")

    def __init__(self, client_id: int):
        self.client_id = client_id
        self._built: dict[str, str] = {}

    def __getitem__(self, endpoint: str) -> str:
        if endpoint not in self._built:
            self._built[endpoint] = template_url_for(endpoint, client_id=self.client_id)
        return self._built[endpoint]

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[f"clients.{name}"]


def register_template_urls(app) -> None:
    app.jinja_env.globals["url_for"] = template_url_for
