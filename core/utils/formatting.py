"""Human-readable numbers shared by the console and the window."""


def format_duration(seconds: float) -> str:
    """'4:05' under an hour, '1:02:03' above."""
    s = int(max(0, seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def format_minutes(seconds: float) -> str:
    """A rough duration for estimates: '40 s', '3 min', '1 h 20 min'."""
    if seconds < 90:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def format_bytes(n: float) -> str:
    """'512 B', '12.3 KB', '634 MB', '6.6 GB': three digits at most, for tables and estimates alike."""
    unit = "B"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            break
        n /= 1024
    if unit == "B":
        return f"{n:.0f} B"
    return f"{n:.1f} {unit}" if n < 100 else f"{n:.0f} {unit}"


def format_acc(acc: float | None) -> str:
    """'97.3%', or '-' for a run with no finished epoch."""
    return f"{acc:.1%}" if acc is not None else "-"
