"""The UGEL specialist's follow-up pages beyond fulfilment and caseloads: coverage, commitments, results per
stage, the seguimiento and evaluación matrices, the acompañantes' performance and the quarterly report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
