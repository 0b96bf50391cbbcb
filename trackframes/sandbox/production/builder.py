"""One project's sequences, assets, shots, tasks and their activity, for :mod:`.generator`.

:class:`ProjectBuilder` lays each shot's and asset's task chain out on the
project's working days, levelled onto people with room for it (:mod:`.staffing`),
decides each task's status from where its dates fall against today (finished
work final, a sequence in trouble still open), and adds time logs, versions
and review notes for the work done so far.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Asset, Note, Ref, Sequence, Shot, Task, TimeEntry, Version
from .vocabulary import (
    ASSET_NAMES,
    ASSET_TYPE_CUM,
    ASSET_TYPES,
    CLIENT_STEPS,
    LOG_PHRASES,
    MAX_DELAY,
    MEDIA_HOST,
    MINUTES_PER_DAY,
    NOTE_BODIES,
    NOTE_PREFIX,
    NOTE_TYPE_CUM,
    NOTE_TYPES,
    OVERRUN,
    PLACES,
    PRIORITIES,
    PRIORITY_CUM,
    RIG_ODDS,
    SHOT_STEP_ODDS,
    SHOT_TEMPLATES,
    SHOT_TYPE_CUM,
    SHOT_TYPES,
    SLIPS,
    SLIP_CUM,
    STEPS,
    StepSpec,
    TAGS,
)

if TYPE_CHECKING:
    from .generator import _Generator

__all__ = ["ProjectBuilder", "ProjectPlan"]


@dataclass
class ProjectPlan:
    """Planning data of one project while it is generated (day ordinals, sizes, who worked on it)."""

    index: int
    name: str
    abbreviation: str
    archived: bool
    start: int  # ordinal
    end: int  # ordinal
    weight: float
    fps: float
    n_shots: int = 1
    n_assets: int = 1
    pid: int = 0
    work: list[int] = field(default_factory=list)  # ordinals of its working days, ascending
    members: set[int] = field(default_factory=set)  # person ids

class ProjectBuilder:
    """Generates one project's sequences, assets, shots and everything below them."""

    def __init__(self, gen: _Generator, project: ProjectPlan) -> None:
        self.g = gen
        self.rng = gen.rng
        self.p = project
        self.work = project.work
        self.n_shots = project.n_shots
        self.n_assets = project.n_assets
        self.asset_refs: list[tuple[Ref, str]] = []  # (asset, asset type)
        self.asset_shots: dict[int, list[int]] = {}
        self.created_day = project.start - gen.ri(5, 20)
        self.today_idx = self.day_index(gen.t)  # index in ``work`` of today (or the next working day)

    def coordinator(self) -> int:
        return self.g.pick(self.g.production_staff)

    def day_index(self, ordinal: int) -> int:
        """Index in ``work`` of the first working day on or after ``ordinal``."""
        return bisect_left(self.work, ordinal)

    def run(self) -> None:
        self.make_assets()
        self.make_shots()

    # -- assets ----------------------------------------------------------------
    def make_assets(self) -> None:
        g, rng, p = self.g, self.rng, self.p
        seen: dict[str, int] = {}
        start_idx = self.day_index(p.start)
        span = self.day_index(p.end) - start_idx
        for _ in range(self.n_assets):
            atype = g.weighted(ASSET_TYPES, ASSET_TYPE_CUM)
            stem = g.pick(ASSET_NAMES[atype])
            seen[stem] = seen.get(stem, 0) + 1
            name = stem if seen[stem] == 1 else f"{stem}{seen[stem]:02d}"
            by = self.coordinator()
            created = g.stamp(self.created_day + g.ri(0, 15))
            asset = g.add(Asset(
                project=p.pid,
                name=name,
                description=f"{atype} asset: {stem}.",
                asset_type=atype,
                status="waiting",
                shots=[],
                tags=sorted(rng.sample(("hero", "background", "shared", "reuse", "client-facing"), g.ri(0, 2))),
                thumbnail=g.thumbnail(),
                **g.system(created, created, by),
            ))
            ref = g.ref("asset", asset.id)
            self.asset_refs.append((ref, atype))
            self.asset_shots[asset.id] = asset.shots
            steps = [s for s in STEPS if s.applies_to == "asset"
                     and (s.name != "Rig" or rng.random() < RIG_ODDS.get(atype, 0.0))]
            # assets are built in the first half of the show
            first = start_idx + int(rng.random() * 0.5 * max(1, span - 30))
            statuses = self.make_tasks(ref, name, steps, first, created, frames=(1001, 1120))
            self.finish_status(asset, statuses, created)

    # -- shots ---------------------------------------------------------------
    def make_shots(self) -> None:
        g, rng, p = self.g, self.rng, self.p
        n_seq = max(1, round(self.n_shots / 25))
        per_seq = [self.n_shots // n_seq + (1 if k < self.n_shots % n_seq else 0) for k in range(n_seq)]
        start_idx = self.day_index(p.start)
        span = self.day_index(p.end) - start_idx
        shot_steps = [s for s in STEPS if s.applies_to == "shot"]
        characters = [a for a in self.asset_refs if a[1] in ("Character", "Vehicle")]
        others = [a for a in self.asset_refs if a[1] not in ("Character", "Vehicle")]
        trouble = self.trouble(n_seq, start_idx, span)
        for k, count in enumerate(per_seq):
            seq_name = f"SQ{(k + 1) * 10:03d}"
            created = g.stamp(self.created_day + g.ri(0, 10))
            seq = g.add(Sequence(
                project=p.pid,
                name=seq_name,
                description=f"Sequence {seq_name} of {p.name}.",
                status="waiting",
                thumbnail=g.thumbnail(0.7),
                **g.system(created, created, self.coordinator()),
            ))
            statuses: list[str] = []
            timecode = 3_600_000 + k * 600_000  # 01:00:00:00 plus ten minutes a sequence
            for n in range(count):
                stuck = None
                if trouble is not None and trouble[0] == k and rng.random() < trouble[2]:
                    stuck = trouble[1]
                status, timecode = self.make_shot(seq.id, seq_name, n, k, n_seq, start_idx, span,
                                                  shot_steps, characters, others, timecode, stuck)
                statuses.append(status)
            self.finish_status(seq, statuses, seq.created)

    def trouble(self, n_seq: int, start_idx: int, span: int) -> tuple[int, int, float] | None:
        """The sequence where work got stuck, in the two main live projects: (sequence index, first working-day
        index of the trouble, share of its shots hit). Tasks of a hit shot due since then are still open."""
        p, g = self.p, self.g
        if p.archived or p.index > 1:
            return None
        elapsed = self.today_idx - start_idx
        room = max(1, span - 45)
        if elapsed < 40 or elapsed > room:
            return None
        back, share = (g.ri(12, 18), 0.25) if p.index == 0 else (g.ri(5, 9), 0.15)
        # the sequence whose shots started about a month ago: mid-way through their chains today
        k = min(n_seq - 1, max(0, round((elapsed - 22) / room * n_seq - 0.5)))
        return k, self.today_idx - back, share

    def make_shot(self, seq_id: int, seq_name: str, n: int, k: int, n_seq: int, start_idx: int, span: int,
                  shot_steps: list[Any], characters: list[tuple[Ref, str]], others: list[tuple[Ref, str]],
                  timecode: int, stuck: int | None = None) -> tuple[str, int]:
        """Add one shot and its tasks; returns its status and its timecode out.

        ``stuck`` (a working-day index) marks a shot in trouble: its tasks due from that day on are still open.
        """
        g, rng, p = self.g, self.rng, self.p
        name = f"{seq_name}_{(n + 1) * 10:04d}"
        cut = max(8, int(rng.lognormvariate(4.3, 0.5)))  # frames, median ~74
        cut_in, cut_out = 1001, 1000 + cut
        tc_out = timecode + round(cut * 1000 / p.fps)
        picks = rng.sample(characters, min(len(characters), g.ri(0, 2)))
        picks += rng.sample(others, min(len(others), g.ri(0, 2)))
        assets = [a[0].id for a in picks]
        created = g.stamp(self.created_day + g.ri(0, 20))
        char = picks[0][0].id if picks else 0
        description = g.pick(SHOT_TEMPLATES).format(
            place=g.pick(PLACES), char=("hero", "robot", "pilot", "captain")[char % 4],
            prop=g.pick(ASSET_NAMES["Prop"]))
        shot = g.add(Shot(
            project=p.pid,
            name=name,
            description=description,
            sequence=seq_id,
            status="waiting",
            shot_type=g.weighted(SHOT_TYPES, SHOT_TYPE_CUM),
            cut_order=n + 1,
            head_in=cut_in - 8,
            cut_in=cut_in,
            cut_out=cut_out,
            tail_out=cut_out + 8,
            cut_duration=cut,
            timecode_in=timecode,
            timecode_out=tc_out,
            percent_complete=0,
            assets=assets,
            thumbnail=g.thumbnail(),
            **g.system(created, created, self.coordinator()),
        ))
        for a in assets:
            self.asset_shots[a].append(shot.id)
        steps = [s for s in shot_steps if rng.random() < SHOT_STEP_ODDS[s.name]]
        # earlier sequences are further along; chains spread over the project's window
        room = max(1, span - 45)
        frac = min(1.0, max(0.0, (k + rng.random() * 1.6 - 0.3) / n_seq))
        first = start_idx + int(frac * room)
        statuses = self.make_tasks(g.ref("shot", shot.id), name, steps, first, created, frames=(cut_in, cut_out),
                                   stuck=stuck)
        done = sum(1 for s in statuses if s == "final")
        live = sum(1 for s in statuses if s != "omitted")
        shot.percent_complete = round(100 * done / live) if live else 0
        return self.finish_status(shot, statuses, created), tc_out

    def finish_status(self, record: Asset | Sequence | Shot, statuses: list[str], created: str) -> str:
        """Roll the children's statuses up into the parent's status."""
        if not statuses or all(s == "omitted" for s in statuses):
            status = "omitted" if statuses else "waiting"
        elif all(s in ("final", "omitted") for s in statuses):
            status = "final"
        elif any(s in ("in_progress", "review") for s in statuses) or (
                any(s == "final" for s in statuses) and not any(s == "on_hold" for s in statuses)):
            status = "in_progress"
        elif any(s == "on_hold" for s in statuses):
            status = "on_hold"
        elif any(s == "ready" for s in statuses):
            status = "ready"
        else:
            status = "waiting"
        record.status = status
        if status != "waiting":
            record.updated = self.g.later(created, self.g.last_day - self.g.ri(0, 30))
        return status

    # -- tasks and their activity -------------------------------------------------
    def task_status(self, s_idx: int, e_idx: int, stuck: int | None = None) -> str:
        """A task's status from where its dates fall against today (indexes into ``work``).

        Work due before today is done (final, or now and then omitted), except in
        a shot in trouble (``stuck``: its tasks due since then are still open) and
        for a few tasks due in the last three working days, still being finished.
        """
        r, t = self.rng.random(), self.g.t
        start, due = self.work[s_idx], self.work[e_idx]
        if self.p.archived:
            return "omitted" if r < 0.03 else "final"
        if due < t:
            if stuck is not None and e_idx >= stuck:
                return "in_progress" if r < 0.55 else "review" if r < 0.85 else "on_hold"
            if self.today_idx - e_idx <= 3 and self.rng.random() < 0.015:
                return "in_progress" if r < 0.6 else "review"
            return "omitted" if r < 0.02 else "final"
        if start > t:
            return "waiting" if r < 0.6 else "ready" if r < 0.94 else "on_hold" if r < 0.98 else "omitted"
        return ("in_progress" if r < 0.62 else "review" if r < 0.78 else "final" if r < 0.86
                else "ready" if r < 0.96 else "on_hold")

    def make_tasks(self, parent: Ref, parent_name: str, steps: list[StepSpec], first: int,
                   created: str, frames: tuple[int, int], stuck: int | None = None) -> list[str]:
        """Add one shot's or asset's task chain, step after step; returns the statuses."""
        g, rng, p, work = self.g, self.rng, self.p, self.work
        statuses: list[str] = []
        idx = first
        previous: Task | None = None
        for spec in steps:
            lo, hi = spec.bid_days
            bid_half_days = g.ri(int(lo * 2), int(hi * 2))
            slip = g.weighted(SLIPS, SLIP_CUM)
            days = max(1, math.ceil(bid_half_days / 2) + slip)
            estimate = bid_half_days * MINUTES_PER_DAY // 2
            s_idx, e_idx, free = self.level(spec.department, idx, days, estimate)
            days = e_idx - s_idx + 1
            idx = e_idx + 1 + g.pick((0, 0, 0, 1, 1, 2, 3))
            start, due = work[s_idx], work[e_idx]
            status = self.task_status(s_idx, e_idx, stuck)
            statuses.append(status)
            assignees = g.assignees(spec.department, p.archived, status, start, due, estimate, free)
            p.members.update(a.id for a in assignees if a.kind == "person")
            by = self.coordinator()
            t_created = g.stamp(min(start - g.ri(3, 40), g.ord_of(created) + g.ri(0, 10)))
            if t_created < created:
                t_created = created
            task = g.add(Task(
                project=p.pid,
                name=spec.name,
                parent=parent,
                step=g.steps[spec.name].id,
                status=status,
                assignees=assignees,
                start=g.iso(start),
                due=g.iso(due),
                duration=days * MINUTES_PER_DAY,
                estimate=estimate,
                logged=0,
                priority=g.weighted(PRIORITIES, PRIORITY_CUM),
                color=None if rng.random() < 0.9 else spec.color,
                milestone=spec.name == "Comp" and rng.random() < 0.05,
                upstream=[previous.id] if previous else [],
                downstream=[],
                description=None if rng.random() < 0.8 else f"{spec.description} {parent_name}.",
                **g.system(t_created, t_created, by),
            ))
            if previous is not None:
                previous.downstream = [task.id]
            previous = task
            # in a shot in trouble, the work running today is behind too (at risk of running late),
            # and now and then a task running today has fallen behind on its own
            pace = 1.0
            if stuck is not None and due >= g.t:
                pace = rng.uniform(0.2, 0.45)
            elif start <= g.t <= due and rng.random() < 0.12:
                pace = rng.uniform(0.25, 0.5)
            last_activity = self.make_activity(task, parent, parent_name, spec, s_idx, e_idx, status,
                                               assignees, estimate, frames, pace)
            touched = last_activity if last_activity is not None else (
                min(due, g.last_day) if start <= g.t else g.ord_of(t_created) + g.ri(0, 20))
            task.updated = g.later(t_created, touched)
            task.updated_by = by
        return statuses

    def level(self, dept: str, idx: int, days: int, minutes: int) -> tuple[int, int, int]:
        """Working-day indexes of a task of ``days`` weekdays starting at ``idx`` or later, and who has room.

        Planned days are weekdays (a crunch weekend is for catching up); the
        start moves later, by up to :data:`MAX_DELAY` working days, until
        someone in the department has room for it (a resource-levelled plan);
        when nobody has, the department hires someone.
        """
        g, work = self.g, self.work
        roster = g.roster
        assert roster is not None
        pool = g.pool(dept, self.p.archived)
        spans = []
        for delay in range(MAX_DELAY + 1):
            s_idx = e_idx = idx + delay
            weekdays = (work[s_idx] - 1) % 7 < 5
            while weekdays < days:
                e_idx += 1
                weekdays += (work[e_idx] - 1) % 7 < 5
            uid = roster.find(pool, work[s_idx], work[e_idx], minutes)
            if uid is not None:
                return s_idx, e_idx, uid
            spans.append((s_idx, e_idx))
        # still nobody with room: the studio hires someone for the planned dates
        s_idx, e_idx = spans[0]
        return s_idx, e_idx, g.hire(dept, work[s_idx], self.p.archived)

    def activity_window(self, s_idx: int, e_idx: int, status: str) -> tuple[int, int]:
        """Working-day indexes during which a started task was worked on (may be empty)."""
        g = self.g
        last = bisect_right(self.work, g.last_day) - 1
        if status == "final":
            end = min(e_idx, last)
        elif status in ("in_progress", "review"):
            end = last  # overdue work continues past the due date
        elif status == "on_hold":
            end = min(s_idx + (e_idx - s_idx) // 2, last)
        else:
            return (0, -1)
        return (s_idx, end)

    def make_activity(self, task: Task, parent: Ref, parent_name: str, spec: StepSpec,
                      s_idx: int, e_idx: int, status: str, assignees: list[Ref], bid: int,
                      frames: tuple[int, int], pace: float = 1.0) -> int | None:
        """Time logs, versions and notes of one task; returns the day of its last activity."""
        lo, hi = self.activity_window(s_idx, e_idx, status)
        if hi < lo:
            return None
        last = self.make_time_logs(task, spec, lo, hi, e_idx, status, assignees, bid, pace)
        last_version = self.make_versions(task, parent, parent_name, spec, lo, hi, status, assignees, frames)
        if last_version is not None:
            last = max(last or 0, last_version)
        return last

    def make_time_logs(self, task: Task, spec: StepSpec, lo: int, hi: int, e_idx: int, status: str,
                       assignees: list[Ref], bid: int, pace: float = 1.0) -> int | None:
        """One task's time logs (``pace`` < 1: open work that fell behind); returns the day of the last."""
        g, rng, p, work = self.g, self.rng, self.p, self.work
        planned = e_idx - lo + 1
        elapsed = hi - lo + 1
        if status == "final":
            total = bid * rng.uniform(0.6, 1.45) * OVERRUN.get(spec.name, 1.0)
        else:  # open work logs in step with time, but a stuck task stops booking hours at some point
            total = bid * min(elapsed / planned, rng.uniform(1.05, 1.6)) * rng.uniform(0.7, 1.3) * pace
        n = min(elapsed, g.pick((1, 2, 2, 3, 3, 4, 4, 5)))
        weights = [rng.random() + 0.3 for _ in range(n)]
        unit = total / sum(weights)
        logged = 0
        last: int | None = None
        for w in weights:
            minutes = max(15, round(unit * w / 15) * 15)
            uid = g.worker(assignees, spec.department)
            day = None
            for _ in range(6):
                candidate = work[g.ri(lo, hi)]
                if g.works(candidate, p.pid, uid):
                    day = candidate
                    break
            if day is None:
                continue
            p.members.add(uid)
            created = g.stamp(day, 16 * 3600)
            g.add(TimeEntry(
                project=p.pid,
                task=task.id,
                person=uid,
                date=g.iso(day),
                minutes=minutes,
                description=f"{spec.name}: {g.pick(LOG_PHRASES)}",
                **g.system(created, created if rng.random() < 0.85 else g.later(created, day + g.ri(1, 5)), uid),
            ))
            logged += minutes
            last = day if last is None else max(last, day)
        task.logged = logged
        return last

    def make_versions(self, task: Task, parent: Ref, parent_name: str, spec: StepSpec, lo: int, hi: int,
                      status: str, assignees: list[Ref], frames: tuple[int, int]) -> int | None:
        g, rng, p, work = self.g, self.rng, self.p, self.work
        choices = {"final": (1, 2, 2, 3, 3, 3, 4, 5), "in_progress": (0, 1, 2, 2, 3, 3), "review": (1, 2, 2, 3, 3),
                   "on_hold": (0, 1, 1)}[status]
        n = g.pick(choices)
        if n == 0:
            return None
        days = sorted(work[g.ri(lo, hi)] for _ in range(n))
        first, last = frames
        count = last - first + 1
        frames_dir = f"/mnt/projects/{p.abbreviation.lower()}/{parent_name}/{spec.short_name.lower()}"
        for k, day in enumerate(days, start=1):
            final = k == n
            if final:  # every choice is drawn, whatever the status
                vstatus = {"final": "approved" if rng.random() < 0.9 else "viewed", "review": "review",
                           "in_progress": g.pick(("review", "viewed")), "on_hold": g.pick(("viewed", "none"))}[status]
            else:
                vstatus = "rejected" if rng.random() < 0.4 else "viewed"
            vname = f"{parent_name}_{spec.short_name.lower()}_v{k:03d}"
            uid = g.worker(assignees, spec.department)
            created = g.stamp(day)
            movie = None
            if rng.random() < 0.92:
                movie = g.attachment(f"{MEDIA_HOST}/{p.abbreviation.lower()}/{vname}.mov", f"{vname}.mov",
                                     "video/quicktime", "upload")
            version = Version(
                project=p.pid,
                name=vname,
                description=f"{spec.name} v{k:03d} for review",
                parent=parent,
                task=task.id,
                artist=uid,
                status=vstatus,
                movie=movie,
                frames_path=f"{frames_dir}/v{k:03d}/{vname}.%04d.exr",
                first_frame=first,
                last_frame=last,
                frame_count=count,
                frame_rate=p.fps,
                client_approved=vstatus == "approved" and spec.name in CLIENT_STEPS and rng.random() < 0.6,
                thumbnail=g.thumbnail(0.9) if movie is not None else None,
                **g.system(created, created, uid),
            )
            updated_day = day + g.ri(0, 3) if vstatus != "review" else day
            g.add(version)
            version.updated = g.later(created, updated_day)
            version.updated_by = self.coordinator() if vstatus != "review" else uid
            if rng.random() < 0.55:
                self.make_note(version, parent, spec, day, uid, final)
        return days[-1]

    def make_note(self, version: Version, parent: Ref, spec: StepSpec, day: int, artist: int, final: bool) -> None:
        g, rng = self.g, self.rng
        note_type = g.weighted(NOTE_TYPES, NOTE_TYPE_CUM)
        author = g.pick(g.production_staff) if note_type != "Internal" or rng.random() < 0.5 else \
            g.pick(g.dept_active.get(spec.department) or g.dept_all[spec.department])
        cc: list[Ref] = []
        if rng.random() < 0.4:
            cc.append(g.ref("group", g.dept_group[spec.department]))
        if rng.random() < 0.3:
            other = g.pick(g.production_staff)
            if other != author:
                cc.append(g.ref("person", other))
        note_day = min(day + g.ri(0, 2), g.last_day)
        created = g.stamp(note_day)
        if created < version.created:
            created = version.created
        g.add(Note(
            project=version.project,
            subject=f"{NOTE_PREFIX[note_type]}: {version.name}",
            body=g.pick(NOTE_BODIES),
            author=author,
            about=[g.ref("version", version.id), parent],
            tasks=[version.task],
            to=[g.ref("person", artist)],
            cc=cc,
            note_type=note_type,
            status="open" if final and rng.random() < 0.6 else ("in_progress" if rng.random() < 0.1 else "closed"),
            tags=sorted(rng.sample(TAGS, g.pick((0, 1, 1, 2)))),
            **g.system(created, g.later(created, note_day + g.ri(0, 4)), author),
        ))
