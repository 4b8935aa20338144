"""Ledger statistics (统计): counts per county and for the city, and per map grid cell."""
