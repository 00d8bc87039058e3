"""evidencias's read models, one module per sub-domain of the norm, composed by ``projections.Proyecciones``.

``base`` (where each event's aggregate lies: ``origen``; a visit's or a GIA/RTC's JSON record), ``instrumentos``,
``visitas`` (the record of a visit, a docente's valuations over time and training needs), ``compromisos``,
``actas`` (GIA and RTC, execution sessions and self-evaluations) and ``adjuntos`` (attachments, and what a
docente's cancellation blanks and leaves for the purge). Each module has the handlers of its events, each
``(conn, t, evento, posición)`` reading and writing nothing but the event and the tables it is given (``t``: those
of ``tablas`` or a new generation's copies of them), and its queries, which read ``tablas``.
"""
