"""The appraisal's pure rules (SPEC.md P3, P6, P8, P9)."""

from decimal import Decimal

import pytest

from appraisal import rules

D = Decimal


def test_rounding_is_half_up_to_two_places_at_the_end_rule_p3():
    assert rules.money(D("41.845")) == D("41.85")
    assert rules.money(D("41.8449999")) == D("41.84")
    assert rules.money(D("-0.005")) == D("-0.01")


def test_points_are_capped_and_a_missing_or_zero_target_gives_none_flagged_rule_p3():
    line = rules.Line("DEPOSITS", D("0.4"), D("1.5"), True, D(3_000_000), D(1_000_000))
    assert line.points == D(60)  # 3.0 capped at 1.5
    flow = rules.Line("INTERMEDIATE", D("0.2"), D("1.5"), False, D(10_000), D(100_000))
    assert flow.target == D(25_000) and flow.points == D(8)
    negative = rules.Line("LOANS", D("0.3"), D("1.5"), True, D(-5), D(100))
    assert negative.points == 0
    score = rules.score(
        [rules.Line("LOANS", D("0.3"), D("1.5"), True, D(5), D(0)), line],
        None,
        quantitative_share=D("0.8"),
        qualitative_share=D("0.2"),
    )
    assert (score.quantitative, score.qualitative, score.total) == (D("60.00"), D("0.00"), D("48.00"))
    assert score.flags == ["NO_TARGET:LOANS", "NO_REVIEW"]


def test_equal_totals_share_the_better_rank_rule_p3():
    assert rules.competition_ranks({"a": D(90), "b": D(80), "c": D(80), "d": D(70)}) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }


@pytest.mark.parametrize(
    ("rank", "total", "rating"),
    [
        (1, D(95), "EXCELLENT"),
        (3, D(95), "EXCELLENT"),
        (4, D(90), "GOOD"),
        (10, D(80), "GOOD"),
        (11, D(80), "COMPETENT"),
        (1, D("59.99"), "NEEDS_IMPROVEMENT"),
        (2, D("39.99"), "UNSATISFACTORY"),
    ],
)
def test_ratings_follow_the_rank_in_the_city_then_the_lines_rule_p9(rank, total, rating):
    # 20 managers: floor(0.15 × 20) = 3 excellent places, floor(0.5 × 20) = 10 good or better.
    assert rules.rating(rank, 20, total, rules.RatingLines()) == rating


def test_calibration_moves_one_step_within_the_shares_rule_p9():
    lines = rules.RatingLines()
    ratings = ["EXCELLENT", "GOOD", "GOOD", "COMPETENT", "COMPETENT", "COMPETENT", "COMPETENT", "NEEDS_IMPROVEMENT"]
    # 8 managers: 1 excellent place, 4 good-or-better places.
    assert rules.calibration_problem("COMPETENT", "GOOD", ratings, lines) is None
    assert "one step" in rules.calibration_problem("COMPETENT", "EXCELLENT", ratings, lines)
    assert "excellent" in rules.calibration_problem("GOOD", "EXCELLENT", ratings, lines)
    four = ["EXCELLENT", "GOOD", "GOOD", "GOOD", "COMPETENT", "COMPETENT", "COMPETENT", "COMPETENT"]
    assert "good or excellent" in rules.calibration_problem("COMPETENT", "GOOD", four, lines)
    assert rules.calibration_problem("GOOD", "COMPETENT", four, lines) is None


def test_promotion_and_exit_review_come_from_consecutive_quarters_rule_p6():
    figures = {"promote_share": D("0.10"), "exit_below": D(60), "quarters_running": 2}
    assert rules.recommendation([(1, 20, D(90)), (2, 20, D(88))], **figures) == "PROMOTE"
    assert rules.recommendation([(1, 20, D(90)), (3, 20, D(88))], **figures) is None
    assert rules.recommendation([(15, 20, D(55)), (18, 20, D(50))], **figures) == "EXIT_REVIEW"
    assert rules.recommendation([(15, 20, D(55))], **figures) is None


def share(key, total, coefficient="1.0", base=None, certified=True):
    return rules.Share(key, D(total), D(coefficient), None if base is None else D(base), certified)


def test_the_pay_floor_is_topped_up_first_then_the_rest_shared_by_total_times_coefficient_rule_p8():
    shares = [share("a", 80, "1.5", "50000"), share("b", 60, "1.0", "70000"), share("c", 50, "1.0", "40000", False)]
    found = rules.allocate(D(30000), shares, floor=D(60000))
    by = {s.key: s for s in found.shares}
    # a: 10,000 to the floor; c holds no certificate: no top-up. The rest 20,000 by 120 : 60 : 50.
    assert (by["a"].top_up, by["b"].top_up, by["c"].top_up) == (D(10000), D(0), D(0))
    assert (by["a"].bonus, by["b"].bonus, by["c"].bonus) == (D("10434.78"), D("5217.39"), D("4347.83"))
    assert sum(s.top_up + s.bonus for s in found.shares) == D(30000) and not found.short


def test_a_pool_too_small_for_the_floors_is_shared_by_the_shortfalls_and_reported_rule_p8():
    shares = [share("a", 80, base="50000"), share("b", 60, base="40000"), share("c", 70, base=None)]
    found = rules.allocate(D(9000), shares, floor=D(60000))
    by = {s.key: s for s in found.shares}
    assert found.short and found.shortfall == D(30000)
    assert (by["a"].top_up, by["b"].top_up, by["a"].bonus) == (D(3000), D(6000), D(0))
    assert found.without_pay == ["c"] and by["c"].top_up == 0


def test_quarters_parse_and_know_their_months():
    quarter = rules.Quarter.parse("2010q2")
    assert str(quarter) == "2010Q2" and quarter.end.isoformat() == "2010-06-30"
    assert str(quarter.previous()) == "2010Q1" and str(rules.Quarter(2010, 1).previous()) == "2009Q4"
    for bad in ("2010Q5", "2010-2", "", "10Q1", "２０１０Q2"):
        with pytest.raises(ValueError, match="YYYYQn"):
            rules.Quarter.parse(bad)


def test_a_calibrated_rating_stays_within_one_step_of_its_rating_by_rank_rule_p9():
    lines = rules.RatingLines()
    ratings = ["EXCELLENT", "GOOD", "GOOD", "COMPETENT", "COMPETENT", "COMPETENT", "COMPETENT", "COMPETENT"]
    # Moved GOOD → COMPETENT already: back to GOOD is fine, a second step down is not.
    assert rules.calibration_problem("COMPETENT", "GOOD", ratings, lines, by_rank="GOOD") is None
    assert "one step" in rules.calibration_problem("COMPETENT", "NEEDS_IMPROVEMENT", ratings, lines, by_rank="GOOD")
    assert "one step" in rules.calibration_problem("GOOD", "GOOD", ratings, lines, by_rank="GOOD")
