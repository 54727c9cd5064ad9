"""A request body that cannot be read is the client's error (400), whatever server runs us."""

from werkzeug.exceptions import BadRequest, HTTPException


class UnreadableBody(BadRequest):
    description = "The request body could not be read."


class _GuardedInput:
    """environ["wsgi.input"], with the server's own reading errors turned into a 400.

    A malformed chunked body fails inside the server's reader, while the app parses the
    form: gunicorn raises its parse errors (InvalidChunkSize, ChunkMissingTerminator,
    ...), the development server an OSError. Werkzeug turns only some of them into a
    400, and only when a size limit wraps the stream; the rest were 500s."""

    def __init__(self, stream):
        self._stream = stream

    def read(self, *args):
        return self._guard(self._stream.read, *args)

    def readline(self, *args):
        return self._guard(self._stream.readline, *args)

    def readlines(self, *args):
        return self._guard(self._stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")

    @staticmethod
    def _guard(method, *args):
        try:
            return method(*args)
        except HTTPException:
            raise
        except Exception as error:
            raise UnreadableBody() from error


def guard_request_body(wsgi_app):
    """WSGI middleware: the app reads its body through _GuardedInput."""

    def guarded(environ, start_response):
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = _GuardedInput(stream)
        return wsgi_app(environ, start_response)

    return guarded
