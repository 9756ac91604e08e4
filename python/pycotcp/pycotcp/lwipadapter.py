"""Seed-compatible import path for LwipAdapter."""
from pycotcp.adapters import LwipAdapter

__all__ = ["LwipAdapter"]
