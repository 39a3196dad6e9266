"""The --augment policies and what each does: torch-free, so the command line's help and the window's
form can name them before PyTorch loads. The policies themselves are in core.data.augment."""

from __future__ import annotations

#: --augment's choices -> what each does (the command line's help and the window's tooltips say it from here)
AUGMENTS = {
    "none": "no augmentation: every epoch sees the centre crop, exactly as evaluation does",
    "basic": "random resized crop (35-100% of the photo, aspect 3:4 to 4:3) and a mirror half the time",
    "trivial": "basic, then TrivialAugmentWide: one random operation per photo (colour, contrast, sharpness, "
               "rotation, shear, shift...) at a random strength",
    "randaugment": "basic, then RandAugment: two random operations per photo at strength 9 of 31",
}
DEFAULT_AUGMENT = "basic"
#: the window's names for them
AUGMENT_LABELS = {"none": "None", "basic": "Basic: crop and flip", "trivial": "TrivialAugment",
                  "randaugment": "RandAugment"}
