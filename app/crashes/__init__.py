"""Crash records (事故) and the accident-prone points and segments (事故易发多发点段) found in them."""
