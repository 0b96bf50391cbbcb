"""Peak resident memory of the current process (Linux /proc), resettable."""

from __future__ import annotations

__all__ = ["status_kb", "reset_peak"]


def status_kb(key: str) -> int:
    """A ``/proc/self/status`` figure in kB, e.g. ``VmRSS`` (now) or ``VmHWM`` (peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def reset_peak() -> None:
    """Reset ``VmHWM`` to the current RSS (Linux: writing "5" to clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
