-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- One database per service; each service creates its own schema and tables in it.
CREATE DATABASE acompana_focalizacion;
CREATE DATABASE acompana_agenda;
CREATE DATABASE acompana_evidencias;
CREATE DATABASE acompana_evaluacion;
