"""url_for for templates, without werkzeug's URL building on every call.

A profile page links to about twenty URLs, nearly all "this endpoint for this client
id", and werkzeug's builder is a noticeable share of a page drawn from cached data (the
figures are in bench/RESULTS.md's history). The shape of a URL whose values are all
ids does not depend on the ids, so it is built once per endpoint with stand-in ids, and
later calls only put the real ids into that shape. Only Flask's public API is used.
Static file URLs are remembered whole. Anything else (text values, _external,
_anchor...) goes to Flask's url_for unchanged.

A page's templates call a builder bound to the request when the page is drawn (a
context processor), so each of a page's URLs costs no lookup of the request or the app;
macros imported without context, and Python code, use template_url_for, which looks them
up at each call. Both build the same string.

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


class BoundUrlFor:
    """url_for for one request: the app's remembered shapes and the request's script
    root, looked up once."""

    __slots__ = ("cache", "script_root")

    def __init__(self):
        # The proxies' documented _get_current_object(): an attribute read through a
        # proxy costs a caught AttributeError first (Python's __getattr__ fallback).
        self.cache = current_app._get_current_object().extensions.setdefault(_EXTENSION, {})
        self.script_root = request._get_current_object().script_root

    def __call__(self, endpoint: str, /, **values) -> str:
        return _built(self.cache, self.script_root, endpoint, values)


def template_url_for(endpoint: str, /, **values) -> str:
    """url_for(endpoint, **values), the same string, built from a remembered shape."""
    if not has_request_context():
        return url_for(endpoint, **values)
    cache = current_app._get_current_object().extensions.setdefault(_EXTENSION, {})
    return _built(cache, request._get_current_object().script_root, endpoint, values)


def _built(cache: dict, script_root: str, endpoint: str, values: dict) -> str:
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

    __slots__ = ("client_id", "_built", "_url_for")

    def __init__(self, client_id: int):
        self.client_id = client_id
        self._built: dict[str, str] = {}
        self._url_for = BoundUrlFor()

    def __getitem__(self, endpoint: str) -> str:
        if endpoint not in self._built:
            self._built[endpoint] = self._url_for(endpoint, client_id=self.client_id)
        return self._built[endpoint]

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[f"clients.{name}"]


def _bound_url_for() -> dict:
    return {"url_for": BoundUrlFor()} if has_request_context() else {}


def register_template_urls(app) -> None:
    app.jinja_env.globals["url_for"] = template_url_for
    app.context_processor(_bound_url_for)
