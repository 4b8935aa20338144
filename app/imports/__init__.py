"""Bulk import of hazards and segments from files, as a background job with progress."""
