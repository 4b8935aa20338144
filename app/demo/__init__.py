"""The demo data set: deterministic hazards and segments over every county and status, marked demo."""
