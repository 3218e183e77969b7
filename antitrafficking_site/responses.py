"""The short answers the site's ASGI wrappers give instead of Datasette's page."""

import json


async def answer(send, status, message, as_json=False, headers=()):
    """Send `message` with `status`: as Datasette's JSON error shape for a .json
    path (`as_json`), as plain text otherwise."""
    if as_json:
        body = json.dumps({"ok": False, "error": message, "status": status, "title": None}).encode()
        content_type = b"application/json; charset=utf-8"
    else:
        body = (message + "\n").encode()
        content_type = b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})
