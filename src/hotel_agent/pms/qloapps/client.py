"""The QloApps webservice transport: one authenticated request in, a decoded document or a port error out.

    httpx.TimeoutException ──────────────┐
    httpx.TransportError (connect, read) ─┼──▶ PmsUnavailableError                (operational)
    HTTP 408 / 429 / 5xx ─────────────────┘
    HTTP 401 / 403 ──────────────────────────▶ QloAppsAuthenticationError         (operational)
    HTTP 3xx (never followed) ───────────────▶ QloAppsRedirectError               (operational: config)
    HTTP 404, empty body ────────────────────▶ the caller's `not_found` error     (request)
    HTTP 400 errors[] envelope ──────────────▶ NoAvailabilityError / BookingNotFoundError /
                                               InvalidPmsRequestError             (request)
    2xx with an unreadable body ─────────────▶ PmsUnavailableError                (operational)

Every request asks for JSON output (`output_format=JSON`), the one format every resource we use speaks;
XML answers (and the XML-only `qlo` helpers) are still decoded, into the same shape (see xmlcodec).
Auth is HTTP Basic with the key as the user name and an empty password, the form QloApps prefers.
The `httpx.AsyncClient` is injected: its owner sets the timeouts, limits and transport (tests pass an
ASGI transport to the emulator). `default_timeout` and `default_limits` are what production uses.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from hotel_agent.pms.errors import PmsUnavailableError
from hotel_agent.pms.qloapps.errors import NotFoundFactory, error_for_status, redirect_error
from hotel_agent.pms.qloapps.xmlcodec import decode_xml

JSON_OUTPUT = {"output_format": "JSON"}


def default_timeout(seconds: float) -> httpx.Timeout:
    """Read/write/pool at `seconds`; connecting gets less, since a dead host should fail fast."""
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def default_limits() -> httpx.Limits:
    # A QloApps host is one PHP-FPM pool: a few dozen concurrent requests is already a lot for it.
    return httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)


def build_http_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The production client: explicit timeouts and limits, no redirects to other hosts."""
    return httpx.AsyncClient(
        timeout=default_timeout(timeout_seconds),
        limits=default_limits(),
        follow_redirects=False,
        headers={"User-Agent": "hotel-agent (QloApps adapter)"},
    )


def api_root(base_url: str) -> tuple[str, bool]:
    """`(url, dispatcher)`: `{host}/api` (URL rewriting) or `{host}/webservice/dispatcher.php`."""
    url = base_url.rstrip("/")
    if url.endswith("/webservice/dispatcher.php"):
        return url, True
    if not url.endswith("/api"):
        url += "/api"
    return url, False


def decode_body(response: httpx.Response) -> Any:
    """The JSON value of a QloApps body (XML decoded to the same shape); None when empty."""
    content = response.content
    if not content.strip():
        return None
    content_type = response.headers.get("content-type", "").lower()
    stripped = content.lstrip()
    if "json" in content_type or stripped[:1] in (b"{", b"["):
        return json.loads(content)
    if "xml" in content_type or stripped[:1] == b"<":
        try:
            return decode_xml(content)
        except ET.ParseError as exc:
            raise ValueError(f"malformed XML: {exc}") from exc
    raise ValueError(f"unexpected content type {content_type!r}")


def check_response(response: httpx.Response, *, what: str, not_found: NotFoundFactory | None = None) -> Any:
    """The decoded body of a 2xx answer; otherwise raise the mapped port error."""
    if 300 <= response.status_code < 400:
        raise redirect_error(
            response.status_code, str(response.request.url), response.headers.get("location"), what=what
        )
    try:
        document = decode_body(response)
        readable = True
    except ValueError:
        document, readable = None, False
    if response.is_success:
        if not readable:
            raise PmsUnavailableError(
                f"QloApps answered {what} with an unreadable body", status=response.status_code
            )
        return document
    raise error_for_status(
        response.status_code,
        document,
        what=what,
        empty_body=not response.content.strip(),
        not_found=not_found,
    )


class QloAppsClient:
    """Authenticated requests against one QloApps webservice."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str) -> None:
        if not api_key:
            raise ValueError("a QloApps webservice key is required")
        self._http = http
        self._root, self._dispatcher = api_root(base_url)
        self._auth = httpx.BasicAuth(api_key, "")

    def url_for(self, resource: str) -> tuple[str, dict[str, str]]:
        """The URL and extra query parameters addressing `resource` (e.g. `bookings/12`)."""
        if self._dispatcher:
            return self._root, {"url": resource}
        return f"{self._root}/{resource}" if resource else f"{self._root}/", {}

    async def request(
        self,
        method: str,
        resource: str,
        *,
        params: dict[str, str] | None = None,
        content: str | None = None,
        json_output: bool = True,
        not_found: NotFoundFactory | None = None,
    ) -> Any:
        url, routing = self.url_for(resource)
        query = {**routing, **(JSON_OUTPUT if json_output else {}), **(params or {})}
        headers = {}
        if content is not None:
            # QloApps ignores Content-Type; it is set for proxies and logs.
            headers["Content-Type"] = "application/json" if content[:1] in "{[" else "application/xml"
        what = f"{method} {resource}"
        try:
            response = await self._http.request(
                method,
                url,
                params=query,
                content=content.encode() if content is not None else None,
                headers=headers,
                auth=self._auth,
                # A redirect means PMS_BASE_URL is wrong; following it would also resend the key elsewhere.
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            raise PmsUnavailableError(f"QloApps timed out on {what}") from exc
        except httpx.TransportError as exc:
            raise PmsUnavailableError(f"QloApps unreachable on {what}: {exc}") from exc
        return check_response(response, what=what, not_found=not_found)

    async def get(
        self,
        resource: str,
        params: dict[str, str] | None = None,
        *,
        json_output: bool = True,
        not_found: NotFoundFactory | None = None,
    ) -> Any:
        return await self.request(
            "GET", resource, params=params, json_output=json_output, not_found=not_found
        )

    async def head(self, resource: str) -> None:
        await self.request("HEAD", resource, json_output=False)

    async def post(self, resource: str, content: str, *, not_found: NotFoundFactory | None = None) -> Any:
        return await self.request("POST", resource, content=content, not_found=not_found)

    async def put(self, resource: str, content: str, *, not_found: NotFoundFactory | None = None) -> Any:
        return await self.request("PUT", resource, content=content, not_found=not_found)

    async def get_text(self, resource: str) -> str:
        """The raw body of an XML GET (the API root's permission attributes live only there)."""
        url, routing = self.url_for(resource)
        try:
            response = await self._http.get(url, params=routing, auth=self._auth, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise PmsUnavailableError(f"QloApps timed out on GET {resource}") from exc
        except httpx.TransportError as exc:
            raise PmsUnavailableError(f"QloApps unreachable on GET {resource}: {exc}") from exc
        check_response(response, what=f"GET {resource or 'the API root'}")
        return response.text
