"""What every answer says to the browser (security headers, CORS) and how big a request may be."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from shared.autorizacion import rutas
from shared.http.errores import _HTTP, _error

# What every answer says to the browser (OWASP Secure Headers): nothing of it is to be framed, sniffed,
# sent as a referrer, or run; /docs (Swagger UI) loads its script and style from its CDN.
CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CSP_DOCUMENTACION = ("default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
                     "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
                     "https://fastapi.tiangolo.com https://cdn.redoc.ly; connect-src 'self'; font-src https://fonts.gstatic.com; "
                     "worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
RUTAS_DOCUMENTACION = ("/docs", "/docs/oauth2-redirect", "/redoc")


class CabecerasSeguridad:
    """ASGI middleware adding the security headers to every answer (errors and 404 included).

    ``csp``: the Content-Security-Policy (an HTML application passes its own; it should keep
    ``frame-ancestors 'none'``); ``hsts_segundos`` > 0 adds Strict-Transport-Security (only behind TLS).
    ``services/web`` mounts it the same way: ``app.add_middleware(CabecerasSeguridad, csp=..., hsts_segundos=...)``.
    """

    def __init__(self, app, csp: str = CSP_API, hsts_segundos: int = 0,  # noqa: ANN001
                 csp_por_ruta: dict[str, str] | None = None) -> None:
        self.app = app
        self.csp_por_ruta = {ruta: c for ruta, c in (csp_por_ruta or {}).items()}
        comunes = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                   (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
                   (b"cross-origin-resource-policy", b"same-origin"),
                   (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
        if hsts_segundos:
            comunes.append((b"strict-transport-security", f"max-age={hsts_segundos}; includeSubDomains".encode()))
        self.comunes = comunes
        self.csp = csp.encode()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = self.csp_por_ruta.get(scope["path"], "").encode() or self.csp

        async def con_cabeceras(mensaje) -> None:  # noqa: ANN001
            if mensaje["type"] == "http.response.start":
                presentes = {k.lower() for k, _ in mensaje.get("headers", [])}
                extra = [(k, v) for k, v in [*self.comunes, (b"content-security-policy", csp)] if k not in presentes]
                mensaje = {**mensaje, "headers": [*mensaje.get("headers", []), *extra]}
            await send(mensaje)

        await self.app(scope, receive, con_cabeceras)


def install_security_headers(app: FastAPI, *, hsts_segundos: int = 0, cors_origenes: list[str] | None = None,
                             csp: str = CSP_API) -> None:
    """Security headers on every answer and the CORS policy: none unless origins are configured
    (``<S>_CORS_ORIGENES``; then only those, only the methods the service's routes answer, the bearer
    token in a header, no cookies)."""
    if cors_origenes:
        app.add_middleware(CorsDeSusRutas, servicio=app, origenes=cors_origenes)
    app.add_middleware(CabecerasSeguridad, csp=csp, hsts_segundos=hsts_segundos,
                       csp_por_ruta=dict.fromkeys(RUTAS_DOCUMENTACION, CSP_DOCUMENTACION))


class CorsDeSusRutas:
    """CORS for ``origenes``, allowing only the methods ``servicio``'s routes answer (GET and POST; PUT
    where a route replaces something, as agenda's directivo of a school). Built with the middleware
    stack, on the first request: every route is included by then."""

    def __init__(self, app, servicio: FastAPI, origenes: list[str]) -> None:  # noqa: ANN001
        metodos = sorted({m for metodos_, *_ in rutas(servicio.router.routes) for m in metodos_} - {"HEAD"})
        self.app = CORSMiddleware(app, allow_origins=origenes, allow_methods=metodos,
                                  allow_headers=["Authorization", "Content-Type"], allow_credentials=False,
                                  max_age=600)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        await self.app(scope, receive, send)


class LimiteCuerpo:
    """Refuse a request body over ``max_bytes``: at once when its declared length says so, else
    while it arrives (413 ``cuerpo_demasiado_grande``, in Spanish, before anything is recorded).

    Paths ending in one of ``propias`` (uploads) are left to their routes' own, larger limit.
    """

    def __init__(self, app, max_bytes: int, propias: list[str]) -> None:  # noqa: ANN001
        self.app, self.max_bytes, self.propias = app, max_bytes, propias

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or scope["path"].endswith(tuple(self.propias)):
            return await self.app(scope, receive, send)
        largo = dict(scope["headers"]).get(b"content-length", b"")
        if largo.isdigit() and int(largo) > self.max_bytes:
            codigo, mensaje = _HTTP[413]
            return await _error(413, codigo, mensaje)(scope, receive, send)
        recibido, respondido = 0, False

        async def contando():  # noqa: ANN202
            nonlocal recibido
            mensaje = await receive()
            if mensaje["type"] == "http.request":
                recibido += len(mensaje.get("body", b""))
                if recibido > self.max_bytes:
                    raise StarletteHTTPException(413)
            return mensaje

        async def enviando(mensaje: dict) -> None:
            nonlocal respondido
            respondido = respondido or mensaje["type"] == "http.response.start"
            await send(mensaje)

        try:
            await self.app(scope, contando, enviando)
        except StarletteHTTPException as exc:
            # read by a middleware inside this one (the access policy looks for ids in the body), before the
            # routes' error handlers: answered here, once past the limit, without reading the rest
            if exc.status_code != 413 or respondido:
                raise
            codigo, mensaje = _HTTP[413]
            await _error(413, codigo, mensaje)(scope, receive, send)

