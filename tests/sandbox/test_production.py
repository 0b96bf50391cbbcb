"""The neutral production: tracker-free names, integrity of its references, its calendar, and how
the ShotGrid sandbox renders it.

The rendering checks are written from the ShotGrid catalog's field names and the production's
documented model, field by field; they never compare the renderer with itself.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from trackframes.sandbox import production as neutral
from trackframes.sandbox.production import KINDS, STATUSES, Calendar, Meaning, Production, Ref, generate
from trackframes.sandbox.shotgrid import catalog
from trackframes.sandbox.shotgrid.render_production import render

TODAY = date(2026, 3, 11)
PACKAGE = Path(neutral.__file__).parent

#: Names of the trackers' own schemas and wire forms that must not appear in the neutral production.
TRACKER_WORDS = [
    r"\bsg_", r"HumanUser", r"CustomNonProjectEntity", r"\bcontent\b", r"\bcode\b", r"est_in_mins",
    r"task_assignees", r"TimeLog", r"status_list", r"\bentity_type\b", r"multi_entity", r"pipeline_step",
    r"navchains", r"\bentity\b", r"_summarize", r"_search", r"\"links\"", r"page\[",
    r"""["'](wtg|rdy|ip|rev|fin|hld|omt|na|vwd|apr|rej|opn|clsd|act|dis)["']""",
    r"Appointment", r"TypedContext", r"AssetBuild", r"AssetVersion", r"Timelog", r"__entity_type__", r"ftrack",
    r"[Ss]hot[Gg]rid", r"[Ss]hotgun", r"Kitsu", r"\bZou\b",
]


