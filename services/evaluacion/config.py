from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class EvaluacionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVALUACION_", extra="ignore")
    http_port: int = 8004
