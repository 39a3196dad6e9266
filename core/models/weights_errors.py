"""The one error for "these ImageNet weights cannot be had right now"; its message is for a person."""

from core.errors import InputError


class PretrainedWeightsUnavailable(InputError):
    """ImageNet weights are neither installed, cached nor downloadable; the message says the way on."""
