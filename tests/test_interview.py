"""`interview`: the questions come from policy_data/, answers are checked as typed, and a
scripted interview writes the same profile as one written by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from policycalc.app import app
from policycalc.interview import (
    Declined,
    Invalid,
    make_plan,
    parse_answer,
    parse_date,
    run_interview,
)
from policycalc.profile import build_profile, load_profile

from .conftest import ROOT

runner = CliRunner()
DATA = ROOT / "policy_data"


# ------------------------------------------------------------------ coverage, from the YAML


def _formula_fields(formula: Any) -> set[str]:
    """Fields a formula reads, straight from its YAML mapping."""
    if not isinstance(formula, dict):
        return set()
    out = {formula[k] for k in ("base", "by", "count") if k in formula}
    for key in ("each", "formula"):
        out |= _formula_fields(formula.get(key))
    for key in ("stages", "tiers"):
        for option in (formula.get(key) or {}).values():
            out |= _formula_fields(option)
    for band in formula.get("bands") or []:
        out |= _formula_fields(band.get("formula"))
    return out


def _condition_fields(block: Any) -> set[str]:
    """Fields a `where` or `applicant` block names; `any:` holds a list of such blocks."""
    out: set[str] = set()
    for key, value in (block or {}).items():
        if key == "any":
            for group in value:
                out |= _condition_fields(group)
        else:
            out.add(key)
    return out


def _read_from_yaml(region: str, as_of: dt.date) -> tuple[set[tuple[str, str | None]], set[str]]:
    """(kind, field) pairs and applicant fields that the region's money measures in force
    read, worked out from the YAML files themselves."""
    regions = yaml.safe_load((DATA / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    chain, current = [], region
    while current:
        chain.append(current)
        current = regions[current].get("parent")
    pairs: set[tuple[str, str | None]] = set()
    applicant: set[str] = set()
    for path in sorted(DATA.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "document" not in doc:
            continue
        head = doc["document"]
        start, end = head.get("effective_from"), head.get("effective_until")
        start = start if isinstance(start, dt.date) else None  # `unknown` (R3)
        if head["region"] not in chain or (start and as_of < start) or (end and as_of > end):
            continue
        rules = head.get("eligibility") or {}
        if "tax" in rules.get("registration", []):
            applicant.add("tax_region")
        for key, field in (
            ("legal_forms", "legal_form"),
            ("independent_legal_person", "independent_legal_person"),
            ("biomedicine_business", "biomedicine_business"),
            ("in_enterprise_database", "in_enterprise_database"),
        ):
            if rules.get(key):
                applicant.add(field)
        applicant |= set(rules.get("exclusions", [])) | set(rules.get("suspensions", []))
        for m in doc["measures"]:
            if m["formula"]["kind"] == "no_money" or "trigger" not in m:
                continue
            kind = m["trigger"]["kind"]
            pairs.add((kind, None))
            for f in _condition_fields(m["trigger"].get("where")):
                # A product's attribute is asked once per product, not per fact.
                pairs.add(("product", f[8:]) if f.startswith("product.") else (kind, f))
            pairs |= {(kind, f) for f in _formula_fields(m["formula"])}
            applicant |= _condition_fields(m["trigger"].get("applicant"))
    return pairs, applicant


@pytest.mark.parametrize(
    "region,as_of",
    [
        ("chongqing", "2022-06-30"),
        ("suzhou", "2021-12-31"),
        ("suzhou", "2023-06-30"),
        ("kunming", "2023-06-30"),
        ("nanshan", "2023-06-30"),
    ],
)
def test_questions_cover_every_field_the_money_measures_read(ruleset, region, as_of):
    day = dt.date.fromisoformat(as_of)
    pairs, applicant = _read_from_yaml(region, day)
    assert pairs, "some money measure is in force"
    plan = make_plan(ruleset, region, day)
    asked = set(plan.questions())
    assert pairs <= asked, sorted(pairs - asked, key=str)
    assert applicant <= set(plan.applicant), applicant - set(plan.applicant)


def test_money_at_stake_orders_the_kinds(ruleset):
    # Chongqing 8．: Phases I, II, III at most 200, 300 and 700 (together 1,200); a national
    # innovative device at most 500; a preclinical project at most 300. So within the
    # clinical topic: phases entered first, then the device procedure, then preclinical.
    plan = make_plan(ruleset, "chongqing", dt.date(2022, 6, 30))
    clinical = dict(plan.topics)["clinical"]
    assert [(k.kind, k.stake) for k in clinical] == [
        ("clinical_phase_entered", Decimal(1200)),
        ("innovative_device_review", Decimal(500)),
        ("preclinical_project", Decimal(300)),
    ]
    # 9．: 1000 (innovative drug) is the most a drug approval brings; 100 for a class III
    # device, 100 for a consistency evaluation, up to 100 for a supply-chain product.
    approval = dict(plan.topics)["approval"]
    assert approval[0].kind == "drug_approval" and approval[0].stake == Decimal(1000)


# ------------------------------------------------------------------ answers as typed


@pytest.mark.parametrize(
    "field,answer,value",
    [
        ("rd_spend", "2,500", 2500),
        ("rd_spend", "12.5万", Decimal("12.5")),
        ("phase", "2", 2),
        ("novelty", "1", "innovative"),
        ("novelty", "Biosimilar", "biosimilar"),
        ("modality", "cell", "cell"),
        ("drug_class", "1", 1),
        ("converted_locally", "是", True),
        ("converted_locally", "n", False),
    ],
)
def test_answers_are_converted(ruleset, field, answer, value):
    vocab = ruleset.vocabulary
    spec = vocab.products.get(field) or vocab.kinds["clinical_phase_completed"].fields[field]
    assert parse_answer(spec, answer, ruleset) == value


@pytest.mark.parametrize(
    "field,answer",
    [
        ("rd_spend", "-5"),
        ("rd_spend", "lots"),
        ("phase", "4"),
        ("novelty", "pill"),
        ("drug_class", "9"),
    ],
)
def test_bad_answers_are_refused(ruleset, field, answer):
    vocab = ruleset.vocabulary
    spec = vocab.products.get(field) or vocab.kinds["clinical_phase_completed"].fields[field]
    with pytest.raises(Invalid):
        parse_answer(spec, answer, ruleset)


def test_a_bad_answer_at_the_terminal_is_asked_again(ruleset):
    plan = make_plan(ruleset, "chongqing", dt.date(2023, 1, 1))
    answers = iter(["", "", "maybe", "no"] + ["no"] * 40)  # name, legal form skipped
    said: list[str] = []
    asked: list[str] = []

    def ask(prompt: str) -> str | None:
        asked.append(prompt)
        return next(answers, None)

    data = run_interview(ruleset, plan, ask, said.append, "en")
    assert data == {"applicant": {"region": "chongqing"}, "facts": []}
    assert any("not valid: 'maybe'" in line for line in said)
    # "no products in development": no question about a phase or a preclinical project.
    stages = [p for p in asked if "in development" not in p]
    assert not [p for p in stages if "phase" in p or "preclinical" in p]
    assert len(asked) == len(stages) + 2  # the products question, asked twice


# ------------------------------------------------------------------ the command, scripted

# Chongqing, 2023-01-01: the order follows the money at stake (clinical first: 8．'s
# stage awards; then platforms, approvals, contract services, international, finance,
# investment). Each line answers one question.
CQ_ANSWERS = [
    "长江抗体药业有限公司",  # name
    "1",  # legal_form: 1 = enterprise (13．and 15．are worded for enterprises)
    "yes",  # products in development
    "CQ-mAb-7",  # the product's id
    "2",  # modality: 2 = biologic (asked since 9．reads a device's class: not this one's)
    "1",  # novelty: 1 = innovative (the one drug attribute Chongqing's measures read)
    "no",  # another product?
    "yes",  # clinical_phase_entered: any?
    "2022-05-25",  # (the one product: no question which)
    "3",  # phase
    "2,500",  # rd_spend
    "no",  # another phase entered?
    "no",  # innovative_device_review
    "no",  # preclinical_project
    "no",  # fixed_asset_investment
    "no",  # drug_approval
    "no",  # consistency_evaluation
    "yes",  # device_registration
    "2022-04-02",
    "3",  # device_class
    "no",  # another device?
    "no",  # supply_chain_product
    "no",  # cdmo_revenue
    "yes",  # rd_service_contracts
    "2022",  # a year
    "290",
    "no",
    "no",  # international_approval
    "no",  # ipo
    "no",  # major_project_listed
]

BY_HAND = {
    "applicant": {
        "region": "chongqing",
        "name": "长江抗体药业有限公司",
        "legal_form": "enterprise",
    },
    "products": [{"id": "CQ-mAb-7", "modality": "biologic", "novelty": "innovative"}],
    "facts": [
        {
            "kind": "clinical_phase_entered",
            "date": "2022-05-25",
            "product": "CQ-mAb-7",
            "phase": 3,
            "rd_spend": 2500,
        },
        {"kind": "device_registration", "date": "2022-04-02", "device_class": 3},
        {"kind": "rd_service_contracts", "date": 2022, "amount": 290},
    ],
}


def _same(a: Any, b: Any) -> None:
    assert a.applicant == b.applicant
    assert a.products == b.products
    assert [(f.kind, f.date, f.values, f.product) for f in a.facts] == [
        (f.kind, f.date, f.values, f.product) for f in b.facts
    ]


@pytest.mark.parametrize("name", ["client.toml", "client.yaml"])
def test_stdin_interview_writes_the_profile_written_by_hand(ruleset, tmp_path: Path, name):
    target = tmp_path / name
    result = runner.invoke(
        app,
        [
            "interview",
            "--region",
            "chongqing",
            "--as-of",
            "2023-01-01",
            "--lang",
            "en",
            "-o",
            str(target),
        ],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert ("[applicant]" in text) == name.endswith(".toml")
    _same(load_profile(str(target), ruleset), build_profile(BY_HAND, ruleset, "<hand>"))
    # Then the estimate (Chongqing 8．: Phase III entered, 20% of 2,500 capped at 700 and
    # "不超过": up to 500; 9．: a class III device, 100) and three opportunities.
    assert "cq-08-phase3" in result.stdout and "cq-09-device" in result.stdout
    assert "100–600" in result.stdout
    assert result.stdout.count("#") >= 3 and "#4" not in result.stdout


def test_profile_to_stdout_in_the_format_asked(ruleset):
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01", "-f", "yaml"],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    _same(build_profile(data, ruleset, "<out>"), build_profile(BY_HAND, ruleset, "<hand>"))
    assert "cq-08-phase3" in result.stderr  # the estimate goes beside the questions


def test_no_terminal_and_no_answers_is_one_clear_line():
    result = runner.invoke(app, ["interview", "--region", "suzhou"], input="")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "no terminal" in lines[0]


def test_a_bad_scripted_answer_names_its_line():
    answers = [*CQ_ANSWERS[:8], "4"]  # phase 4 does not exist
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01"],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: <stdin>:9") and "'4'" in last


def test_answers_that_run_out():
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01"],
        input="\n".join(CQ_ANSWERS[:4]) + "\n",
    )
    assert result.exit_code == 2
    assert "ran out" in result.stderr.strip().splitlines()[-1]


def test_never_overwrites(tmp_path: Path):
    target = tmp_path / "client.toml"
    target.write_text("keep", encoding="utf-8")
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "-o", str(target)],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep"


def test_the_bundled_answers_file_writes_the_same_profile(ruleset, tmp_path: Path):
    target = tmp_path / "client.toml"
    result = runner.invoke(
        app,
        [
            "interview",
            "--region",
            "chongqing",
            "--as-of",
            "2023-01-01",
            "--answers",
            str(ROOT / "examples" / "cq-answers.txt"),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    _same(load_profile(str(target), ruleset), build_profile(BY_HAND, ruleset, "<hand>"))


def test_a_bad_line_in_an_answers_file_is_named(tmp_path: Path):
    answers = tmp_path / "answers.txt"
    answers.write_text("# a comment\nname\n# products?\nmaybe\n", encoding="utf-8")
    result = runner.invoke(app, ["interview", "--region", "chongqing", "--answers", str(answers)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {answers}:4")


# ------------------------------------------------------------------ issue 17: a person can finish it


def _spec(ruleset, field):
    return ruleset.vocabulary.kinds["clinical_phase_completed"].fields[field]


@pytest.mark.parametrize(
    "field,answer,value",
    [
        ("novelty", "创新药", "innovative"),  # the Chinese word the question shows
        ("novelty", "改良型新药", "improved"),
        ("novelty", "innovative drug", "innovative"),  # the words shown in English
        ("novelty", "Improved New Drug", "improved"),
        ("novelty", "generic", "generic"),  # the value itself
        ("novelty", "１", "innovative"),  # the number beside it, full-width
        ("modality", "细胞治疗（细胞类生物制品）", "cell"),  # a word with a list inside it
        ("modality", "基因治疗", "gene"),
        ("modality", "in-vitro diagnostic", "ivd"),
    ],
)
def test_a_choice_is_taken_in_the_words_the_question_shows(ruleset, field, answer, value):
    spec = ruleset.vocabulary.products[field]
    assert parse_answer(spec, answer, ruleset) == value


@pytest.mark.parametrize(
    "answer,value",
    [
        ("2022年8月20日", dt.date(2022, 8, 20)),
        ("2022/8/20", dt.date(2022, 8, 20)),
        ("2022.8.20", dt.date(2022, 8, 20)),
        ("2022-08-20", dt.date(2022, 8, 20)),
        ("２０２２年８月２０日", dt.date(2022, 8, 20)),
        ("２０２２／８／２０", dt.date(2022, 8, 20)),
        ("2022年", 2022),
        ("２０２２", 2022),
    ],
)
def test_chinese_date_forms_and_full_width_digits(answer, value):
    assert parse_date(answer) == value


@pytest.mark.parametrize("answer", ["2022/13/1", "2022年2月30日", "8/20/2022", "昨天"])
def test_dates_that_are_not_dates(answer):
    with pytest.raises(Invalid):
        parse_date(answer)


@pytest.mark.parametrize(
    "field,answer,value",
    [("rd_spend", "２,５００万", 2500), ("rd_spend", "２５００万元", 2500), ("phase", "３", 3)],
)
def test_full_width_numbers(ruleset, field, answer, value):
    assert parse_answer(_spec(ruleset, field), answer, ruleset) == value


def _cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_every_expectation_is_said_in_one_language():
    # `应为 a date YYYY-MM-DD`: the Chinese messages hold no English words, the English ones
    # no Chinese (万元 and the Chinese date form are examples of what to type).
    from policycalc.render.words import WORDS

    keys = [k for k in WORDS if k.startswith("interview_")]
    assert len(keys) > 20
    for key in keys:
        zh, en = WORDS[key]
        zh = re.sub(r"\{\w*\}|--answers|back", "", zh)  # placeholders and what to type
        assert not re.search(r"\b[a-zA-Z]{3,}\b", zh), key
        assert not _cjk(en.replace("万元", "").replace("2022年8月20日", "")), key


def _scripted(ruleset, answers, lang="zh", review=False, record=None):
    plan = make_plan(ruleset, "chongqing", dt.date(2023, 1, 1))
    feed = iter(answers)
    said: list[str] = []
    asked: list[str] = []

    def ask(prompt: str) -> str | None:
        asked.append(prompt)
        return next(feed, None)

    data = run_interview(ruleset, plan, ask, said.append, lang, record=record, review=review)
    return data, said, asked


def test_a_bad_answer_is_refused_in_the_chosen_language(ruleset):
    answers = ["", "", "maybe", "no"] + ["no"] * 40  # name, legal form skipped
    _, said, _ = _scripted(ruleset, answers, lang="zh")
    refusal = next(line for line in said if "maybe" in line)
    assert refusal.startswith("无效：'maybe'") and not re.search(
        r"[a-z]{3,}", refusal.replace("maybe", "")
    )


def test_prompts_lead_with_the_question(ruleset):
    _, _, asked = _scripted(ruleset, CQ_ANSWERS, lang="en")
    names = (
        set(ruleset.vocabulary.applicant)
        | {f for k in ruleset.vocabulary.kinds.values() for f in k.fields}
        | {"date", "product"}
    )
    for prompt in asked:
        # Not "  rd_spend: R&D spend …": a field id followed by a colon.
        lead = re.match(r"([a-z_]+):", prompt.strip())
        assert lead is None or lead.group(1) not in names, prompt
    assert any(p.strip().startswith("R&D spend") for p in asked)


def test_back_revises_the_previous_answer(ruleset):
    # Phase 2 typed by mistake: `back` at the next question, then 3 again; the profile is the
    # one written by hand.
    answers = [*CQ_ANSWERS[:9], "2", "back", "3", *CQ_ANSWERS[10:]]
    data, said, _ = _scripted(ruleset, answers, lang="en")
    assert any("back" in line and "'2'" not in line for line in said)
    _same(build_profile(data, ruleset, "<a>"), build_profile(BY_HAND, ruleset, "<hand>"))
    # Twice in a row goes back two answers; at the first question there is nothing before.
    twice = [CQ_ANSWERS[0], "yes", "back", "back", *CQ_ANSWERS]
    data, _, _ = _scripted(ruleset, twice, lang="en")
    _same(build_profile(data, ruleset, "<b>"), build_profile(BY_HAND, ruleset, "<hand>"))
    first = ["back", *CQ_ANSWERS]
    data, said, _ = _scripted(ruleset, first, lang="en")
    assert any("nothing to go back to" in line for line in said)


def test_the_review_comes_before_writing(ruleset):
    record: list[str] = []
    data, said, asked = _scripted(ruleset, [*CQ_ANSWERS, "yes"], lang="en", review=True)
    review = next(line for line in said if "Please check" in line)
    assert "2500" in review and "CQ-mAb-7" in review and "innovative drug" in review
    assert asked[-1].startswith("Write this profile?")
    _same(build_profile(data, ruleset, "<r>"), build_profile(BY_HAND, ruleset, "<hand>"))
    with pytest.raises(Declined):
        _scripted(ruleset, [*CQ_ANSWERS, "no"], lang="en", review=True, record=record)
    assert record == CQ_ANSWERS  # what a resume replays; the "no" is not among them
    # `back` at the review revises the last answer.
    data, _, _ = _scripted(
        ruleset, [*CQ_ANSWERS[:-1], "yes", "back", "no", "yes"], lang="en", review=True
    )
    _same(build_profile(data, ruleset, "<r>"), build_profile(BY_HAND, ruleset, "<hand>"))


class _Terminal:
    """The command at a terminal of its own (a pty), driven as a person would."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        import os
        import pty
        import subprocess
        import sys

        self.leader, follower = pty.openpty()
        command = Path(sys.executable).parent / "policycalc"
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        self.proc = subprocess.Popen(
            [str(command), *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            cwd=cwd,
            env=env,
        )
        os.close(follower)
        self.seen = ""

    def wait_for(self, text: str, timeout: float = 20) -> None:
        import os
        import select
        import time

        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            assert left > 0, f"never saw {text!r} in {self.seen[-500:]!r}"
            ready, _, _ = select.select([self.leader], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.leader, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    assert text in self.seen, self.seen[-500:]
                    return
                self.seen += chunk.decode("utf-8", "replace")

    def answer(self, line: str) -> None:
        import os

        os.write(self.leader, (line + "\n").encode("utf-8"))

    def close(self) -> int:
        import os

        code = self.proc.wait(timeout=20)
        os.close(self.leader)
        return code


def test_ctrl_c_saves_the_answers_and_answers_file_resumes(tmp_path, ruleset):
    # At a terminal: eleven answers (Chinese words, a Chinese date, a full-width number), then
    # Ctrl-C. The answers so far go to a file named on stderr; nothing is written.
    import signal

    target = tmp_path / "client.toml"
    args = ["interview", "--region", "chongqing", "--as-of", "2023-01-01", "-o", str(target)]
    typed = [
        "长江抗体药业有限公司",
        "企业",
        "是",
        "CQ-mAb-7",
        "2",
        "创新药",
        "否",
        "是",
        "2022年5月25日",
        "３",
        "2,500",
    ]
    term = _Terminal(args, tmp_path)
    term.wait_for("申请主体名称")
    for answer in typed:
        term.answer(answer)
    term.wait_for("还有一项吗")
    term.proc.send_signal(signal.SIGINT)
    term.wait_for("继续")
    assert term.close() == 130
    assert not target.exists()
    saved = tmp_path / "client.toml.answers.txt"
    assert f"已保存 11 个回答到 {saved}" in term.seen.replace("\r\n", "").replace("\n", "")
    kept = [x for x in saved.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    assert kept == typed
    # --answers FILE at the terminal: the file's answers, then the person goes on where it
    # stopped, sees the review and writes the profile.
    term = _Terminal([*args, "--answers", str(saved)], tmp_path)
    term.wait_for("还有一项吗")
    for answer in CQ_ANSWERS[11:]:
        term.answer(answer)
    term.wait_for("写入这份资料吗")
    assert "请核对" in term.seen and "创新药" in term.seen
    term.answer("是")
    term.wait_for("已写入")
    assert term.close() == 0
    _same(load_profile(str(target), ruleset), build_profile(BY_HAND, ruleset, "<hand>"))


@pytest.mark.parametrize(
    "hostile,shown",
    [
        ("9" * 5000, "9" * 20),  # a 5000-digit choice: an error line, no internal error
        ("\x1b[31mEvil", "\\x1b[31mEvil"),  # control characters echoed escaped
        ("长江\u2028抗体", "长江\\u2028抗体"),  # U+2028 stays inside its answer
    ],
)
def test_hostile_answers_are_an_error_line(hostile, shown):
    at = {"9" * 5000: 8}.get(hostile, 1)  # line 8 answers the phase question
    answers = [*CQ_ANSWERS[: at - 1], hostile, *CQ_ANSWERS[at:]]
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "--as-of", "2023-01-01"],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 2, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: <stdin>:{at}:") and shown in last
    assert "\x1b" not in result.stderr and "\u2028" not in result.stderr
    assert "internal" not in result.stderr.lower() and "Traceback" not in result.stderr


def test_u2028_does_not_split_an_answer_at_the_terminal(ruleset):
    # Asked again at a terminal: the answer with U+2028 is one answer, refused as a whole.
    data, said, _ = _scripted(ruleset, ["长江\u2028抗体", "长江抗体", "", "no"] + ["no"] * 40)
    assert data["applicant"]["name"] == "长江抗体"
    assert any("\\u2028" in line for line in said)


@pytest.mark.parametrize("where", ["no-such-folder/client.toml", "a-folder.toml"])
def test_a_target_that_cannot_be_written_is_refused_before_the_first_question(tmp_path, where):
    (tmp_path / "a-folder.toml").mkdir()
    result = runner.invoke(
        app,
        ["interview", "--region", "chongqing", "-o", str(tmp_path / where)],
        input="\n".join(CQ_ANSWERS) + "\n",
    )
    assert result.exit_code in (2, 3), result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error:")
    assert "applicant" not in result.stderr and "申请主体" not in result.stderr


def test_the_word_table_is_the_only_one():
    # Every bilingual phrase of a human output lives in render/words.py: no other module
    # holds a table of (Chinese, English) pairs.
    import ast

    root = ROOT / "cli"
    for path in root.rglob("*.py"):
        if path == root / "render" / "words.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict) or len(node.values) < 3:
                continue
            pairs = [
                v
                for v in node.values
                if isinstance(v, ast.Tuple)
                and len(v.elts) == 2
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
                and _cjk(v.elts[0].value)
            ]
            assert len(pairs) < 3, f"{path.relative_to(root)}:{node.lineno} holds a word table"


def _answering(table: list[tuple[str, str]]):
    """An `ask` that answers by the prompt's start (the first entry that matches), "no" to
    any other yes/no question and skips any other optional one; every prompt is kept."""
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        text = prompt.strip()
        for start, answer in table:
            if text.startswith(start):
                return answer
        return "no" if "(yes/no)" in text else ""

    return ask, asked


def test_a_device_product_says_its_class_and_own_ip_once(ruleset):
    # Suzhou at 2021-12-31: 第七条 reads a certificate's device class; the facts take it from
    # the declared device, so the certificate does not ask it again.
    plan = make_plan(ruleset, "suzhou", dt.date(2021, 12, 31))
    assert "device_class" in plan.product and "modality" in plan.product
    ask, asked = _answering(
        [
            ("Any products in development", "yes"),
            ("product id", "STENT1"),
            ("modality", "7"),  # medical device
            ("device class", "3"),
            ("another product", "no"),
            ("medical device registration certificate obtained: any", "yes"),
            ("medical device registration certificate obtained: another", "no"),
            ("when", "2021-03-01"),
            ("product (1 STENT1)", "1"),
            ("R&D spend on the product", "800"),
        ]
    )
    data = run_interview(ruleset, plan, ask, lambda _: None, "en")
    assert data["products"] == [{"id": "STENT1", "modality": "device", "device_class": 3}]
    fact = next(f for f in data["facts"] if f["kind"] == "device_registration")
    assert fact["product"] == "STENT1" and "device_class" not in fact
    assert sum(p.strip().startswith("device class") for p in asked) == 1
    assert not any(p.strip().startswith("novelty") for p in asked)  # a device has none
    built = build_profile(data, ruleset, "<i>")
    assert (
        next(f for f in built.facts if f.kind == "device_registration").values["device_class"] == 3
    )


def test_a_drug_product_is_not_asked_a_device_class(ruleset):
    plan = make_plan(ruleset, "suzhou", dt.date(2021, 12, 31))
    ask, asked = _answering(
        [
            ("Any products in development", "yes"),
            ("product id", "MAB1"),
            ("modality", "2"),  # biologic
            ("novelty", "1"),
            ("another product", "no"),
        ]
    )
    data = run_interview(ruleset, plan, ask, lambda _: None, "en")
    assert data["products"][0]["modality"] == "biologic"
    assert not any(p.strip().startswith(("device class", "holds its own")) for p in asked)
