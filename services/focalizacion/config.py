from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class FocalizacionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOCALIZACION_", extra="ignore")
    http_port: int = 8001
