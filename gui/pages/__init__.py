"""The window's six pages, one folder each: data, train, predict, evaluate, runs, explore."""
