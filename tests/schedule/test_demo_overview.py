"""The demo's hours-by-step table keeps finished and open work apart (an all-bids-against-all-logs
table makes every step look under budget while work is open)."""

from __future__ import annotations

import pandas as pd

from trackframes.demo import hours_by_step


def test_finished_work_is_compared_with_its_own_bid_and_open_work_is_listed_apart():
    tasks = pd.DataFrame({
        "id": [1, 2, 3, 4],
        "step.name": ["Anim", "Anim", "Anim", "FX"],
        "done": pd.array([True, True, False, True], dtype="boolean"),
        "estimate_minutes": pd.array([600, 1200, 3000, 60], dtype="Int64"),   # 10 h, 20 h, 50 h, 1 h
        "logged_minutes": pd.array([900, 0, 120, 30], dtype="Int64"),         # 15 h, 0 h (omitted), 2 h, 0.5 h
    })
    lines = hours_by_step(tasks).splitlines()
    anim = next(line for line in lines if line.strip().startswith("Anim"))
    fx = next(line for line in lines if line.strip().startswith("FX"))
    # finished: only task 1 (task 2 was done without any time logged, so it is neither finished nor open)
    assert anim.split() == ["Anim", "10", "h", "15", "h", "150%", "50", "h", "2", "h"]
    assert fx.split() == ["FX", "1", "h", "0", "h", "50%", "0", "h", "0", "h"]
