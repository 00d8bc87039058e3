"""Un sistema externo del ministerio que recibe los hechos de Acompaña de una DRE: solo nats-py.

Lee, con un consumidor durable de JetStream (el servidor recuerda hasta dónde llegó), las visitas
realizadas y los compromisos asumidos de una DRE, y confirma (ack) cada mensaje después de procesarlo.
Cada hecho se imprime como una línea JSON. Si el proceso se cae antes del ack, el hecho llega otra vez:
el sistema externo lo reconoce por su `ce-id` (ver docs/suscribirse.md).

    python docs/ejemplos/suscriptor_externo.py --servidor nats://127.0.0.1:4222 \\
        --usuario externo-ejemplo --clave externo-ejemplo-desarrollo \\
        --consumidor externo-ejemplo-dre-puno --dre DRE-PUNO \\
        --evento agenda.VisitaRealizada.v1 --evento evidencias.CompromisoAsumido.v2 \\
        [--desde inicio | --desde fecha:2021-06-01T00:00:00-05:00 | --desde secuencia:1500] [--reiniciar] \\
        [--hasta-vaciar 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

STREAM = "ACOMPANA"


def filtro(dre: str, eventos: list[str]) -> str:
    """The one filter of the consumer: the event when it is one, else every fact of the DRE (the others are
    skipped here). Its credentials admit its consumer only with a filter inside its DRE, named in the create
    request's subject ($JS.API.CONSUMER.CREATE.ACOMPANA.<consumidor>.<filtro>): one filter per consumer."""
    return f"acompana.{eventos[0]}.{dre}.*" if len(eventos) == 1 else f"acompana.*.*.*.{dre}.*"


def configuracion(consumidor: str, dre: str, eventos: list[str], desde: str) -> ConsumerConfig:
    """A durable pull consumer on the territory's subjects: acompana.<servicio>.<Evento>.v<N>.<dre>.<ugel>."""
    inicio: dict = {"deliver_policy": DeliverPolicy.ALL}
    if desde.startswith("fecha:"):
        inicio = {"deliver_policy": DeliverPolicy.BY_START_TIME,
                  "opt_start_time": datetime.fromisoformat(desde.removeprefix("fecha:")).isoformat()}
    elif desde.startswith("secuencia:"):
        inicio = {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE,
                  "opt_start_seq": int(desde.removeprefix("secuencia:"))}
    return ConsumerConfig(name=consumidor, durable_name=consumidor, filter_subject=filtro(dre, eventos),
                          ack_policy=AckPolicy.EXPLICIT, ack_wait=30, max_ack_pending=1000, **inicio)


async def consumidor_propio(js, args: argparse.Namespace):  # noqa: ANN001, ANN201
    """Bind to the system's durable consumer, creating it (with its DRE's filter) the first time."""
    try:
        await js.consumer_info(STREAM, args.consumidor)
    except NotFoundError:  # nats-py sends the create request with the filter in its subject (name + one filter)
        await js.add_consumer(STREAM, configuracion(args.consumidor, args.dre, args.evento, args.desde))
    return await js.pull_subscribe_bind(durable=args.consumidor, stream=STREAM)


async def recibir(args: argparse.Namespace) -> int:
    nc = await nats.connect(args.servidor, user=args.usuario, password=args.clave, max_reconnect_attempts=3)
    js = nc.jetstream()
    recibidos = 0
    try:
        if args.reiniciar:  # empezar de nuevo desde --desde: se borra el consumidor propio
            try:
                await js.delete_consumer(STREAM, args.consumidor)
            except NotFoundError:
                pass
        sub = await consumidor_propio(js, args)
        tipos = {f"acompana.{e}" for e in args.evento}
        while True:
            try:
                mensajes = await sub.fetch(100, timeout=args.hasta_vaciar or 30)
            except (NatsTimeout, TimeoutError):
                if args.hasta_vaciar:
                    return recibidos
                continue
            for msg in mensajes:
                if msg.subject.rsplit(".", 2)[0] not in tipos:  # another fact of the DRE: not for this system
                    await msg.ack()
                    continue
                hecho = {"ce-id": msg.headers["ce-id"], "ce-type": msg.headers["ce-type"],
                         "ce-time": msg.headers["ce-time"], "sujeto": msg.subject,
                         "secuencia": msg.metadata.sequence.stream, "datos": json.loads(msg.data)}
                print(json.dumps(hecho, ensure_ascii=False), flush=True)  # aquí el sistema procesa el hecho
                await msg.ack()
                recibidos += 1
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Recibe hechos de Acompaña de una DRE (solo lectura).")
    parser.add_argument("--servidor", default="nats://127.0.0.1:4222")
    parser.add_argument("--usuario", required=True)
    parser.add_argument("--clave", required=True)
    parser.add_argument("--consumidor", required=True, help="El nombre asignado a este sistema al incorporarlo.")
    parser.add_argument("--dre", required=True, help="Código de la DRE, p. ej. DRE-PUNO.")
    parser.add_argument("--evento", action="append", required=True,
                        help="<servicio>.<Evento>.v<N> (repetible), p. ej. agenda.VisitaRealizada.v1.")
    parser.add_argument("--desde", default="inicio",
                        help="inicio, fecha:<ISO 8601> (lo que llegó al stream desde ese momento) o secuencia:<n>.")
    parser.add_argument("--reiniciar", action="store_true", help="Borra el consumidor y empieza desde --desde.")
    parser.add_argument("--hasta-vaciar", type=float, default=0,
                        help="Termina tras estos segundos sin mensajes nuevos (0: sigue escuchando).")
    recibidos = asyncio.run(recibir(parser.parse_args()))
    print(f"{recibidos} hechos recibidos", file=sys.stderr)


if __name__ == "__main__":
    main()
