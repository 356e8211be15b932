"""Coach-organisation matching: a pure module (no Django), so it can be tested and measured alone.

The platform proposes one coach per organisation, maximising the total fit, with:

- **Fit of a pair** (`pair_fit`): need-skill overlap, travel (same province, a province the
  coach travels to, same region), shared sectors, shared languages beyond Thai, and the ranked
  preferences each side gave after meeting. Each part is a `Reason` (a code and its values);
  `coaching.explain` turns reasons into words in the reader's language.
- **Hard blocks**: a conflict of interest or a pair staff forbade is never proposed.
- **Fixed pairs** are taken first and use up the coach's capacity.
- **Capacities**: each coach is a column repeated `capacity` times; SciPy's
  `linear_sum_assignment` (Hungarian / Jonker-Volgenant) solves the expanded matrix.

Objective: first as many organisations matched as possible (a blocked cell costs more than any
fit), then the largest total fit. Organisations the coaches' capacity cannot cover are
returned in `unassigned`, by id, so the caller can name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

BLOCKED_COST = 1e6  # larger than any total fit: a blocked cell is taken only if nothing else fits
COMMON_LANGUAGE = "th"


@dataclass(frozen=True)
class Weights:
    need: float = 10.0  # per need of the organisation the coach's skills cover
    same_province: float = 6.0
    travels_to: float = 4.0
    same_region: float = 3.0
    sector: float = 3.0  # per shared sector, at most `max_sectors`
    max_sectors: int = 2
    language: float = 2.0  # per shared language other than Thai, at most `max_languages`
    max_languages: int = 2
    preference: float = 5.0  # a first choice; lower ranks get less
    preference_depth: int = 3  # ranks beyond this count nothing


@dataclass(frozen=True)
class Coach:
    id: int
    capacity: int = 1
    skills: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    province: str = ""
    region: str = ""
    travel_provinces: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Organisation:
    id: int
    needs: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    province: str = ""
    region: str = ""


@dataclass(frozen=True)
class Reason:
    """One part of a pair's fit: `code` and its values, e.g. ("needs", ("finance", "team"))."""

    code: str
    values: tuple = ()
    points: float = 0.0


@dataclass
class Rules:
    blocked: set[tuple[int, int]] = field(default_factory=set)  # (coach id, organisation id)
    fixed: set[tuple[int, int]] = field(default_factory=set)
    coach_ranks: Mapping[tuple[int, int], int] = field(default_factory=dict)  # coach's rank of an organisation
    organisation_ranks: Mapping[tuple[int, int], int] = field(default_factory=dict)  # leader's rank of a coach


@dataclass(frozen=True)
class Pair:
    coach_id: int
    organisation_id: int
    score: float
    reasons: tuple[Reason, ...]
    fixed: bool = False


@dataclass
class Result:
    pairs: list[Pair]
    unassigned: list[int]  # organisation ids left without a coach
    problems: list[tuple[str, int, int]]  # ("fixed_blocked" | "fixed_unknown", coach id, organisation id)

    @property
    def total(self) -> float:
        return sum(pair.score for pair in self.pairs)


def _rank_points(rank: int | None, weights: Weights) -> float:
    if rank is None or rank < 1 or rank > weights.preference_depth:
        return 0.0
    return weights.preference * (weights.preference_depth - rank + 1) / weights.preference_depth


