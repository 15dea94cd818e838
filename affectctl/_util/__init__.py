"""Helpers every layer may import: validation, JSON conversion, machine facts, provenance,
shipped resources, display. Imports nothing of affectctl but ``errors`` and ``_version``."""
