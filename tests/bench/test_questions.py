"""The JSONL question-set loader: what it reads, and one clear error for each bad input."""

import json

import pytest

from bench.questions import Question, QuestionSetError, load_questions


def _write(tmp_path, lines):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_loads_every_field_with_defaults(tmp_path):
    path = _write(
        tmp_path,
        [
            {
                "id": "q1",
                "question": " Who? ",
                "answers": ["GovTech"],
                "match": "all",
                "section": "Intro",
                "page": "/about/",
                "type": "factoid",
            },
            "",
            {"id": 2, "question": "Nothing here?", "answers": [], "note": "unanswerable"},
        ],
    )
    assert load_questions(path) == [
        Question(
            id="q1",
            question="Who?",
            answers=["GovTech"],
            match="all",
            section="Intro",
            page="/about/",
            type="factoid",
        ),
        Question(id="2", question="Nothing here?", answers=[], match="any", type="untyped"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "set.jsonl:1: invalid JSON"),
        ("[1, 2]", "set.jsonl:1: expected a JSON object, got list"),
        ({"question": "q", "answers": []}, "set.jsonl:1: missing 'id'"),
        ({"id": "a", "answers": []}, "set.jsonl:1: missing 'question'"),
        ({"id": "a", "question": "q"}, "set.jsonl:1: missing 'answers'"),
        ({"id": "a", "question": "  ", "answers": []}, "'question' must be a non-empty string"),
        ({"id": "a", "question": "q", "answers": "x"}, "'answers' must be a list"),
        ({"id": "a", "question": "q", "answers": [""]}, "'answers' must be a list"),
        ({"id": "a", "question": "q", "answers": [], "match": "some"}, "'match' must be"),
        ({"id": "a", "question": "q", "answers": [], "section": 3}, "'section' must be a string"),
        ({"id": "a", "question": "q", "answers": [], "anwsers": []}, "unknown field(s) anwsers"),
        ({"id": True, "question": "q", "answers": []}, "'id' must be a non-empty string"),
    ],
)
def test_bad_lines_name_file_line_and_problem(tmp_path, line, message):
    path = _write(tmp_path, [line])
    with pytest.raises(QuestionSetError) as err:
        load_questions(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_duplicate_ids_missing_and_empty_files(tmp_path):
    q = {"id": "a", "question": "q", "answers": []}
    with pytest.raises(
        QuestionSetError, match=r"set.jsonl:3: duplicate id 'a' \(first on line 1\)"
    ):
        load_questions(_write(tmp_path, [q, "", q]))
    with pytest.raises(QuestionSetError, match="question set not found: .*nope.jsonl"):
        load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(QuestionSetError, match="question set is not a file"):
        load_questions(tmp_path)
    with pytest.raises(QuestionSetError, match="question set is empty"):
        load_questions(_write(tmp_path, ["", "  "]))
