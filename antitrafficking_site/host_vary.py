"""`Vary: Host` on the responses whose absolute URLs come from the Host header.

datasette-sitemap builds sitemap.xml's URLs, and the Sitemap: line it adds to
robots.txt, with Datasette's absolute_url, from the request's Host header,
unless its base_url (metadata.yml: $SITE_URL) is set. Both are cached for
default_cache_ttl, so without Vary a proxy's cache would hand a forged Host's
URLs to everyone (issue 12, point 7). With SITE_URL set they do not depend on
the Host, and nothing is added.
"""

from datasette import hookimpl

HOST_DERIVED = {"/sitemap.xml", "/robots.txt"}


def host_derived(datasette, path):
    return path in HOST_DERIVED and not (datasette.plugin_config("datasette-sitemap") or {}).get("base_url")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def vary_on_host(scope, receive, send):
            if scope["type"] != "http" or not host_derived(datasette, scope.get("path", "")):
                return await app(scope, receive, send)

            async def send_with_vary(message):
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                    varies = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
                    message = dict(message, headers=headers + [(b"vary", b", ".join(varies + [b"Host"]))])
                await send(message)

            return await app(scope, receive, send_with_vary)
        return vary_on_host
    return wrap
