"""The HTTP chassis every service mounts the same way, one module per concern:

- ``errores``: domain errors mapped to HTTP status, here and only here (``respuesta_de``);
- ``resultado``: a command's answer, ``registrado`` or ``ya_registrado``;
- ``acceso``: who is calling (the bearer token), the access policy asked, each user's budget;
- ``dependencias``: what a route receives from its service's composition root (``del_estado``);
- ``limites``: security headers, CORS, the body limit;
- ``operacion``: probes, metrics, the event catalog, dead letters, the chain of published facts.
"""

from shared.http.acceso import PUBLICAS, Autenticacion, install_auth_middleware
from shared.http.errores import ERRORES, Error, ErrorDeCampo, install_error_handlers, motivo, respuesta_de
from shared.http.limites import CabecerasSeguridad, LimiteCuerpo, install_security_headers
from shared.http.operacion import cadena_router, dead_letter_router, ops_router
from shared.http.resultado import Resultado, estado, resultado

__all__ = ["ERRORES", "PUBLICAS", "Autenticacion", "CabecerasSeguridad", "Error", "ErrorDeCampo", "LimiteCuerpo",
           "Resultado", "cadena_router", "dead_letter_router", "estado", "install_auth_middleware",
           "install_error_handlers", "install_security_headers", "motivo", "ops_router", "respuesta_de",
           "resultado"]
