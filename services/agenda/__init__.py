"""The agenda service."""