def pair_fit(coach: Coach, organisation: Organisation, rules: Rules | None = None, weights: Weights = Weights()):
    """(score, reasons) of one pair, blocks aside."""
    reasons: list[Reason] = []
    needs = sorted(organisation.needs & coach.skills)
    if needs:
        reasons.append(Reason("needs", tuple(needs), weights.need * len(needs)))
    if coach.province and coach.province == organisation.province:
        reasons.append(Reason("same_province", (organisation.province,), weights.same_province))
    elif organisation.province and organisation.province in coach.travel_provinces:
        points = weights.travels_to + (weights.same_region if coach.region == organisation.region else 0.0)
        reasons.append(Reason("travels_to", (organisation.province,), points))
    elif coach.region and coach.region == organisation.region:
        reasons.append(Reason("same_region", (organisation.region,), weights.same_region))
    sectors = sorted(organisation.sectors & coach.sectors)[: weights.max_sectors]
    if sectors:
        reasons.append(Reason("sectors", tuple(sectors), weights.sector * len(sectors)))
    languages = sorted((organisation.languages & coach.languages) - {COMMON_LANGUAGE})[: weights.max_languages]
    if languages:
        reasons.append(Reason("languages", tuple(languages), weights.language * len(languages)))
    if rules is not None:
        key = (coach.id, organisation.id)
        coach_rank = rules.coach_ranks.get(key)
        points = _rank_points(coach_rank, weights)
        if points:
            reasons.append(Reason("coach_ranked", (coach_rank,), points))
        org_rank = rules.organisation_ranks.get(key)
        points = _rank_points(org_rank, weights)
        if points:
            reasons.append(Reason("organisation_ranked", (org_rank,), points))
    return round(sum(reason.points for reason in reasons), 4), tuple(reasons)


def score_matrix(
    coaches: list[Coach], organisations: list[Organisation], rules: Rules, weights: Weights = Weights()
) -> np.ndarray:
    """Fit of every (organisation, coach), vectorised: rows organisations, columns coaches.
    Blocked pairs are NaN."""
    n_org, n_coach = len(organisations), len(coaches)
    scores = np.zeros((n_org, n_coach), dtype=np.float64)
    if not n_org or not n_coach:
        return scores

    def overlap(org_sets, coach_sets, exclude: str = "") -> np.ndarray:
        """How many items each organisation's set shares with each coach's set."""
        org_sets, coach_sets = list(org_sets), list(coach_sets)
        vocab: dict[str, int] = {}
        for items in org_sets + coach_sets:
            for item in items:
                if item != exclude:
                    vocab.setdefault(item, len(vocab))
        if not vocab:
            return np.zeros((len(org_sets), len(coach_sets)), dtype=np.float64)

        def onehot(sets):
            out = np.zeros((len(sets), len(vocab)), dtype=np.float32)
            for index, items in enumerate(sets):
                for item in items:
                    if item != exclude:
                        out[index, vocab[item]] = 1.0
            return out

        return (onehot(org_sets) @ onehot(coach_sets).T).astype(np.float64)

    scores += weights.need * overlap([o.needs for o in organisations], [c.skills for c in coaches])
    scores += weights.sector * np.minimum(
        overlap([o.sectors for o in organisations], [c.sectors for c in coaches]), weights.max_sectors
    )
    scores += weights.language * np.minimum(
        overlap([o.languages for o in organisations], [c.languages for c in coaches], COMMON_LANGUAGE),
        weights.max_languages,
    )
    org_prov = np.array([o.province for o in organisations], dtype=object)[:, None]
    coach_prov = np.array([c.province for c in coaches], dtype=object)[None, :]
    org_region = np.array([o.region for o in organisations], dtype=object)[:, None]
    coach_region = np.array([c.region for c in coaches], dtype=object)[None, :]
    same_province = (org_prov == coach_prov) & (coach_prov != "")
    same_region = (org_region == coach_region) & (coach_region != "")
    travels = overlap([frozenset([o.province]) for o in organisations], [c.travel_provinces for c in coaches]) > 0
    travels &= org_prov != ""
    scores += np.where(
        same_province,
        weights.same_province,
        np.where(travels, weights.travels_to + np.where(same_region, weights.same_region, 0.0), 0.0)
        + np.where(~travels & same_region, weights.same_region, 0.0),
    )
    org_index = {o.id: i for i, o in enumerate(organisations)}
    coach_index = {c.id: j for j, c in enumerate(coaches)}
    for ranks in (rules.coach_ranks, rules.organisation_ranks):
        for (coach_id, org_id), rank in ranks.items():
            if coach_id in coach_index and org_id in org_index:
                scores[org_index[org_id], coach_index[coach_id]] += _rank_points(rank, weights)
    for coach_id, org_id in rules.blocked:
        if coach_id in coach_index and org_id in org_index:
            scores[org_index[org_id], coach_index[coach_id]] = np.nan
    return np.round(scores, 4)


