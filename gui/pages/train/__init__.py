"""Train page: architecture, settings, estimates, Start/Stop, live curves."""
