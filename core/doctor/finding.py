"""One line of the doctor's report: a check, its mark and, for a problem, the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MARKS = ("ok", "warn", "problem")


@dataclass(frozen=True)
class Finding:
    check: str  # "GPU", "PyTorch build", "Qt platform"...
    mark: str  # one of MARKS
    detail: str
    fix: str = ""  # a command or step to run; always given for a problem

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        text = f"[{self.mark:<7}] {self.check}: {self.detail}"
        return text + (f"\n          fix: {self.fix}" if self.fix else "")
