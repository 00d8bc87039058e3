"""Identity in the tests: one local token issuer for the whole test process (``shared.emisor``).

Every service under test verifies tokens against it (``make_settings``), and the test clients sign each
request: a test says who calls with the ``X-Usuario`` / ``X-Rol`` (and ``X-Dre`` / ``X-Ugel`` / ``X-Ie``)
headers, and a request without them calls as the ``sistema`` account. The services never read those
headers: they read the bearer token made from them.
"""

from __future__ import annotations

import functools

import httpx

from shared.emisor import EmisorLocal


@functools.cache
def emisor() -> EmisorLocal:
    local = EmisorLocal("http://127.0.0.1:0")
    servidor = local.servir("127.0.0.1", 0)
    local.url = f"http://127.0.0.1:{servidor.server_address[1]}"
    return local


def ajustes_de_autenticacion() -> dict[str, object]:
    e = emisor()
    return {"auth_emisor": e.url, "auth_jwks_url": f"{e.url}/.well-known/jwks.json", "auth_enfriamiento_segundos": 0.5}


def token_de(headers: httpx.Headers | dict[str, str]) -> str:
    return emisor().token(headers.get("X-Usuario", "sistema"), headers.get("X-Rol", "sistema"),
                          dre=headers.get("X-Dre"), ugel=headers.get("X-Ugel"), ie=headers.get("X-Ie"))


async def firmar(request: httpx.Request) -> None:
    """httpx request hook: a request with no Authorization header gets a token for its X- identity."""
    if "authorization" not in request.headers:
        request.headers["Authorization"] = f"Bearer {token_de(request.headers)}"


def cliente(app: object, base_url: str = "http://servicio") -> httpx.AsyncClient:
    """An HTTP client talking to a service's ASGI app, signing each request."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url,  # type: ignore[arg-type]
                             event_hooks={"request": [firmar]})
