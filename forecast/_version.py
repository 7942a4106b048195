"""The package version, kept in one place (read by setup.cfg and exported metadata)."""

__version__ = "0.1.0"
