"""The maps (挂图作战): the county map, the command-room wall display and the field pinning page."""
