"""The views of a take, drawn on one time axis in seconds."""
