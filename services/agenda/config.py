from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AgendaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AGENDA_", extra="ignore")
    cifra_datos_personales = True  # the observaciones of a visit, with the docente's key
    http_port: int = 8002
