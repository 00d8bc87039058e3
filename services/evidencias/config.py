from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvidenciasSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCIAS_", extra="ignore")
    http_port: int = 8003
