"""Seed-compatible import path for Lwipv6Adapter."""
from pycotcp.adapters import Lwipv6Adapter

__all__ = ["Lwipv6Adapter"]
