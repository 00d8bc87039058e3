"""A small OpenID Connect token issuer for development and tests: never deployed to production.

It keeps RSA keys in memory, publishes them as a JWKS (``/.well-known/jwks.json``, with the discovery
document at ``/.well-known/openid-configuration``) and signs tokens with the claims Acompaña reads
(``sub``, ``rol``, ``dre``, ``ugel``, ``ie``). ``rotar()`` starts signing with a new key, as a real
provider does. The embedded default (``deploy/local/run.sh``) runs one on 127.0.0.1:8009 and its demo
asks it for tokens: ``POST /token {"usuario": ..., "rol": ..., "ugel": ...}`` answers only on the
loopback interface. The production configuration points the services to the ministry's provider.

    python -m shared.emisor --puerto 8009
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
        self.rotar()

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

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/.well-known/jwks.json":
                    self._json(emisor.jwks())
                elif self.path == "/.well-known/openid-configuration":
                    self._json({"issuer": emisor.url, "jwks_uri": f"{emisor.url}/.well-known/jwks.json",
                                "token_endpoint": f"{emisor.url}/token",
                                "id_token_signing_alg_values_supported": ["RS256"]})
                else:
                    self._json({"mensaje": "no existe"}, 404)

            def do_POST(self) -> None:  # noqa: N802
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
