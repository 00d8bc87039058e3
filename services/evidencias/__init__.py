"""The evidencias service."""
