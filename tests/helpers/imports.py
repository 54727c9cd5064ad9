"""Steps of the import as a browser takes them (upload a file, map its columns), for the
import tests and tests/time_imports.py."""

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


def upload(browser, content: bytes, name="clients.csv"):
    # The body is encoded here, in memory: the test client would spool a large one to a
    # temporary file that it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": browser.token, "file": FileStorage(io.BytesIO(content), name)}
    )
    return browser.client.post(
        "/clients/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def map_columns(browser, import_id, targets, encoding="utf-8", delimiter=","):
    data = {f"column_{index}": target for index, target in enumerate(targets)}
    data |= {"encoding": encoding, "delimiter": delimiter}
    return browser.post(f"/clients/import/{import_id}/columns", data)
