"""Seed-compatible import path for PicoTCPAdapter."""
from pycotcp.adapters import PicoTCPAdapter

__all__ = ["PicoTCPAdapter"]
