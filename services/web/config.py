"""Settings of the web application, read only from the environment (prefix ``WEB_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    url_publica: str = Field("http://127.0.0.1:8000", description="La dirección con que el navegador llega a la "
                             "aplicación (de ella sale la dirección de retorno del ingreso)")
    data_dir: Path = Field(Path("var/data"), description="Carpeta del archivo de sesiones (web.sqlite)")
    sesiones_url: str = Field("", description="URL SQLAlchemy de la base de sesiones; vacía: web.sqlite en data_dir")

    # the four services, only through their public /v1 APIs
    focalizacion_url: str = "http://127.0.0.1:8001"
    agenda_url: str = "http://127.0.0.1:8002"
    evidencias_url: str = "http://127.0.0.1:8003"
    evaluacion_url: str = "http://127.0.0.1:8004"
    servicios_timeout: float = Field(15.0, gt=0, description="Segundos de espera de cada llamada a un servicio")

    # OpenID Connect: authorization code + PKCE as a confidential client
    oidc_emisor: str = Field("http://127.0.0.1:8009", description="Emisor (su /.well-known/openid-configuration)")
    oidc_cliente: str = "acompana-web"
    oidc_secreto: SecretStr = SecretStr("")
    oidc_alcance: str = "openid"

    sesion_dias: float = Field(14.0, gt=0, description="Vida de una sesión: lo que dura una salida al campo sin señal")
    cookie_segura: bool = Field(True, description="Cookie solo por HTTPS (false solo para http://127.0.0.1)")
    cookie_nombre: str = "acompana_sesion"
    hsts_segundos: int = Field(0, ge=0, description="Strict-Transport-Security max-age cuando la aplicación está "
                               "detrás de TLS; 0: sin HSTS")
    convocatoria: str = Field("2020-2022", description="Convocatoria vigente de las carteras")
    anio: int = Field(2020, ge=2000, le=2100, description="Año escolar (etapa) que muestran las páginas")
    idioma: str = Field("es_PE", description="Catálogo de mensajes: es_PE (qu_PE y ay_PE, cuando se traduzcan)")
