"""The whole system as separate processes, driven through its public APIs, broken and checked.

- ``sistema``: starts nats-server, the local token issuer and the four services (uvicorn processes,
  SQLite stores) on free ports of 127.0.0.1, kills, freezes and restarts any of them (with its clock shifted
  by libfaketime, if asked), starts a second process of a service on the same stores, waits for quiescence.
- ``proxy``: a small TCP proxy between a service and NATS that cuts the connection or adds latency.
- ``carga``: a school year played through the HTTP APIs, open loop at a target rate with bounded
  concurrency, every operation's id and outcome (ok / fail / unknown) in a JSON-lines history.
- ``verificador``: reads the history and the final state (the services' APIs and stores, the stream
  with plain nats-py, evaluacion's projections) and reports what was lost, duplicated, half-applied,
  out of order, or differs from a rebuild from zero.
- ``escenarios``: each fault as a scenario that ends by healing, waiting and checking;
  ``python -m tests.sistema`` runs them and prints each verdict (``--informe`` writes bench/sistema.md).
"""
