"""Outreach & Crime Trends: relate police community outreach to neighbourhood crime, honestly."""

__version__ = "0.1.0"
