"""hazardmap: road-traffic-safety hazard ledger and map service (道路交通安全隐患台账与挂图作战)."""

__version__ = "0.1.0"
