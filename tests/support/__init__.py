"""Helpers shared by tests: scripted servers, fakes."""