def solve(
    coaches: list[Coach], organisations: list[Organisation], rules: Rules | None = None, weights: Weights = Weights()
) -> Result:
    """The proposal: fixed pairs, then the optimal assignment of the rest (see module docstring)."""
    rules = rules or Rules()
    coach_by_id = {c.id: c for c in coaches}
    org_by_id = {o.id: o for o in organisations}
    pairs: list[Pair] = []
    problems: list[tuple[str, int, int]] = []
    used: dict[int, int] = {}
    taken: set[int] = set()
    for coach_id, org_id in sorted(rules.fixed):
        if coach_id not in coach_by_id or org_id not in org_by_id or org_id in taken:
            problems.append(("fixed_unknown", coach_id, org_id))
            continue
        if (coach_id, org_id) in rules.blocked:
            problems.append(("fixed_blocked", coach_id, org_id))
            continue
        score, reasons = pair_fit(coach_by_id[coach_id], org_by_id[org_id], rules, weights)
        pairs.append(Pair(coach_id, org_id, score, (Reason("fixed"), *reasons), fixed=True))
        used[coach_id] = used.get(coach_id, 0) + 1
        taken.add(org_id)
    rest = [o for o in organisations if o.id not in taken]
    slots: list[int] = []  # column -> coach index
    for index, coach in enumerate(coaches):
        slots += [index] * max(0, min(coach.capacity - used.get(coach.id, 0), len(rest)))
    if rest and slots:
        fit = score_matrix(coaches, rest, rules, weights)
        blocked = np.isnan(fit)
        cost = np.where(blocked, BLOCKED_COST, -np.nan_to_num(fit))[:, slots]
        rows, cols = linear_sum_assignment(cost)
        for row, col in zip(rows, cols, strict=True):
            coach = coaches[slots[col]]
            if blocked[row, slots[col]]:
                continue
            org = rest[row]
            score, reasons = pair_fit(coach, org, rules, weights)
            pairs.append(Pair(coach.id, org.id, score, reasons))
            taken.add(org.id)
    unassigned = [o.id for o in organisations if o.id not in taken]
    return Result(pairs=pairs, unassigned=unassigned, problems=problems)


def alternatives(
    organisation: Organisation,
    coaches: list[Coach],
    rules: Rules | None = None,
    weights: Weights = Weights(),
    limit: int = 5,
) -> list[Pair]:
    """The best coaches for one organisation, by fit, blocked pairs left out."""
    rules = rules or Rules()
    options = []
    for coach in coaches:
        if (coach.id, organisation.id) in rules.blocked:
            continue
        score, reasons = pair_fit(coach, organisation, rules, weights)
        options.append(Pair(coach.id, organisation.id, score, reasons))
    options.sort(key=lambda pair: (-pair.score, pair.coach_id))
    return options[:limit]


def greedy(coaches: list[Coach], organisations: list[Organisation], rules: Rules | None = None,
           weights: Weights = Weights()) -> float:  # fmt: skip
    """Total fit of the obvious greedy assignment (best remaining pair first), for comparison."""
    rules = rules or Rules()
    fit = score_matrix(coaches, organisations, rules, weights)
    capacity = np.array([c.capacity for c in coaches])
    order = np.argsort(-np.nan_to_num(fit, nan=-1.0), axis=None, kind="stable")
    done = np.zeros(len(organisations), dtype=bool)
    total = 0.0
    for flat in order:
        row, col = divmod(int(flat), len(coaches))
        if done[row] or capacity[col] <= 0 or np.isnan(fit[row, col]):
            continue
        done[row] = True
        capacity[col] -= 1
        total += float(fit[row, col])
        if done.all():
            break
    return total
