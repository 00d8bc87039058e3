"""Settings of a service, read only from the environment with the service's own prefix.

The names of the event store keys are the ones `eventsourcing` itself reads with an
application-name prefix (``AGENDA_PERSISTENCE_MODULE``, ``AGENDA_SQLITE_DBNAME``,
``AGENDA_POSTGRES_DBNAME``...), so one variable means the same thing to both.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import quote, urlparse

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE = "eventsourcing.sqlite"
_LOCALES = ("127.0.0.1", "localhost", "::1")  # where the development issuer runs (shared.emisor)
POSTGRES = "eventsourcing.postgres"


class ConfiguracionInsegura(RuntimeError):
    """A deployment configured with a development secret or without a password (the message says which)."""


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses it with ``env_prefix="<SERVICIO>_"``."""

    model_config = SettingsConfigDict(extra="ignore")
    cifra_datos_personales: ClassVar[bool] = False  # the service keeps a key store (shared.cifrado)

    # The embedded default (deploy/local/run.sh, the tests) says ``ACOMPANA_ENTORNO=desarrollo``; anything
    # else is a deployment, where a development secret stops the service (``inseguridades``).
    entorno: Literal["desarrollo", "produccion"] = Field(
        "produccion", validation_alias=AliasChoices("entorno", "ACOMPANA_ENTORNO"),
        description="desarrollo (solo la instalación local y las pruebas) o produccion")
    persistence_module: Literal["eventsourcing.sqlite", "eventsourcing.postgres"] = SQLITE
    data_dir: Path = Path("var/data")
    sqlite_dbname: str = ""
    postgres_dbname: str = "acompana"
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_schema: str = ""
    postgres_lock_timeout: int = Field(5, description="Seconds to wait for the insert lock")

    # OpenID Connect: who may call the API (shared.autenticacion). The defaults are the local development
    # issuer of the embedded default (python -m shared.emisor); production sets the ministry's provider.
    auth_emisor: str = "http://127.0.0.1:8009"
    auth_audiencia: str = "acompana"
    auth_jwks_url: str = "http://127.0.0.1:8009/.well-known/jwks.json"
    auth_algoritmos: list[str] = ["RS256", "ES256"]
    auth_margen_segundos: int = Field(30, ge=0, le=300, description="Tolerancia de reloj al validar exp y nbf")
    auth_enfriamiento_segundos: float = Field(30.0, ge=0, description="Espera mínima entre relecturas del JWKS")

    cuerpo_max_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Tamaño máximo del cuerpo de una solicitud")
    otlp_endpoint: str = Field("", description="URL del colector OpenTelemetry (OTLP/HTTP, p. ej. "
                               "http://otel-collector:4318); vacío: las trazas no salen del proceso")
    evento_max_bytes: int = Field(512 * 1024, ge=1024, description="Tamaño máximo de un evento registrado: "
                                  "cabe, con su sobre, en el max_payload de NATS (1 MiB)")
    solicitudes_por_minuto: int = Field(600, ge=1, description="Solicitudes por minuto de cada usuario en el "
                                        "servicio, entre todas sus réplicas (presupuesto común en el KV de NATS)")
    anonimas_por_minuto: int = Field(120, ge=1, description="Solicitudes sin token válido por minuto de cada "
                                     "dirección, contadas antes de verificar token alguno")
    costo_exportacion: int = Field(20, ge=1, description="Solicitudes del presupuesto que cuesta una exportación "
                                   "(XLSX, PDF, PNG, SVG, CSV, iCalendar)")
    costo_lote_por_cada: int = Field(20, ge=1, description="Un lote cuesta una solicitud por cada tantos elementos")

    # Exposure (shared.http): the API's description, metrics, headers and CORS.
    documentacion: bool | None = Field(None, description="Servir /docs y /openapi.json; por defecto, solo en "
                                       "desarrollo")
    metricas_token: SecretStr = Field(SecretStr(""), description="Si no está vacío, /metrics exige "
                                      "Authorization: Bearer <este token>")
    hsts_segundos: int = Field(0, ge=0, description="Strict-Transport-Security max-age cuando el servicio está "
                               "detrás de TLS; 0: sin HSTS")
    cors_origenes: list[str] = Field([], description="Orígenes admitidos por CORS; vacío: ninguno (sin CORS)")

    # Personal data (shared.cifrado): each person's data keys, outside the event store. Empty URL: a SQLite
    # file next to the store (<servicio>-claves.sqlite), or the schema <esquema>_claves in PostgreSQL.
    claves_url: str = Field("", description="URL SQLAlchemy de la base de llaves de datos personales")
    claves_esquema: str = Field("", description="Esquema PostgreSQL de la base de llaves (vacío: <esquema>_claves)")
    claves_kek: SecretStr = Field(SecretStr(""), description="Llave maestra (base64 de 32 bytes) que envuelve las "
                                  "llaves de datos; vacía: la de desarrollo, nunca en producción")
    claves_cache_segundos: float = Field(60.0, ge=0, description="Segundos que un proceso recuerda una llave leída")

    separacion_finalidad: bool = Field(True, description="Separación de finalidad (política del ministerio, no de "
                                       "la NT-026): el directivo no ve la evidencia formativa del acompañamiento "
                                       "externo, solo la que él mismo registró en la modalidad interna")

    nats_url: str = "nats://127.0.0.1:4222"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    relay_batch_size: int = 500
    relay_poll_interval: float = Field(0.05, description="Seconds between polls of the store")
    relay_leader_election: bool = Field(
        True, description="Only the replica holding the service's lease in NATS KV runs the relay")
    relay_lease_seconds: float = Field(
        5.0, ge=1.0, description="Lease length (the leaders bucket's TTL when this service creates it); "
                                 "a dead leader is replaced within this plus one renewal")
    relay_lease_renew_seconds: float = Field(
        1.0, gt=0, description="Seconds between renewals of the lease (and between tries of the other replicas)")
    cadena_sello_cada: int = Field(1000, ge=1, description="Hechos publicados entre dos sellos de la cadena")
    cadena_sello_segundos: float = Field(600.0, gt=0, description="Segundos máximos entre sellos, si hubo hechos")
    cadena_espera_segundos: float = Field(300.0, gt=0, description="Segundos que un hecho de otro servicio espera "
                                          "al anterior de su cadena antes de quedar apartado (mensajes fallidos)")
    reconstruccion_gracia_segundos: float = Field(
        2.0, ge=0, description="Segundos que una reconstrucción de vistas del stream espera, tras el cambio de "
                               "generación, a que terminen las consultas que empezaron en la anterior, antes de borrarla")
    consumer_max_deliver: int = 5
    consumer_ack_wait: float = 30.0
    consumer_backoff: list[float] = [0.5, 2.0, 10.0, 30.0]

    @model_validator(mode="after")
    def _lease_outlives_renewals(self) -> ServiceSettings:
        if self.relay_lease_seconds < 3 * self.relay_lease_renew_seconds:
            raise ValueError("relay_lease_seconds debe ser al menos el triple de relay_lease_renew_seconds")
        return self

    @property
    def desarrollo(self) -> bool:
        return self.entorno == "desarrollo"

    @property
    def documentacion_publica(self) -> bool:
        return self.desarrollo if self.documentacion is None else self.documentacion

    def inseguridades(self) -> list[str]:
        """What of this configuration only development may use, each naming its variable (empty: none)."""
        p = self.servicio.upper()
        malas = []
        if self.cifra_datos_personales and not self.claves_kek.get_secret_value():
            malas.append(f"{p}_CLAVES_KEK está vacía: se usaría la llave maestra de desarrollo")
        if urlparse(self.auth_emisor).hostname in _LOCALES:
            malas.append(f"{p}_AUTH_EMISOR es el emisor local de desarrollo ({self.auth_emisor})")
        if urlparse(self.auth_jwks_url).hostname in _LOCALES:
            malas.append(f"{p}_AUTH_JWKS_URL es el del emisor local de desarrollo ({self.auth_jwks_url})")
        if self.is_postgres and not self.postgres_password:
            malas.append(f"{p}_POSTGRES_PASSWORD está vacía")
        if not any(urlparse(u.strip()).password or urlparse(u.strip()).username
                   for u in self.nats_url.split(",")):
            malas.append(f"{p}_NATS_URL no lleva usuario y contraseña (nats://usuario:clave@servidor:4222)")
        return malas

    def exigir_seguridad(self) -> None:
        """Refuse to run a deployment with a development secret (``ConfiguracionInsegura`` names each)."""
        if not self.desarrollo and (malas := self.inseguridades()):
            raise ConfiguracionInsegura(
                f"{self.servicio} no arranca fuera de desarrollo (ACOMPANA_ENTORNO={self.entorno}) con: "
                + "; ".join(malas) + ". Para la instalación local: ACOMPANA_ENTORNO=desarrollo.")

    @property
    def servicio(self) -> str:
        prefix = self.model_config.get("env_prefix", "")
        return prefix.rstrip("_").lower()

    @property
    def is_postgres(self) -> bool:
        return self.persistence_module == POSTGRES

    def sqlite_path(self, suffix: str = "") -> Path:
        if self.sqlite_dbname and not suffix:
            return Path(self.sqlite_dbname)
        base = Path(self.sqlite_dbname) if self.sqlite_dbname else self.data_dir / f"{self.servicio}.sqlite"
        return base.with_name(base.stem + suffix + base.suffix) if suffix else base

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment handed to the service's `eventsourcing` Application."""
        env = {"PERSISTENCE_MODULE": self.persistence_module, "CREATE_TABLE": "y"}
        if self.is_postgres:
            env.update(
                POSTGRES_DBNAME=self.postgres_dbname,
                POSTGRES_HOST=self.postgres_host,
                POSTGRES_PORT=str(self.postgres_port),
                POSTGRES_USER=self.postgres_user,
                POSTGRES_PASSWORD=self.postgres_password,
                POSTGRES_SCHEMA=self.postgres_schema or self.servicio,
                POSTGRES_LOCK_TIMEOUT=str(self.postgres_lock_timeout),
                POSTGRES_POOL_SIZE="5",
                POSTGRES_MAX_OVERFLOW="10",
            )
        else:
            path = self.sqlite_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            env.update(SQLITE_DBNAME=str(path), SQLITE_LOCK_TIMEOUT="10")
        # Prefixed keys win over anything else `eventsourcing` finds in os.environ.
        return {f"{self.servicio.upper()}_{k}": v for k, v in env.items()}

    def views_url(self) -> str:
        """SQLAlchemy URL of the service's read models (projections, inbox)."""
        if self.is_postgres:
            user = quote(self.postgres_user) + (f":{quote(self.postgres_password)}" if self.postgres_password else "")
            if self.postgres_host.startswith("/"):  # a Unix socket directory
                return (f"postgresql+psycopg://{user}@/{self.postgres_dbname}"
                        f"?host={quote(self.postgres_host)}&port={self.postgres_port}")
            return (
                f"postgresql+psycopg://{user}@{self.postgres_host}:{self.postgres_port}/"
                f"{self.postgres_dbname}"
            )
        path = self.sqlite_path("-vistas")
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    @property
    def views_schema(self) -> str | None:
        return (self.postgres_schema or self.servicio) if self.is_postgres else None
