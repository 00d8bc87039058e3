"""A small OpenID Connect token issuer for development and tests: never deployed to production.

It keeps RSA keys in memory, publishes them as a JWKS (``/.well-known/jwks.json``, with the discovery
document at ``/.well-known/openid-configuration``) and signs tokens with the claims Acompaña reads
(``sub``, ``rol``, ``dre``, ``ugel``, ``ie``). ``rotar()`` starts signing with a new key, as a real
provider does. The embedded default (``deploy/local/run.sh``) runs one on 127.0.0.1:8009 and its demo
asks it for tokens: ``POST /token {"usuario": ..., "rol": ..., "ugel": ...}`` answers only on the
loopback interface. The production configuration points the services to the ministry's provider.

For the web application (``services/web``) it is also a small OpenID Connect provider: an authorization
endpoint (``GET /authorize``) whose login page lists the demo users of every role (``usuarios``, filled by
the launcher from the demo data), and the token endpoint's form grants ``authorization_code`` (PKCE
S256 required, the client authenticated by its secret), ``refresh_token`` and ``client_credentials``
for the clients registered with ``registrar_cliente``. Everything lives in memory.

    python -m shared.emisor --puerto 8009
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCIA = "acompana"


class EmisorLocal:
    def __init__(self, url: str, audiencia: str = AUDIENCIA) -> None:
        self.url = url
        self.audiencia = audiencia
        self._claves: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.usuarios: list[dict[str, Any]] = []  # demo users for the login page: usuario, rol, nombre, dre, ugel, ie
        self._clientes: dict[str, dict[str, Any]] = {}
        self._codigos: dict[str, dict[str, Any]] = {}
        self._renovaciones: dict[str, dict[str, Any]] = {}
        self.rotar()

    def registrar_cliente(self, client_id: str, secreto: str, redirecciones: list[str],
                          cuenta: dict[str, Any] | None = None) -> None:
        """A confidential client: its secret, its redirect URIs and, for ``client_credentials``, the
        account (usuario, rol) its own tokens carry."""
        with self._lock:
            self._clientes[client_id] = {"secreto": secreto, "redirecciones": list(redirecciones), "cuenta": cuenta}

    def _cliente(self, client_id: str, secreto: str) -> dict[str, Any] | None:
        cliente = self._clientes.get(client_id)
        if cliente is None or not secrets.compare_digest(cliente["secreto"], secreto):
            return None
        return cliente

    def autorizar(self, client_id: str, redirect_uri: str, reto: str, usuario: dict[str, Any], nonce: str) -> str:
        """Record the user's consent for this client: the one-use code, valid one minute."""
        codigo = secrets.token_urlsafe(32)
        with self._lock:
            self._codigos[codigo] = {"client_id": client_id, "redirect_uri": redirect_uri, "reto": reto,
                                     "usuario": usuario, "nonce": nonce, "expira": time.time() + 60}
        return codigo

    def canjear(self, formulario: dict[str, str], client_id: str, secreto: str) -> tuple[int, dict[str, Any]]:
        """The token endpoint's form grants (RFC 6749 §4.1.3, §4.4, §6; PKCE RFC 7636 §4.6)."""
        cliente = self._cliente(client_id, secreto)
        if cliente is None:
            return 401, {"error": "invalid_client"}
        tipo = formulario.get("grant_type")
        if tipo == "authorization_code":
            with self._lock:
                pedido = self._codigos.pop(formulario.get("code", ""), None)
            verificador = formulario.get("code_verifier", "")
            reto = base64.urlsafe_b64encode(hashlib.sha256(verificador.encode()).digest()).rstrip(b"=").decode()
            if (pedido is None or pedido["expira"] < time.time() or pedido["client_id"] != client_id
                    or pedido["redirect_uri"] != formulario.get("redirect_uri") or reto != pedido["reto"]):
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(pedido["usuario"], client_id, pedido["nonce"])
        if tipo == "refresh_token":
            with self._lock:
                previo = self._renovaciones.pop(formulario.get("refresh_token", ""), None)
            if previo is None or previo["client_id"] != client_id:
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(previo["usuario"], client_id, None)
        if tipo == "client_credentials" and cliente["cuenta"]:
            cuenta = cliente["cuenta"]
            return 200, {"access_token": self.token(cuenta["usuario"], cuenta["rol"]), "token_type": "Bearer",
                         "expires_in": 3600}
        return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, usuario: dict[str, Any], client_id: str, nonce: str | None) -> dict[str, Any]:
        claims = {k: usuario.get(k) for k in ("dre", "ugel", "ie")}
        renovacion = secrets.token_urlsafe(32)
        with self._lock:
            self._renovaciones[renovacion] = {"usuario": usuario, "client_id": client_id}
        return {"access_token": self.token(usuario["usuario"], usuario["rol"], **claims), "token_type": "Bearer",
                "expires_in": 3600, "refresh_token": renovacion,
                "id_token": self.token(usuario["usuario"], usuario["rol"], audiencia=client_id, nonce=nonce,
                                       name=usuario.get("nombre"), **claims)}

    def pagina_de_ingreso(self, consulta: dict[str, str]) -> str:
        """The development login page: one button per demo user (no password; never deployed)."""
        ocultos = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                          for k, v in consulta.items())
        filas = []
        for i, u in enumerate(self.usuarios):
            lugar = " · ".join(str(u[k]) for k in ("ie_nombre", "ugel", "dre") if u.get(k))
            filas.append(f'<li><button name="indice" value="{i}"><strong>{html.escape(str(u.get("nombre") or u["usuario"]))}'
                         f'</strong> <span>{html.escape(u["rol"])}</span> <small>{html.escape(lugar)}</small>'
                         f'</button></li>')
        return ('<!doctype html><html lang="es-PE"><head><meta charset="utf-8"><meta name="viewport" '
                'content="width=device-width, initial-scale=1"><title>Ingresar (emisor local de desarrollo)</title>'
                '<style>body{font-family:sans-serif;margin:1rem;max-width:40rem}ul{list-style:none;padding:0}'
                'button{display:block;width:100%;text-align:left;margin:.25rem 0;padding:.6rem;font-size:1rem}'
                'small{display:block;color:#333}</style></head><body><main><h1>Ingresar como usuario de demostración'
                '</h1><p>Emisor local, solo para desarrollo y pruebas: no pide contraseña.</p>'
                f'<form method="post" action="/authorize">{ocultos}<ul>{"".join(filas)}</ul></form>'
                '</main></body></html>')

    def rotar(self, conservar: int = 1) -> str:
        """Sign from now on with a new key; the JWKS keeps the ``conservar`` previous ones."""
        kid = uuid.uuid4().hex[:16]
        clave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self._lock:
            self._claves = [(kid, clave), *self._claves[:conservar]]
        return kid

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            claves = list(self._claves)
        publicas = []
        for kid, clave in claves:
            jwk = json.loads(RSAAlgorithm.to_jwk(clave.public_key()))
            publicas.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": publicas}

    def token(self, usuario: str, rol: str, *, segundos: int = 3600, emisor: str | None = None,
              audiencia: str | None = None, **claims: Any) -> str:
        with self._lock:
            kid, clave = self._claves[0]
        ahora = int(time.time())
        cuerpo = {"iss": emisor or self.url, "aud": audiencia or self.audiencia, "sub": usuario, "rol": rol,
                  "iat": ahora, "nbf": ahora - 1, "exp": ahora + segundos,
                  "jti": secrets.token_hex(16),  # RFC 7519 §4.1.7: two tokens issued in one second differ
                  **{k: v for k, v in claims.items() if v is not None}}
        return jwt.encode(cuerpo, clave, algorithm="RS256", headers={"kid": kid})

    def servir(self, host: str = "127.0.0.1", puerto: int = 0) -> ThreadingHTTPServer:
        """Serve the discovery document, the JWKS and the development token endpoint in a thread."""
        emisor = self

        class Manejador(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, cuerpo: dict[str, Any], estado: int = 200) -> None:
                datos = json.dumps(cuerpo).encode()
                self.send_response(estado)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(datos)))
                self.end_headers()
                self.wfile.write(datos)

            def _redirigir(self, destino: str) -> None:
                self.send_response(302)
                self.send_header("Location", destino)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _html(self, cuerpo: str, estado: int = 200) -> None:
                datos = cuerpo.encode()
                self.send_response(estado)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(datos)))
                self.end_headers()
                self.wfile.write(datos)

            def _autorizacion(self, consulta: dict[str, str]) -> None:
                cliente = emisor._clientes.get(consulta.get("client_id", ""))
                if cliente is None or consulta.get("redirect_uri") not in cliente["redirecciones"]:
                    self._html("<p>Cliente o dirección de retorno desconocidos.</p>", 400)
                elif consulta.get("response_type") != "code" or consulta.get("code_challenge_method") != "S256" \
                        or not consulta.get("code_challenge"):
                    self._redirigir(consulta["redirect_uri"] + "?" + urlencode(
                        {"error": "invalid_request", "state": consulta.get("state", "")}))
                else:
                    self._html(emisor.pagina_de_ingreso(consulta))

            def _formulario(self) -> dict[str, str]:
                cuerpo = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                return {k: v[0] for k, v in parse_qs(cuerpo).items()}

            def _credenciales(self, formulario: dict[str, str]) -> tuple[str, str]:
                basica = self.headers.get("Authorization", "")
                if basica.startswith("Basic "):
                    uno, _, dos = base64.b64decode(basica[6:]).decode().partition(":")
                    return unquote(uno), unquote(dos)
                return formulario.get("client_id", ""), formulario.get("client_secret", "")

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                partes = urlsplit(self.path)
                if partes.path == "/authorize":
                    self._autorizacion({k: v[0] for k, v in parse_qs(partes.query).items()})
                elif self.path == "/.well-known/jwks.json":
                    self._json(emisor.jwks())
                elif self.path == "/.well-known/openid-configuration":
                    self._json({"issuer": emisor.url, "jwks_uri": f"{emisor.url}/.well-known/jwks.json",
                                "token_endpoint": f"{emisor.url}/token",
                                "authorization_endpoint": f"{emisor.url}/authorize",
                                "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                                "grant_types_supported": ["authorization_code", "refresh_token",
                                                          "client_credentials"],
                                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                                          "client_secret_post"],
                                "subject_types_supported": ["public"],
                                "id_token_signing_alg_values_supported": ["RS256"]})
                else:
                    self._json({"mensaje": "no existe"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                if self.path == "/authorize":
                    formulario = self._formulario()
                    indice = formulario.pop("indice", "")
                    cliente = emisor._clientes.get(formulario.get("client_id", ""))
                    if (cliente is None or formulario.get("redirect_uri") not in cliente["redirecciones"]
                            or not indice.isdigit() or int(indice) >= len(emisor.usuarios)):
                        self._html("<p>Pedido de ingreso no válido.</p>", 400)
                        return
                    codigo = emisor.autorizar(formulario["client_id"], formulario["redirect_uri"],
                                              formulario.get("code_challenge", ""), emisor.usuarios[int(indice)],
                                              formulario.get("nonce", ""))
                    self._redirigir(formulario["redirect_uri"] + "?" + urlencode(
                        {"code": codigo, "state": formulario.get("state", "")}))
                    return
                if self.path == "/token" and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                    formulario = self._formulario()
                    estado, cuerpo = emisor.canjear(formulario, *self._credenciales(formulario))
                    self._json(cuerpo, estado)
                    return
                if self.path != "/token" or self.client_address[0] not in ("127.0.0.1", "::1"):
                    self._json({"mensaje": "no existe"}, 404)
                    return
                pedido = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                claims = {k: pedido.get(k) for k in ("dre", "ugel", "ie")}
                self._json({"access_token": emisor.token(str(pedido.get("usuario", "")), str(pedido.get("rol", "")),
                                                         **claims), "token_type": "Bearer", "expires_in": 3600})

        servidor = ThreadingHTTPServer((host, puerto), Manejador)
        threading.Thread(target=servidor.serve_forever, daemon=True, name="emisor-local").start()
        return servidor


def main() -> None:
    parser = argparse.ArgumentParser(description="Emisor de tokens local, solo para desarrollo y pruebas.")
    parser.add_argument("--puerto", type=int, default=8009)
    args = parser.parse_args()
    emisor = EmisorLocal(f"http://127.0.0.1:{args.puerto}")
    emisor.servir("127.0.0.1", args.puerto)
    print(f"Emisor local (SOLO DESARROLLO) en {emisor.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
