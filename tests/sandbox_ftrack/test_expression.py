"""The ftrack sandbox's query-language parser: every example of the three ftrack specs, the
documented operators and clauses, the shapes ftrack_api sends, and positioned errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path as FilePath

import pytest

from trackframes.sandbox.ftrack.errors import ParseError
from trackframes.sandbox.ftrack.expression import MAX_DEPTH, parse, parse_expression, tokenize
from trackframes.sandbox.ftrack.syntax import (
    Aggregate, BoolOp, Comparison, Literal, Not, OrderKey, Path, Query, Relation, Subquery,
)

SPEC_FILES = ("ftrack-api-operations.txt", "ftrack-api-overview.txt", "ftrack-python-api-intro.txt")
# the ftrack specs: TRACKFRAMES_SPECS, else the shared folder next to the repository (absent on a bare clone)
SPECS = next((FilePath(p) for p in (os.environ.get("TRACKFRAMES_SPECS", ""),
                                     FilePath(__file__).resolve().parents[3] / "shared" / "specs")
              if p and (FilePath(p) / SPEC_FILES[0]).is_file()), None)

#: the query expressions written in the three specs, in order (checked against the spec files when present)
SPEC_EXAMPLES = [
    'select id, status from Job where type is "api_job" limit 1',
    "",  # parse_query's request example
    'Project where name is "My Project"',
    'select name, parent.name from Task where project.full_name is "My Project" '
    'and status.type.name is "DONE" and not timelogs any ()',
]


def P(dotted: str) -> Path:
    return Path(tuple(dotted.split(".")))


def S(text: str) -> Literal:
    return Literal(text, "string")


def spec_expressions() -> list[tuple[str, str]]:
    """Every query expression written in the ftrack specs: the ``"expression"`` values of the
    operations spec's JSON examples and the ``session.query(...)`` strings of the intro."""
    found: list[tuple[str, str]] = []
    for name in SPEC_FILES if SPECS is not None else ():
        text = (SPECS / name).read_text()
        for raw in re.findall(r'"expression":\s*("(?:[^"\\]|\\.)*")', text):
            found.append((name, json.loads(raw)))
        for call in re.findall(r"session\.query\(\s*((?:'[^']*'\s*)+)\)", text):
            found.append((name, "".join(re.findall(r"'([^']*)'", call))))
    return found


@pytest.mark.skipif(SPECS is None, reason="the ftrack spec files are not next to this checkout "
                    "(set TRACKFRAMES_SPECS); SPEC_EXAMPLES holds their expressions")
def test_the_specs_hold_the_examples_this_test_expects():
    assert [t for _, t in spec_expressions()] == SPEC_EXAMPLES


@pytest.mark.parametrize("text", [e for e in SPEC_EXAMPLES if e])
def test_every_spec_example_parses(text):
    query = parse(text)
    assert isinstance(query, Query) and query.entity_type in ("Job", "Project", "Task")


def test_spec_examples_parse_to_the_structure_they_mean():
    job = parse('select id, status from Job where type is "api_job" limit 1')
    assert job == Query("Job", (P("id"), P("status")), Comparison(P("type"), "is", S("api_job")), limit=1)
    project = parse('Project where name is "My Project"')
    assert project == Query("Project", None, Comparison(P("name"), "is", S("My Project")))
    tasks = parse(SPEC_EXAMPLES[3])
    assert tasks.projections == (P("name"), P("parent.name"))
    assert tasks.where == BoolOp("and", (
        Comparison(P("project.full_name"), "is", S("My Project")),
        Comparison(P("status.type.name"), "is", S("DONE")),
        Not(Relation(P("timelogs"), "any", None)),
    ))


def test_the_empty_parse_query_example_is_refused_with_a_message():
    with pytest.raises(ParseError, match="empty"):
        parse("")
    with pytest.raises(ParseError, match="empty"):
        parse("   ")


# Examples of ftrack-python-api 2.5.3's doc/querying.rst and doc/example/group_by.rst
DOC_EXAMPLES = [
    "Project",
    "Project where status is active",
    'Project where status is active and name like "%thrones"',
    'Project where status is active and (name like "%thrones" or full_name like "%thrones")',
    'Task where project.id is "5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0001"',
    'Task where project.id is "x" and status.type.name is "Done"',
    'Task where timelogs.start >= "2024-05-01T00:00:00+00:00"',
    'Note where author has (first_name is "Jane" and last_name is "Doe")',
    'Note where author.first_name is "Jane" and author.last_name is "Doe"',
    "Project where metadata any (key=some_key and value=some_value)",
    "User where not timelogs any ()",
    'select full_name, status.name from Project',
    "select count(id) from Task group by status_id",
    "select count(id) from Task group by project_id, status_id",
    'Note where replies any (author.first_name is "John" and author.last_name is "Doe")',
    'Note where date > "2018-05-01"  and date < "2018-06-01"',
    'Note where id in (select id from Note where replies.author.username is "john.doe")',
]


