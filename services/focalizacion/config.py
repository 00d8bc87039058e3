from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.focalizacion.domainmodel import PEPPER_DESARROLLO
from shared.settings import ServiceSettings


class FocalizacionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOCALIZACION_", extra="ignore")
    cifra_datos_personales = True
    http_port: int = 8001
    pepper: SecretStr = Field(SecretStr(PEPPER_DESARROLLO), description=(
        "Secreto con que se derivan los id de docentes y acompañantes de su DNI (HMAC). El de desarrollo es fijo "
        "y público: en producción, uno propio, guardado como secreto y nunca cambiado (cambia todos los id)."))

    def inseguridades(self) -> list[str]:
        malas = super().inseguridades()
        if self.pepper.get_secret_value() in ("", PEPPER_DESARROLLO):
            malas.insert(0, "FOCALIZACION_PEPPER es el secreto de desarrollo (o está vacío)")
        return malas
