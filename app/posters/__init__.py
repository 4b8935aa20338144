"""Print: the wall map (挂图) as a vector PDF or a PNG, and the self-contained HTML map file."""
