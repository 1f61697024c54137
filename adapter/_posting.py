"""How a platform call is posted: through ``httpx.Client.post``, or straight through the adapter's own
transport when the adapter built the client and httpx would add nothing to the request.

Both ways give the same ``Answer`` (status, header fields, decoded body), which is all
``PlatformClient`` reads, and raise the same httpx exceptions, which ``PlatformClient._attempt``
classifies at one place. The direct way writes the very bytes ``httpx.Client.post`` would (its
Host, default headers in its order, the call's headers, Content-Length) and reads the answer with
the code ``Http11Transport.handle_request`` uses, skipping httpx's request and response models,
its cookie jar and its auth/redirect/hook machinery: about half of the Python calls of a platform
call (issue #18).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Protocol

import httpx

from ._transport import Answer, Http11Transport, Target, default_transport

__all__ = ["ClientPoster", "DirectPoster", "Poster", "build_poster"]

# The methods httpx.Client.post goes through to reach the transport, and the transport's
# handle_request: what the direct way stands in for. A test double that replaces any of them must see
# every request (respx.mock(using="httpx") replaces _transport_for_url, vcrpy _send_single_request, a
# HIS's test may patch post or send), so while one is replaced, requests go through Client.post.
_CLIENT_WAY = (
    "post",
    "request",
    "build_request",
    "send",
    "_send_handling_auth",
    "_send_handling_redirects",
    "_send_single_request",
    "_transport_for_url",
)
_read_client_way = attrgetter(*_CLIENT_WAY)  # one C call for the lot: this is read on every call
_ORIGINALS = (_read_client_way(httpx.Client), Http11Transport.handle_request)


def _defined_by_its_owner(owner: type, function: object) -> bool:
    """Whether ``function`` is code from the file that defines the owner's ``__init__``, not a double put
    in its place before this module was first imported (a wrapper copying its name and module too).
    Not ``owner.__module__``'s file: httpx gives its public classes the module name ``httpx``."""
    code = getattr(function, "__code__", None)
    home = getattr(vars(owner).get("__init__"), "__code__", None)
    return code is not None and home is not None and code.co_filename == home.co_filename


# Taken under a double (this module imported while respx or a patch was active), the originals are
# not known: the direct way is then never taken.
_ORIGINALS_KNOWN = all(
    _defined_by_its_owner(httpx.Client, function) for function in _ORIGINALS[0]
) and _defined_by_its_owner(Http11Transport, _ORIGINALS[1])
_MAX_TARGETS = 256
# Answer fields httpx.Client acts on before it hands an answer back.
_READ_BY_HTTPX = frozenset((b"set-cookie", b"location", b"content-encoding"))


class Poster(Protocol):
    """Posts one request and reads its whole answer; raises httpx's exceptions."""

    def post(self, url: httpx.URL, body: bytes, headers: dict[str, str]) -> Answer: ...

    def close(self) -> None: ...


def build_poster(
    timeout: httpx.Timeout,
    *,
    http_client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Poster, httpx.Client]:
    """The poster for a ``PlatformClient``, and the httpx client under it.

    A host's client or transport is always posted to through ``Client.post``, so its headers, auth,
    hooks, mounts, cookies and timeouts apply. Only a client the adapter builds itself over its own
    ``Http11Transport`` (``default_transport()``: no proxy named) is posted to directly.
    """
    if http_client is not None:
        return ClientPoster(http_client, owned=False), http_client
    if transport is not None:
        client = httpx.Client(transport=transport, timeout=timeout)
        return ClientPoster(client, owned=True), client
    own = default_transport()
    client = httpx.Client(transport=own, timeout=timeout)
    if isinstance(own, Http11Transport):
        return DirectPoster(client, own), client
    return ClientPoster(client, owned=True), client


class ClientPoster:
    """Through ``httpx.Client.post``: everything the client was configured with applies."""

    def __init__(self, client: httpx.Client, *, owned: bool) -> None:
        self._client = client
        self._owned = owned

    def post(self, url: httpx.URL, body: bytes, headers: dict[str, str]) -> Answer:
        response = self._client.post(url, content=body, headers=headers)
        return Answer(response.status_code, response.headers.raw, response.content)

    def close(self) -> None:
        if self._owned:
            self._client.close()


