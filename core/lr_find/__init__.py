"""The learning-rate range test (``catdog lr-find``, the Train page's lrFindButton): run, rules, plot."""
