"""The regional and national desks: the especialista of the DRE (DRE → UGEL → IE …, the UGELs' quarterly
reports received and acknowledged, the region's rules, protocols, instruments and metas) and the MINEDU
(national → DRE → UGEL views of the same tables, instruments and metas, the year's matrices)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
