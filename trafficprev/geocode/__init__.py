"""Offline geocoding of Chinese accident-place phrases against an area gazetteer."""