@pytest.fixture(scope="module")
def prod() -> Production:
    return generate(scale=0.1, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def store(prod: Production):
    return render(prod)


# -- the production speaks no tracker's language ----------------------------------------------


def test_the_production_package_uses_no_tracker_names():
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for word in TRACKER_WORDS:
                if re.search(word, line):
                    found.append(f"{path.name}:{number}: {word}: {line.strip()}")
    assert len(list(PACKAGE.glob("*.py"))) >= 6
    assert not found, "\n".join(found)


def test_the_tracker_word_check_catches_what_it_should():
    samples = ['"sg_status_list"', "HumanUser", "rec['content']", "status = 'ip'", "TimeLog", "entity.Shot.code"]
    for sample in samples:
        assert any(re.search(word, sample) for word in TRACKER_WORDS), sample
    for neutral_text in ("status = 'in_progress'", "task.parent", "the description", "Timeline", "contents"):
        assert not any(re.search(word, neutral_text) for word in TRACKER_WORDS), neutral_text


# -- the production's own integrity -----------------------------------------------------------------


def test_ids_count_from_one_per_kind(prod: Production):
    for kind, records in prod:
        assert records, kind
        assert [r.id for r in records] == list(range(1, len(records) + 1)), kind
        assert all(isinstance(r, KINDS[kind]) for r in records)
        assert prod.get(kind, len(records)) is records[-1]


def test_unknown_kinds_and_ids_are_named(prod: Production):
    with pytest.raises(KeyError, match="kinds: project, sequence"):
        prod.table("HumanUser")
    with pytest.raises(KeyError, match="no task 0"):
        prod.get("task", 0)
    with pytest.raises(KeyError, match=f"no shot {len(prod.shots) + 1}"):
        prod.get("shot", len(prod.shots) + 1)


def test_equal_inputs_give_equal_productions_and_others_differ():
    a = generate(scale=0.03, seed=3, today=TODAY)
    assert generate(scale=0.03, seed=3, today=TODAY) == a
    assert generate(scale=0.03, seed=4, today=TODAY).tasks != a.tasks
    assert (a.today, a.scale, a.seed) == (TODAY, 0.03, 3)
    assert "tasks=" in repr(a) and str(len(a.tasks)) in repr(a)


def _exists(prod: Production, ref: Ref, kinds: set[str]) -> bool:
    return ref.kind in kinds and 0 < ref.id <= prod.count(ref.kind)


def test_references_point_at_records_of_the_right_kind(prod: Production):
    n = {kind: prod.count(kind) for kind in KINDS}

    def ok(kind: str, i: int) -> bool:
        return 0 < i <= n[kind]

    for p in prod.projects:
        assert all(ok("person", u) for u in p.members) and p.members == sorted(set(p.members))
    for person in prod.people:
        assert all(ok("group", g) for g in person.groups) and all(ok("project", i) for i in person.projects)
    for g in prod.groups:
        assert all(prod.get("person", u).department == g.name for u in g.members)
    for s in prod.sequences:
        assert ok("project", s.project)
    for s in prod.shots:
        assert prod.get("sequence", s.sequence).project == s.project
        assert all(s.id in prod.get("asset", a).shots for a in s.assets)
    for t in prod.tasks:
        assert _exists(prod, t.parent, {"shot", "asset"})
        assert prod.get(t.parent.kind, t.parent.id).project == t.project
        step = prod.get("step", t.step)
        assert (step.applies_to, step.name) == (t.parent.kind, t.name)
        assert all(_exists(prod, a, {"person", "group"}) for a in t.assignees)
        assert all(prod.get("task", u).downstream == [t.id] for u in t.upstream)
    for v in prod.versions:
        task = prod.get("task", v.task)
        assert (task.parent, task.project) == (v.parent, v.project) and ok("person", v.artist)
    for e in prod.time_entries:
        assert prod.get("task", e.task).project == e.project and ok("person", e.person)
    for note in prod.notes:
        assert note.about[0].kind == "version" and _exists(prod, note.about[1], {"shot", "asset"})
        assert all(_exists(prod, r, {"person", "group"}) for r in note.to + note.cc)
    for v in prod.vendors:
        assert ok("person", v.contact) and v.works_on in ("shot", "asset")
    for kind, records in prod:
        for r in records:
            assert ok("person", r.created_by) and ok("person", r.updated_by), (kind, r.id)
            assert r.created <= r.updated < TODAY.isoformat(), (kind, r.id)


def test_statuses_carry_every_meaning(prod: Production):
    for kind in ("task", "shot", "sequence", "asset", "version", "note"):
        table = STATUSES[kind]
        used = Counter(r.status for r in prod.table(kind))
        assert set(used) <= set(table), kind
    meanings = {STATUSES["task"][t.status].meaning for t in prod.tasks}
    assert meanings == set(Meaning)
    # meanings follow today: work that is done or omitted is not after today's open work
    for t in prod.tasks:
        meaning = STATUSES["task"][t.status].meaning
        if meaning is Meaning.NOT_STARTED:
            assert t.due >= TODAY.isoformat()
        if meaning in (Meaning.IN_PROGRESS, Meaning.REVIEW, Meaning.DONE):
            assert t.start <= TODAY.isoformat()


def test_time_entries_add_up_to_each_tasks_logged_minutes(prod: Production):
    logged = Counter()
    for e in prod.time_entries:
        logged[e.task] += e.minutes
        assert prod.calendar.working(date.fromisoformat(e.date), project=e.project, person=e.person)
    assert all(t.logged == logged[t.id] for t in prod.tasks)


# -- the calendar --------------------------------------------------------------------------------


def test_calendar_rules_go_from_the_most_specific():
    monday, saturday = date(2026, 3, 2), date(2026, 3, 7)
    cal = Calendar(studio_exceptions={monday: (False, "Holiday")},
                   project_weeks={1: (True,) * 7},
                   project_exceptions={1: {monday: (True, "Crunch")}},
                   person_weeks={7: (False, True, True, True, True, False, False)},
                   person_exceptions={7: {saturday: (True, "Catch-up")}})
    assert cal.rule(monday).scope == "studio" and not cal.working(monday)
    assert cal.rule(monday, project=1).description == "Crunch" and cal.working(monday, project=1)
    assert cal.rule(monday, project=1, person=7).scope == "project"  # a project exception beats a person's week
    assert cal.working(saturday, project=1) and not cal.working(saturday)
    assert cal.rule(saturday, project=1, person=7).description == "Catch-up"
    tuesday = monday + timedelta(days=1)
    assert cal.rule(tuesday, person=7).exception is False and cal.rule(tuesday, person=7).scope == "person"
    assert not cal.working(monday + timedelta(days=7), person=7)  # the person's week: Mondays off
    for day in (monday, tuesday, saturday):
        for project in (None, 1):
            for person in (None, 7):
                assert cal.working(day, project, person) is cal.rule(day, project, person).working


def test_the_production_calendar_has_holidays_crunches_vacations_and_a_part_time_week(prod: Production):
    cal = prod.calendar
    assert cal.studio_exceptions[date(TODAY.year, 12, 25)] == (False, "Christmas Day")
    assert any(on and day.weekday() >= 5 for rules in cal.project_exceptions.values() for day, (on, _) in rules.items())
    assert any(text == "Vacation" for rules in cal.person_exceptions.values() for _, (_, text) in rules.items())
    assert any(sum(week) < 5 for week in cal.person_weeks.values())
    assert set(cal.project_exceptions) == {p.id for p in prod.projects}


# -- the ShotGrid rendering ------------------------------------------------------------------------

#: kind -> (ShotGrid entity, {ShotGrid field: production attribute}) for values copied as they are
COPIED = {
    "project": ("Project", {"name": "name", "archived": "archived", "start_date": "start", "end_date": "end",
                            "sg_budget": "budget", "sg_type": "project_type", "image": "thumbnail"}),
    "sequence": ("Sequence", {"code": "name", "description": "description"}),
    "shot": ("Shot", {"code": "name", "sg_cut_in": "cut_in", "sg_cut_out": "cut_out",
                      "sg_cut_duration": "cut_duration", "sg_timecode_in": "timecode_in",
                      "sg_percent_complete": "percent_complete", "sg_shot_type": "shot_type"}),
    "asset": ("Asset", {"code": "name", "sg_asset_type": "asset_type", "tag_list": "tags"}),
    "step": ("Step", {"code": "name", "short_name": "short_name", "color": "color", "list_order": "order"}),
    "task": ("Task", {"content": "name", "start_date": "start", "due_date": "due", "duration": "duration",
                      "est_in_mins": "estimate", "time_logs_sum": "logged", "sg_priority_1": "priority",
                      "milestone": "milestone", "sg_description": "description"}),
    "version": ("Version", {"code": "name", "sg_path_to_frames": "frames_path", "frame_count": "frame_count",
                            "sg_uploaded_movie_frame_rate": "frame_rate", "client_approved": "client_approved"}),
    "time_entry": ("TimeLog", {"date": "date", "duration": "minutes", "description": "description"}),
    "person": ("HumanUser", {"name": "name", "firstname": "first_name", "lastname": "last_name",
                             "login": "login", "email": "email", "password_proxy": "password",
                             "sg_department": "department"}),
    "group": ("Group", {"code": "name"}),
    "note": ("Note", {"subject": "subject", "content": "body", "sg_note_type": "note_type", "tag_list": "tags"}),
    "vendor": ("CustomNonProjectEntity01", {"code": "name", "sg_day_rate": "day_rate", "sg_rating": "rating",
                                            "sg_country": "country", "sg_contract_start": "contract_start"}),
}
SG_STATUS = {  # the meaning of each ShotGrid status code, from the ShotGrid site's status list
    "wtg": Meaning.NOT_STARTED, "rdy": Meaning.NOT_STARTED, "ip": Meaning.IN_PROGRESS, "rev": Meaning.REVIEW,
    "fin": Meaning.DONE, "hld": Meaning.ON_HOLD, "omt": Meaning.OMITTED,
}


def link(entity: str, i: int) -> dict:
    return {"type": entity, "id": i}


def test_every_kind_and_status_has_a_shotgrid_name():
    assert {COPIED[k][0] for k in KINDS} == set(catalog.ENTITY_TYPES)
    for kind, codes in (("task", catalog.TASK_STATUS_CODES), ("shot", catalog.SHOT_STATUS_CODES),
                        ("version", catalog.VERSION_STATUS_CODES), ("note", catalog.NOTE_STATUS_CODES)):
        assert list(codes) == list(STATUSES[kind]), kind  # every status, in workflow order
        assert len(set(codes.values())) == len(codes)
    for key, code in catalog.TASK_STATUS_CODES.items():
        assert STATUSES["task"][key].meaning is SG_STATUS[code]


def test_rendered_records_carry_the_production_values(prod: Production, store):
    for kind, (entity, fields) in COPIED.items():
        records = prod.table(kind)
        assert list(store.records[entity]) == [r.id for r in records], kind
        for r in records:
            rec = store.records[entity][r.id]
            for sg_field, attr in fields.items():
                assert rec[sg_field] == getattr(r, attr), (kind, r.id, sg_field)
            assert (rec["created_at"], rec["updated_at"]) == (r.created, r.updated)
            assert rec["created_by"] == link("HumanUser", r.created_by)


def test_rendered_links_statuses_and_derived_values(prod: Production, store):
    entity_of = {kind: COPIED[kind][0] for kind in KINDS}
    recs = store.records
    for t in prod.tasks:
        rec = recs["Task"][t.id]
        assert rec["entity"] == link(entity_of[t.parent.kind], t.parent.id)
        assert rec["step"] == link("Step", t.step) and rec["project"] == link("Project", t.project)
        assert rec["task_assignees"] == [link(entity_of[a.kind], a.id) for a in t.assignees]
        assert SG_STATUS[rec["sg_status_list"]] is STATUSES["task"][t.status].meaning
        assert rec["color"] == (t.color or "pipeline_step")
        assert rec["upstream_tasks"] == [link("Task", u) for u in t.upstream]
    for s in prod.shots:
        rec = recs["Shot"][s.id]
        feet, frames = map(int, rec["sg_footage"].split("-"))
        assert feet * 16 + frames == s.cut_duration
        assert rec["sg_sequence"] == link("Sequence", s.sequence)
        assert rec["assets"] == [link("Asset", a) for a in s.assets]
    for v in prod.versions:
        rec = recs["Version"][v.id]
        assert rec["frame_range"] == f"{v.first_frame}-{v.last_frame}"
        assert rec["user"] == link("HumanUser", v.artist) and rec["sg_task"] == link("Task", v.task)
        if v.movie is None:
            assert rec["sg_uploaded_movie"] is None
        else:
            assert rec["sg_uploaded_movie"]["url"] == v.movie.url and rec["sg_uploaded_movie"]["type"] == "Attachment"
    for n in prod.notes:
        rec = recs["Note"][n.id]
        assert rec["note_links"] == [link(entity_of[r.kind], r.id) for r in n.about]
        assert rec["addressings_to"] == [link(entity_of[r.kind], r.id) for r in n.to]
    for p in prod.people:
        assert recs["HumanUser"][p.id]["sg_status_list"] == ("act" if p.active else "dis")
    for p in prod.projects:
        rec = recs["Project"][p.id]
        assert rec["users"] == [link("HumanUser", u) for u in p.members]
        assert rec["tracking_settings"]["frame_rate"] == p.frame_rate
    for s in prod.steps:
        assert recs["Step"][s.id]["entity_type"] == entity_of[s.applies_to]
    assert store.today == prod.today


def test_rendered_work_day_rules_equal_the_calendar(prod: Production, store):
    cal, rules = prod.calendar, store.calendar
    reasons = {("person", True): "USER_EXCEPTION", ("project", True): "PROJECT_EXCEPTION",
               ("studio", True): "STUDIO_EXCEPTION", ("person", False): "USER_WORK_WEEK",
               ("project", False): "PROJECT_WORK_WEEK", ("studio", False): "STUDIO_WORK_WEEK"}
    people = sorted(set(cal.person_exceptions) | set(cal.person_weeks))[:6] + [None]
    projects = [p.id for p in prod.projects] + [None]
    start = TODAY - timedelta(days=160)
    for i in range(260):
        day = start + timedelta(days=i)
        for project in projects:
            for person in people:
                ours = cal.rule(day, project, person)
                theirs = rules.rule(day, project_id=project, user_id=person)
                assert (theirs["working"], theirs["description"]) == (ours.working, ours.description)
                assert theirs["reason"] == reasons[(ours.scope, ours.exception)]


def test_rendering_twice_gives_equal_stores_that_share_nothing_mutable(prod: Production):
    a, b = render(prod), render(prod)
    assert a.records == b.records
    a.records["Asset"][1]["tag_list"].append("changed")
    a.calendar.studio_exceptions.clear()
    assert "changed" not in prod.assets[0].tags and "changed" not in b.records["Asset"][1]["tag_list"]
    assert prod.calendar.studio_exceptions and b.calendar.studio_exceptions


def test_a_store_loads_only_new_ascending_ids_of_its_type(store):
    from trackframes.sandbox.shotgrid.model import Store

    fresh = Store(catalog.build_entities())
    first = dict(store.records["Group"][1])
    with pytest.raises(ValueError, match="type 'Step'"):
        fresh.load("Step", [first])
    fresh.load("Group", [first])
    assert fresh.count("Group") == 1 and fresh.version == 1
    with pytest.raises(ValueError, match="not id 1 of type 'Group' after 1"):
        fresh.load("Group", [first])
    assert fresh.insert("Group", {"code": "Leads", "users": []})["id"] == 2