class DirectPoster:
    """Straight through ``Http11Transport.post``, for a client the adapter built over that transport.

    Such a client has no auth, hooks, mounts, base URL or redirects to follow; what it would still add
    is known: its Host, its default headers and the body's Content-Length, written here in httpx's
    order. Whenever httpx would do more, the request goes through ``Client.post`` instead, so its
    behaviour is kept exactly: while the client's jar holds a cookie (an answer set it; httpx sends
    it back), for a URL with credentials (httpx's basic auth), a call header that would
    replace one of the client's or is not ASCII, an empty body, a URL without a host (httpx takes it
    for a relative one), a closed client (httpx refuses it), and while a test double replaces a
    method on ``Client.post``'s way to the transport. An answer with cookies, a Location or a
    Content-Encoding is read as httpx.Client reads it.
    """

    def __init__(self, client: httpx.Client, transport: Http11Transport) -> None:
        self._client = client
        self._transport = transport
        self._timeouts = client.timeout.as_dict()
        self._defaults = client.headers.raw
        self._reserved = {name.lower() for name, _ in self._defaults} | {
            b"host",
            b"content-length",
            b"transfer-encoding",
        }
        self._via_client = ClientPoster(client, owned=True)
        # Each URL taken apart once, keyed by identity (the URL is kept, so its id is not reused):
        # PlatformClient passes one URL object per transaction.
        self._targets: dict[int, tuple[httpx.URL, tuple[Target, bytes] | None]] = {}

    def post(self, url: httpx.URL, body: bytes, headers: dict[str, str]) -> Answer:
        route = self._route(url)
        fields = None if route is None or not self._direct() else self._fields(route[1], body, headers)
        if route is None or fields is None:
            return self._via_client.post(url, body, headers)
        answer = self._transport.post(route[0], fields, body, self._timeouts)
        if any(name.lower() in _READ_BY_HTTPX for name, _ in answer.headers):
            return self._read_as_httpx(url, fields, body, answer)
        return answer

    def close(self) -> None:
        self._via_client.close()

    def _direct(self) -> bool:
        return (
            # The jar itself, not a note of the answers read here: a call that went through
            # Client.post may have filled it too. httpx adds a Cookie field whenever it holds one.
            not self._client.cookies
            and not self._client.is_closed
            and _ORIGINALS_KNOWN
            and (_read_client_way(httpx.Client), Http11Transport.handle_request) == _ORIGINALS
        )

    def _route(self, url: httpx.URL) -> tuple[Target, bytes] | None:
        known = self._targets.get(id(url))
        if known is not None and known[0] is url:
            return known[1]
        # None: httpx would add basic auth (credentials in the URL), or take the URL for a relative one
        # (no host) and join it to its base URL.
        route = None if url.userinfo or not url.is_absolute_url else (Target.of(url), url.netloc)
        if len(self._targets) >= _MAX_TARGETS:  # a caller making a new URL object per call
            self._targets.clear()
        self._targets[id(url)] = (url, route)
        return route

    def _fields(
        self, netloc: bytes, body: bytes, headers: dict[str, str]
    ) -> list[tuple[bytes, bytes]] | None:
        """The header fields httpx.Client.post would write, or None where it would do more than this."""
        if not body:
            return None
        fields = [(b"Host", netloc), *self._defaults]
        try:
            for name, value in headers.items():
                raw = name.encode("ascii")
                if raw.lower() in self._reserved:
                    return None
                fields.append((raw, value.encode("ascii")))
        except UnicodeEncodeError:
            return None
        fields.append((b"Content-Length", b"%d" % len(body)))
        return fields

    def _read_as_httpx(
        self, url: httpx.URL, fields: list[tuple[bytes, bytes]], body: bytes, answer: Answer
    ) -> Answer:
        """What httpx.Client does with an answer before handing it back, in its order: its cookies go to
        the client's jar (even when the body then fails to decode), a redirect's Location is read
        though not followed (one httpx cannot parse is a RemoteProtocolError: no answer), and the
        body's Content-Encoding is undone (a DecodingError if it does not decode)."""
        request = httpx.Request("POST", url, headers=fields, content=body)
        response = httpx.Response(
            answer.status, headers=answer.headers, stream=httpx.ByteStream(answer.content), request=request
        )
        if response.headers.get_list("set-cookie"):
            self._client.cookies.extract_cookies(response)
        if response.has_redirect_location:
            self._client._build_redirect_request(request, response)
        return Answer(answer.status, answer.headers, response.read())
