"""One module per flow; each asks only for what is missing."""
