"""Coordinate reference systems siteplan meets in Chinese planning data (see `gcj02`)."""
