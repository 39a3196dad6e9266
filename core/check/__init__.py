"""`catdog check`: the photos that hurt a training folder (wrong labels, neither class, near-duplicates)."""
