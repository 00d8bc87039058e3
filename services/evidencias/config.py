from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvidenciasSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCIAS_", extra="ignore")
    cifra_datos_personales = True
    http_port: int = 8003
    adjunto_max_bytes: int = Field(10 * 1024 * 1024, description="Tamaño máximo de un adjunto, en bytes.")
    vencimientos_cada: float = Field(3600.0, description="Segundos entre revisiones de compromisos vencidos.")
    purga_adjuntos_cada: float = Field(300.0, gt=0, description="Segundos entre purgas del contenido de adjuntos de "
                                       "docentes con datos personales cancelados.")
