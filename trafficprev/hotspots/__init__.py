"""Hotspot statistics on network units (assembling)."""
