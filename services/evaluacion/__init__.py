"""The evaluacion service."""
