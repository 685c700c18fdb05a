"""Panels of the main window: synthesis controls, and later model manager and recorder."""
