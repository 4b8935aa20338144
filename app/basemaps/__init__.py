"""Base maps: configured tile servers, offline tile packages, the default."""