@pytest.mark.parametrize("text", DOC_EXAMPLES)
def test_documented_examples_parse(text):
    parse(text)


@pytest.mark.parametrize("spellings, op", [
    (("is", "="), "is"), (("is_not", "!="), "is_not"), ((">", "after", "greater_than"), ">"),
    (("<", "before", "less_than"), "<"), ((">=",), ">="), (("<=",), "<="), (("like",), "like"),
    (("not_like",), "not_like"),
])
def test_every_operator_spelling_folds_to_its_canonical_form(spellings, op):
    for spelling in spellings:
        expr = parse_expression(f'start {spelling} "2015-06-01"')
        assert expr == Comparison(P("start"), op, S("2015-06-01"))
        assert expr.spelling == spelling.lower()


def test_in_lists_subqueries_and_empty_lists():
    assert parse_expression('status.name in ("In Progress", "Done")') == Comparison(
        P("status.name"), "in", (S("In Progress"), S("Done")))
    assert parse_expression("id not_in (a,b)").value == (Literal("a", "word"), Literal("b", "word"))
    assert parse_expression("id in ()").value == ()
    sub = parse_expression('project_schema in (select id from ProjectSchema where name like "%VFX%")')
    assert sub == Comparison(P("project_schema"), "in", Subquery(Query(
        "ProjectSchema", (P("id"),), Comparison(P("name"), "like", S("%VFX%")))))
    with pytest.raises(ParseError, match="exactly one attribute"):
        parse_expression("id in (select id, name from Project)")


def test_values_strings_numbers_booleans_none_and_unquoted_ids():
    def value(text):
        return parse_expression(f"x is {text}").value

    assert value('"a \\"q\\" \\\\ b"') == S('a "q" \\ b')
    assert value("3600") == Literal(3600, "number") and value("-1.5") == Literal(-1.5, "number")
    assert value("1e3") == Literal(1000.0, "number")
    assert value("True") == Literal(True, "boolean") and value("false") == Literal(False, "boolean")
    assert value("none") == Literal(None, "none") and value("NULL") == Literal(None, "none")
    assert value('"none"') == S("none")  # quoted: text, not null
    uuid = "5b0e8f5c-0d6a-4b8e-9a51-0f1d4a6f0001"
    assert value(uuid) == Literal(uuid, "word")  # not the number 5 followed by junk
    assert value("2015-06-01") == Literal("2015-06-01", "word")


def test_the_shapes_ftrack_api_sends():
    # session.get: quoted and parenthesised; populate: unquoted, no spaces in lists
    assert parse('select id, name from Project where (id is "p-1") offset 0 limit 500').where == \
        Comparison(P("id"), "is", S("p-1"))
    assert parse("select bid from Task where id in (a-1,b-2) offset 0 limit 500").where.value == (
        Literal("a-1", "word"), Literal("b-2", "word"))
    # a composite primary key: no space between the closing quote and "and"
    composite = parse('select key from ContextCustomAttributeValue where (configuration_id is "c"and '
                      'entity_id is "e") offset 0 limit 500')
    assert composite.where == BoolOp("and", (Comparison(P("configuration_id"), "is", S("c")),
                                             Comparison(P("entity_id"), "is", S("e"))))
    # first(): offset without limit at the end; one(): limit only
    first = parse("select id from Task order by name offset 3 limit 1")
    assert (first.order_by, first.offset, first.limit) == ((OrderKey(P("name")),), 3, 1)
    one = parse("select id from Task limit 2")
    assert (one.offset, one.limit) == (None, 2)
    swapped = parse("select id from Task limit 5 offset 10")
    assert (swapped.offset, swapped.limit) == (10, 5)


def test_order_by_group_by_and_aggregates():
    query = parse("select name from Task where bid > 0 order by status.sort descending, name ascending, id")
    assert query.order_by == (OrderKey(P("status.sort"), True), OrderKey(P("name"), False), OrderKey(P("id")))
    grouped = parse("select count(id), SUM(bid), avg(bid), min(bid), max(bid) from Task group by status.name")
    assert grouped.projections == tuple(Aggregate(f, P(a)) for f, a in (
        ("count", "id"), ("sum", "bid"), ("avg", "bid"), ("min", "bid"), ("max", "bid")))
    assert [a.key for a in grouped.aggregates] == ["count_id", "sum_bid", "avg_bid", "min_bid", "max_bid"]
    assert grouped.group_by == (P("status.name"),)


