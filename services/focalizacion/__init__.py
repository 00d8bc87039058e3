"""The focalizacion service."""
