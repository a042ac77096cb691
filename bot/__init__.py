"""Orientation bot of the youth-aid administration of the Fédération Wallonie-Bruxelles."""

__version__ = "0.1.0"
