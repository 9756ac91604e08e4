"""Seed-compatible import path for VdestackAdapter."""
from pycotcp.adapters import VdestackAdapter

__all__ = ["VdestackAdapter"]
