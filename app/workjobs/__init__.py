"""Work a worker does for a person: posters, reports, detection runs; their state and their results."""
