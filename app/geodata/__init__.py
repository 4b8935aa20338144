"""Loading geodata: boundaries, townships, roads, hazards from files; the shipped data set; the demo."""
