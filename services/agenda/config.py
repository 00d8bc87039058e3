from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AgendaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AGENDA_", extra="ignore")
    http_port: int = 8002
