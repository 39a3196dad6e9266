"""Run folders: their layout on disk, meta.json, the training lock, and the runs folder as a table (listing, ops, plots)."""