def test_precedence_and_binds_tighter_than_or_and_not_tighter_than_and():
    expr = parse_expression('a is 1 or b is 2 and not c is 3')
    assert expr == BoolOp("or", (
        Comparison(P("a"), "is", Literal(1, "number")),
        BoolOp("and", (Comparison(P("b"), "is", Literal(2, "number")),
                       Not(Comparison(P("c"), "is", Literal(3, "number"))))),
    ))
    grouped = parse_expression("(a is 1 or b is 2) and c is 3")
    assert grouped.op == "and" and grouped.operands[0].op == "or"
    assert parse_expression("not (a is 0 or b is 1)") == Not(BoolOp("or", (
        Comparison(P("a"), "is", Literal(0, "number")), Comparison(P("b"), "is", Literal(1, "number")))))


def test_has_and_any_with_and_without_conditions():
    assert parse_expression("status has (name is x)") == Relation(
        P("status"), "has", Comparison(P("name"), "is", Literal("x", "word")))
    assert parse_expression("timelogs any ()") == Relation(P("timelogs"), "any", None)
    assert parse_expression("parent.timelogs any (user.username is jane and duration > 60)").condition.op == "and"


def test_keywords_ignore_case():
    assert parse('SELECT name FROM Task WHERE bid > 1 AND NOT name IS x ORDER BY name DESCENDING LIMIT 2') == \
        parse("select name from Task where bid > 1 and not name is x order by name descending limit 2")


@pytest.mark.parametrize("text, words, position", [
    ('select name from Task where name iss "x"', ['unknown operator "iss"', "did you mean is?"], 33),
    ('select name from Task where name is "x', ["unterminated string"], 36),
    ('select name from Task where name is "a\\q"', ['unknown escape "\\q"'], 38),
    ("select name from Task where name is 'x'", ["double quotes"], 36),
    ("select name from Task where", ["expected a condition"], 27),
    ("select name from Task where name is", ["expected a value after name is"], 35),
    ("select name from Task where (name is x", ['")" to close'], 38),
    ("select name, from Task", ["expected an attribute name", '"from"'], 13),
    ("select from Task", ["at least one attribute"], 7),
    ("select name Task", ['expected "from"'], 12),
    ("select name from 1Task", ["entity type name"], 17),
    ("select name from Task limit two", ["whole number"], 28),
    ("select name from Task limit 1 limit 2", ['"limit" appears twice'], 30),
    ("select name from Task limit 1 where x is 1", ["after the end of the query"], 30),
    ("select name from Task order by name desc", ['write descending, not "desc"'], 36),
    ("select name from Task where name is not x", ['write name is_not ..., not "is not"'], 36),
    ("select name from Task where name not x", ["use is_not, not_in or not_like"], 33),
    ("select counts(id) from Task", ['unknown function "counts"', "did you mean count?"], 7),
    ("select name from Task where a ! b", ['unexpected character "!"'], 30),
    ("select name from Task where status has name is x", ['"(" after has'], 39),
])
def test_syntax_errors_name_the_problem_and_its_position(text, words, position):
    with pytest.raises(ParseError) as caught:
        parse(text)
    err = caught.value
    assert err.position == position, (err.position, str(err))
    for word in words:
        assert word in str(err)
    assert f"at position {position}" in str(err)
    snippet, caret = str(err).splitlines()[-2:]
    assert snippet == "  " + text and caret.index("^") == 2 + position


def test_deep_nesting_is_refused_before_the_interpreter_recursion_limit():
    ok = "(" * (MAX_DEPTH - 1) + "a is 1" + ")" * (MAX_DEPTH - 1)
    parse_expression(ok)
    for text in ("(" * 5000 + "a is 1" + ")" * 5000, "not " * 5000 + "a is 1"):
        with pytest.raises(ParseError, match="nests deeper"):
            parse_expression(text)


def test_tokens_need_no_spaces_around_symbols_quotes_and_parentheses():
    assert [t.text for t in tokenize('a>=1 and b!="x"or(c<2)')] == \
        ["a", ">=", "1", "and", "b", "!=", "x", "or", "(", "c", "<", "2", ")", ""]
    assert parse_expression('name="x"and bid>=2') == BoolOp("and", (
        Comparison(P("name"), "is", S("x")), Comparison(P("bid"), ">=", Literal(2, "number"))))


def test_positions_do_not_take_part_in_equality_but_values_do():
    assert parse('select name from Task where name is "a"') == parse('select   name from Task where name = "a"')
    assert parse('select name from Task where name is "a"') != parse('select name from Task where name is "A"')
    assert parse('Task where x is "1"') != parse("Task where x is 1")  # text vs number
