"""The library's version (recorded in every data file's provenance and in every cache key)."""

__version__ = "0.1.0"
