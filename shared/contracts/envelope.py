"""CloudEvents 1.0 over NATS, binary mode: attributes in ``ce-`` headers, data in the payload.

The message id is ``<servicio>:<notification id>``: stable across re-publications, so it is
also the JetStream ``Nats-Msg-Id`` (deduplication) and the consumers' inbox key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from shared.contracts.base import SPEC_VERSION, ContractError, IntegrationEvent, territory_token

CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    subject: str
    time: datetime
    data: IntegrationEvent
    dre: str
    ugel: str
    traceparent: str = ""

    @classmethod
    def wrap(
        cls,
        *,
        servicio: str,
        position: int,
        data: IntegrationEvent,
        subject: str,
        time: datetime,
        dre: str | None,
        ugel: str | None,
        traceparent: str = "",
    ) -> Envelope:
        return cls(
            id=f"{servicio}:{position}",
            source=f"/acompana/{servicio}",
            subject=subject,
            time=time,
            data=data,
            dre=territory_token(dre),
            ugel=territory_token(ugel),
            traceparent=traceparent,
        )

    @property
    def type(self) -> str:
        return self.data.ce_type()

    @property
    def nats_subject(self) -> str:
        return self.data.subject(self.dre, self.ugel)

    @property
    def position(self) -> int:
        """The notification id in the publishing service's store."""
        return int(self.id.rsplit(":", 1)[1])

    def headers(self) -> dict[str, str]:
        headers = {
            "Nats-Msg-Id": self.id,
            "ce-specversion": SPEC_VERSION,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-subject": self.subject,
            "ce-time": self.time.isoformat(),
            "ce-datacontenttype": CONTENT_TYPE,
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        return headers

    def payload(self) -> bytes:
        return self.data.model_dump_json().encode()

    @classmethod
    def parse(cls, nats_subject: str, headers: dict[str, str] | None, payload: bytes) -> Envelope:
        """Read a message back; raises ContractError with the reason when it is not valid."""
        headers = headers or {}
        missing = [h for h in ("ce-id", "ce-type", "ce-source", "ce-time") if h not in headers]
        if missing:
            raise ContractError(f"faltan cabeceras CloudEvents: {', '.join(missing)}")
        if headers.get("ce-specversion") != SPEC_VERSION:
            raise ContractError(f"ce-specversion no soportada: {headers.get('ce-specversion')!r}")
        contract = IntegrationEvent.lookup(headers["ce-type"])
        try:
            data = contract.model_validate_json(payload)
            time = datetime.fromisoformat(headers["ce-time"])
        except (ValidationError, ValueError) as exc:
            raise ContractError(f"contenido no válido para {contract.ce_type()}: {exc}") from None
        tokens = nats_subject.split(".")
        if len(tokens) != 6 or nats_subject != contract.subject(tokens[4], tokens[5]):
            raise ContractError(f"sujeto no corresponde al contrato: {nats_subject!r}")
        if ":" not in headers["ce-id"]:
            raise ContractError(f"ce-id no válido: {headers['ce-id']!r}")
        return cls(
            id=headers["ce-id"],
            source=headers["ce-source"],
            subject=headers.get("ce-subject", ""),
            time=time,
            data=data,
            dre=tokens[4],
            ugel=tokens[5],
            traceparent=headers.get("traceparent", ""),
        )
