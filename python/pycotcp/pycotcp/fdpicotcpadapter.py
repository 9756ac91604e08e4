"""Seed-compatible import path for FDPicoTCPAdapter."""
from pycotcp.adapters import FDPicoTCPAdapter

__all__ = ["FDPicoTCPAdapter"]
