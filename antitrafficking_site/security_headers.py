"""Security headers on every response, and no redirect that leaves the site.

* nosniff, no framing, a referrer policy and a content-security policy that
  Datasette's pages, the cluster map and the entity pages work with;
* Datasette 0.65.5 answers `/\\example.com/` with `Location: /\\example.com`,
  which browsers follow to example.com (simonw/datasette#2680): a path
  starting `//` or `/\\` answers 404, and so does any redirect whose
  Location a browser would read as another host.
"""

import re
from urllib.parse import urlsplit

from datasette import hookimpl

from .responses import answer

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    # Datasette's pages, the map and the event page use inline <script> blocks.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    # Map tiles (datasette-cluster-map, the event page) come from OpenStreetMap.
    "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def offsite(location, host):
    """True if a browser following `location` from `host` could leave the site
    (it drops tabs and newlines, trims C0 controls and spaces, reads \\ as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(_C0_AND_SPACE).replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return True
    if parts.scheme or parts.netloc or cleaned.startswith("//"):
        return not (parts.scheme in ("http", "https") and host and parts.netloc.lower() == host.lower())
    return False


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hardened(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            raw_path = scope.get("raw_path") or b""
            if path[:2] in ("//", "/\\") or raw_path[:2] in (b"//", b"/\\"):
                # Datasette would redirect to a path that browsers read as another host.
                return await answer(send, 404, "Not found", headers=SECURITY_HEADERS)
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"host"), "")
            replaced = False

            async def guarded_send(message):
                nonlocal replaced
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    location = next((v for k, v in headers if k.lower() == b"location"), None)
                    if 300 <= message["status"] < 400 and location is not None and offsite(location.decode("latin-1"), host):
                        replaced = True
                        return await answer(send, 404, "Not found", headers=SECURITY_HEADERS)
                    present = {k.lower() for k, _ in headers}
                    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                    message = dict(message, headers=headers)
                elif replaced:
                    return  # the body of the redirect answered 404 instead
                await send(message)

            await app(scope, receive, guarded_send)
        return hardened
    return wrap
