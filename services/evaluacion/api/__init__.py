"""evaluacion's HTTP API, version 1: one module per use case, each with its module-level ``router``.

``formativa`` (a docente's initial situation, valuations, closes, the offline queue, the stage goals),
``progreso`` (a docente's progress and a stage's results), ``matrices`` (the monitoring and evaluation
matrices and their facts), ``informes`` (the UGEL's quarterly report and its course), ``historia`` (a
docente's history, who read it, the services' chains) and ``operacion`` (the projections and their
rebuilds). ``main.py`` includes them; what a route uses it declares in its signature
(``dependencias``), read from ``request.app.state``.
"""
