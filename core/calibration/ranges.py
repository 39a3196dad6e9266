"""The temperatures a fit may give: the one fact both the fit and meta.json's reader (numpy-free) need."""

#: the temperatures searched (a run needing one outside this is broken, not miscalibrated)
T_RANGE = (0.02, 50.0)
