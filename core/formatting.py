"""Human-readable numbers shared by the console and the window."""


def format_duration(seconds: float) -> str:
    """'4:05' under an hour, '1:02:03' above."""
    s = int(max(0, seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
