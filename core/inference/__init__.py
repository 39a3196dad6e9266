"""A trained model at work: loading a run, batched forward passes, predictions, evaluation, the submission CSV."""
