"""Finding, decoding, caching and augmenting training photos."""
