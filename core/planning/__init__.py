"""Before a run starts: how much memory it will take and how long it will run on this computer."""
