"""Optimal assignment, a pure module (no Django), so it can be tested and measured alone. Two
users: coaching's coach-organisation matching (`solve`) and cohorts' reviewer assignment
(`assign_reviewers`, at the end of the module). It lives in the core because both apps use it.

Coach-organisation matching. The platform proposes one coach per organisation, maximising the total fit, with:

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


# Reviewer assignment ------------------------------------------------------------------------
#
# N reviewers per application, the load spread evenly, expertise counted, some pairs never:
#
# - **Never assigned**: a pair in `blocked` (a declared conflict of interest, a pair staff
#   forbade) or a reviewer of the applicant's own organisation (`organisation` equal and set).
#   No reviewer is given the same application twice.
# - **Fixed pairs** (existing assignments, pairs staff fixed) are kept first; they count towards
#   the application's N and the reviewer's load. A fixed pair that is blocked is refused and
#   reported in `problems`.
# - **Load**: the reviews are handed out in rounds, one reviewer per application still short of
#   N in each round. Each round's slots (`_round_slots`) keep the loads after it within one of
#   each other; one extra slot per reviewer at a cost (`OVERFLOW_COST`, larger than any fit)
#   is used only when blocked pairs leave no other way. With `max_per_reviewer` no reviewer
#   goes above it. Each round is solved optimally for the largest expertise fit: by
#   `_round_flow` (a min-cost flow on the reviewers, no slot expansion: 5,000 applications and
#   200 reviewers in seconds and tens of MB, where `linear_sum_assignment` on the 5,000 x 5,400
#   expanded matrix took a minute and 700 MB), or by `linear_sum_assignment` when there are
#   fewer slots than applications (a maximum per reviewer); both reach the same total.
# - **Fit** (`review_fit`): the application's track among the reviewer's tracks, shared
#   sectors (at most `max_sectors`), the application's region among the reviewer's regions.
#   Each part is a `Reason`; the caller turns reasons into words.
#
# Objective per round: first every application that can get a reviewer gets one (a blocked cell
# costs more than anything), then loads within one (overflow costs more than any fit), then the
# largest total fit. Applications left short are returned in `short` with how many reviewers
# they miss.

OVERFLOW_COST = 1e3  # larger than any fit of one pair, smaller than BLOCKED_COST
LEVEL_BONUS = 1e2  # larger than any fit of one pair: slots that keep loads even are filled first


@dataclass(frozen=True)
class ReviewWeights:
    track: float = 3.0
    sector: float = 2.0  # per shared sector, at most `max_sectors`
    max_sectors: int = 2
    region: float = 1.0


@dataclass(frozen=True)
class Reviewer:
    id: int
    tracks: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    organisation: int | None = None


@dataclass(frozen=True)
class Submission:
    """An application to review, as the solver sees it."""

    id: int
    track: str = ""
    sectors: frozenset[str] = frozenset()
    region: str = ""
    organisation: int | None = None


@dataclass(frozen=True)
class ReviewPair:
    reviewer_id: int
    application_id: int
    score: float
    reasons: tuple[Reason, ...]
    fixed: bool = False


@dataclass
class ReviewResult:
    pairs: list[ReviewPair]
    short: dict[int, int]  # application id -> reviewers it still lacks
    problems: list[tuple[str, int, int]]  # ("fixed_blocked" | "fixed_unknown", reviewer id, application id)

    @property
    def total(self) -> float:
        return sum(pair.score for pair in self.pairs)

    def loads(self, reviewers: list[Reviewer]) -> dict[int, int]:
        counts = {reviewer.id: 0 for reviewer in reviewers}
        for pair in self.pairs:
            counts[pair.reviewer_id] = counts.get(pair.reviewer_id, 0) + 1
        return counts


def review_blocked(reviewer: Reviewer, submission: Submission, blocked: set[tuple[int, int]]) -> bool:
    """True when the pair may never be assigned (declared conflict, forbidden, same organisation)."""
    if (reviewer.id, submission.id) in blocked:
        return True
    return reviewer.organisation is not None and reviewer.organisation == submission.organisation


def review_fit(reviewer: Reviewer, submission: Submission, weights: ReviewWeights = ReviewWeights()):
    """(score, reasons) of one pair, blocks aside."""
    reasons: list[Reason] = []
    if submission.track and submission.track in reviewer.tracks:
        reasons.append(Reason("track", (submission.track,), weights.track))
    sectors = sorted(submission.sectors & reviewer.sectors)[: weights.max_sectors]
    if sectors:
        reasons.append(Reason("sectors", tuple(sectors), weights.sector * len(sectors)))
    if submission.region and submission.region in reviewer.regions:
        reasons.append(Reason("region", (submission.region,), weights.region))
    return round(sum(reason.points for reason in reasons), 4), tuple(reasons)


def _onehot(sets: list, vocab: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(sets), max(1, len(vocab))), dtype=np.float32)
    for index, items in enumerate(sets):
        for item in items:
            out[index, vocab[item]] = 1.0
    return out


def review_fit_matrix(
    reviewers: list[Reviewer], submissions: list[Submission], weights: ReviewWeights = ReviewWeights()
) -> np.ndarray:
    """Fit of every (application, reviewer), vectorised: rows applications, columns reviewers."""
    fit = np.zeros((len(submissions), len(reviewers)), dtype=np.float64)
    if not submissions or not reviewers:
        return fit
    for attr, rev_attr, weight, cap in (
        ("track", "tracks", weights.track, 1),
        ("sectors", "sectors", weights.sector, weights.max_sectors),
        ("region", "regions", weights.region, 1),
    ):
        sub_sets = [
            getattr(s, attr) if attr == "sectors" else frozenset([getattr(s, attr)] if getattr(s, attr) else [])
            for s in submissions
        ]
        rev_sets = [getattr(r, rev_attr) for r in reviewers]
        vocab: dict[str, int] = {}
        for items in sub_sets + rev_sets:
            for item in items:
                vocab.setdefault(item, len(vocab))
        if vocab:
            overlap = (_onehot(sub_sets, vocab) @ _onehot(rev_sets, vocab).T).astype(np.float64)
            fit += weight * np.minimum(overlap, cap)
    return fit


def _blocked_matrix(reviewers, submissions, blocked, taken) -> np.ndarray:
    sub_org = np.array([-1 if s.organisation is None else s.organisation for s in submissions])[:, None]
    rev_org = np.array([-2 if r.organisation is None else r.organisation for r in reviewers])[None, :]
    mask = sub_org == rev_org
    sub_index = {s.id: i for i, s in enumerate(submissions)}
    rev_index = {r.id: j for j, r in enumerate(reviewers)}
    for pairs in (blocked, taken):
        for reviewer_id, application_id in pairs:
            if reviewer_id in rev_index and application_id in sub_index:
                mask[sub_index[application_id], rev_index[reviewer_id]] = True
    return mask


def _round_slots(demand: int, loads: np.ndarray, limit: np.ndarray):
    """This round's columns: (reviewer index per slot, cost per slot).

    `level` is the highest load every reviewer can be raised to within `demand`: the slots
    that raise a reviewer to it carry a bonus larger than any fit (so they are filled first),
    one more slot per reviewer costs nothing (who takes the remainder is the fit's choice),
    and one further slot costs `OVERFLOW_COST` (taken only when blocks leave no other way).
    So the loads after a round are within one of each other wherever blocks allow."""
    room = np.maximum(limit - loads, 0)

    def raise_to(level: int) -> np.ndarray:
        return np.minimum(np.maximum(level - loads, 0), room)

    level = int(loads.min()) if len(loads) else 0
    while raise_to(level + 1).sum() <= demand and raise_to(level + 1).sum() > raise_to(level).sum():
        level += 1
    base = raise_to(level)
    top = np.minimum(room - base, 1)
    extra = np.minimum(room - base - top, 1)
    columns = np.arange(len(loads))
    slots = np.concatenate([np.repeat(columns, base), np.repeat(columns, top), np.repeat(columns, extra)])
    costs = np.concatenate(
        [np.full(int(base.sum()), -LEVEL_BONUS), np.zeros(int(top.sum())), np.full(int(extra.sum()), OVERFLOW_COST)]
    )
    return slots, costs


def _tiers(slots: np.ndarray, costs: np.ndarray, n_reviewers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How many of each reviewer's slots this round carry the bonus, cost nothing, overflow."""
    base = np.bincount(slots[costs < 0], minlength=n_reviewers)
    top = np.bincount(slots[costs == 0], minlength=n_reviewers)
    extra = np.bincount(slots[costs > 0], minlength=n_reviewers)
    return base, top, extra


class _RoundFlow:
    """One round solved as a min-cost flow on the reviewers alone (no slot expansion).

    The round's problem is the one `linear_sum_assignment` solves on the expanded matrix (rows:
    applications; columns: each reviewer's slots, `base` with the bonus, `top` free, `extra` at
    the overflow cost; a blocked cell at `BLOCKED_COST`), when there are at least as many slots
    as rows, so every row is assigned. A reviewer's slots differ only by their cost, so only
    their number matters: the state is each reviewer's load and applications.

    Successive shortest paths: each row in turn goes to the reviewer where it is cheapest to put
    it, counting what it costs to make room there, i.e. `cost[i, k] + h[k]` with `h[k]` the
    cheapest way from reviewer k to a free slot: k's own next slot, or moving one of k's
    applications to reviewer l (`W[k, l]`, the cheapest such move) and on from l. `h` comes
    from Bellman-Ford on the reviewers' graph (m nodes, dense, vectorised). Adding a row along
    a shortest path keeps the residual graph free of negative cycles, so after the last row the
    assignment is optimal, the same total as `linear_sum_assignment` on the expanded matrix
    (ties may be broken otherwise). A row that goes straight to a reviewer's slot of unchanged
    cost leaves `h` as it was (a cheaper way out of that reviewer would have been this row's
    cheaper choice), so only the other rows recompute `h`.

    Time per round: O(rows * m) for the straight ones, plus O(m^2) per Bellman-Ford pass for
    the others; memory O(rows * m) (the cost matrix) instead of O(rows * slots)."""

    def __init__(self, cost: np.ndarray, base: np.ndarray, top: np.ndarray, extra: np.ndarray) -> None:
        self.cost = cost
        n, m = cost.shape
        self.m = m
        self.base, self.top_end, self.cap = base, base + top, base + top + extra
        self.load = np.zeros(m, dtype=np.int64)
        self.next = np.where(base > 0, -LEVEL_BONUS, np.where(top > 0, 0.0, np.where(extra > 0, OVERFLOW_COST, np.inf)))
        self.where = np.full(n, -1, dtype=np.int64)
        self.members: list[list[int]] = [[] for _ in range(m)]
        self.moves = np.full((m, m), np.inf)  # W[j, l]: cheapest move of one of j's rows to l
        self.movers = np.full((m, m), -1, dtype=np.int64)
        self.h = np.zeros(m)
        self.pred = np.full(m, -1, dtype=np.int64)
        self._columns = np.arange(m)

    def _next_cost(self, j: int) -> float:
        load = self.load[j]
        if load < self.base[j]:
            return -LEVEL_BONUS
        if load < self.top_end[j]:
            return 0.0
        return OVERFLOW_COST if load < self.cap[j] else np.inf

    def shortest(self, changed: list[int] | None = None) -> None:
        """`h` (cheapest way from each reviewer to a free slot) and its first step, `pred`.

        With `changed` (the reviewers whose rows or next slot changed), only the reviewers whose
        way went through one of them are computed again: the others' way costs what it did,
        and no way got cheaper (shortest-path augmentation never lowers `h`)."""
        h, pred = self.h, self.pred
        if changed is None:
            todo = self._columns
        else:
            hit = np.zeros(self.m, dtype=bool)
            hit[changed] = True
            while True:  # everyone whose first steps lead to a changed reviewer
                spread = hit | ((pred >= 0) & hit[np.maximum(pred, 0)])
                if (spread == hit).all():
                    break
                hit = spread
            todo = np.flatnonzero(hit)
        h[todo] = self.next[todo]
        pred[todo] = -1
        moves = self.moves[todo]
        for _ in range(self.m + 1):
            through = moves + h[None, :]
            value = through.min(axis=1)
            better = np.flatnonzero(value < h[todo] - 1e-9)
            if not len(better):
                break
            nodes = todo[better]
            h[nodes] = value[better]
            pred[nodes] = through[better].argmin(axis=1)
        else:  # pragma: no cover - a negative cycle: cannot happen with shortest-path augmentation
            raise ArithmeticError("negative cycle in the round's residual graph")

    def refresh(self, j: int) -> None:
        """W[j, :] from j's rows."""
        members = self.members[j]
        if not members:
            self.moves[j] = np.inf
            self.movers[j] = -1
            return
        rows = np.asarray(members)
        block = self.cost[rows]
        block -= block[:, j][:, None]
        best = block.argmin(axis=0)
        self.moves[j] = block[best, self._columns]
        self.movers[j] = rows[best]
        self.moves[j, j] = np.inf

    def _join(self, i: int, j: int) -> None:
        """Row i joins reviewer j: W[j, :] can only get cheaper."""
        self.where[i] = j
        self.members[j].append(i)
        move = self.cost[i] - self.cost[i, j]
        move[j] = np.inf
        better = move < self.moves[j]
        self.moves[j, better] = move[better]
        self.movers[j, better] = i

    def add(self, i: int) -> None:
        k = int(np.argmin(self.cost[i] + self.h))
        if not np.isfinite(self.h[k]):
            raise ArithmeticError("no free slot")  # pragma: no cover - the caller checks capacity
        if self.pred[k] < 0:  # straight into k's next slot
            before = self.next[k]
            self._join(i, k)
            self.load[k] += 1
            self.next[k] = self._next_cost(k)
            if self.next[k] != before:
                self.shortest([k])
            return
        left: set[int] = set()
        j, mover, steps = k, i, 0
        while True:
            target = int(self.pred[j])
            leaving = int(self.movers[j, target]) if target >= 0 else -1  # chosen on the graph before the move
            self._join(mover, j)
            if target < 0:
                break
            self.members[j].remove(leaving)
            left.add(j)
            j, mover, steps = target, leaving, steps + 1
            if steps > self.m:  # pragma: no cover - pred is acyclic after Bellman-Ford
                raise ArithmeticError("cycle in the shortest-path tree")
        self.load[j] += 1
        self.next[j] = self._next_cost(j)
        for node in left:
            self.refresh(node)
        self.shortest([*left, j])

    def solve(self) -> np.ndarray:
        """Rows with the strongest preference first: the rows that care least come last and
        mostly go straight to whoever has room (the result is optimal in any order)."""
        self.shortest()
        cost = self.cost
        spread = np.median(cost, axis=1) - cost.min(axis=1)
        for i in np.argsort(-spread, kind="stable").tolist():
            self.add(i)
        return self.where


def _round_flow(cost: np.ndarray, base: np.ndarray, top: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """The reviewer (column of `cost`) for each row of this round, optimally (see `_RoundFlow`)."""
    return _RoundFlow(cost, base, top, extra).solve()


def _round_lsa(cost: np.ndarray, slots: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """The same round on the expanded matrix (one column per slot); -1 for a row left out
    (only when there are fewer slots than rows)."""
    assigned_rows, cols = linear_sum_assignment(cost[:, slots] + penalty[None, :])
    where = np.full(cost.shape[0], -1, dtype=np.int64)
    where[assigned_rows] = slots[cols]
    return where


def assign_reviewers(
    reviewers: list[Reviewer],
    submissions: list[Submission],
    per_application: int,
    *,
    max_per_reviewer: int | None = None,
    blocked: set[tuple[int, int]] | None = None,
    fixed: set[tuple[int, int]] | None = None,
    weights: ReviewWeights = ReviewWeights(),
) -> ReviewResult:
    """The proposal: fixed pairs, then `per_application` reviewers per application in rounds
    (see the notes above `OVERFLOW_COST`). Each round is solved by `_round_flow` when the slots
    can take every row, else by `linear_sum_assignment` on the expanded matrix."""
    blocked = set(blocked or ())
    reviewer_by_id = {r.id: r for r in reviewers}
    submission_by_id = {s.id: s for s in submissions}
    pairs: list[ReviewPair] = []
    problems: list[tuple[str, int, int]] = []
    taken: set[tuple[int, int]] = set()
    need = {s.id: per_application for s in submissions}
    for reviewer_id, application_id in sorted(fixed or ()):
        reviewer = reviewer_by_id.get(reviewer_id)
        submission = submission_by_id.get(application_id)
        if reviewer is None or submission is None or (reviewer_id, application_id) in taken:
            problems.append(("fixed_unknown", reviewer_id, application_id))
            continue
        if review_blocked(reviewer, submission, blocked):
            problems.append(("fixed_blocked", reviewer_id, application_id))
            continue
        score, reasons = review_fit(reviewer, submission, weights)
        pairs.append(ReviewPair(reviewer_id, application_id, score, (Reason("fixed"), *reasons), fixed=True))
        taken.add((reviewer_id, application_id))
        need[application_id] -= 1
    index = {r.id: j for j, r in enumerate(reviewers)}
    loads = np.zeros(len(reviewers), dtype=np.int64)
    for pair in pairs:
        loads[index[pair.reviewer_id]] += 1
    fit = review_fit_matrix(reviewers, submissions, weights)
    never = _blocked_matrix(reviewers, submissions, blocked, set())
    row_of = {s.id: i for i, s in enumerate(submissions)}
    for reviewer_id, application_id in taken:
        never[row_of[application_id], index[reviewer_id]] = True  # no reviewer twice on one application
    limit = np.full(len(reviewers), np.iinfo(np.int64).max if max_per_reviewer is None else max_per_reviewer)
    while reviewers:
        rows = [s for s in submissions if need[s.id] > 0]
        if not rows:
            break
        slots, penalty = _round_slots(len(rows), loads, limit)
        if not len(slots):
            break
        row_idx = np.array([row_of[s.id] for s in rows])
        cell_blocked = never[row_idx]
        cost = np.where(cell_blocked, BLOCKED_COST, -fit[row_idx])
        if len(slots) >= len(rows):
            where = _round_flow(cost, *_tiers(slots, penalty, len(reviewers)))
        else:
            where = _round_lsa(cost, slots, penalty)
        progress = False
        for row, j in enumerate(where.tolist()):
            if j < 0 or cell_blocked[row, j]:
                continue
            submission, reviewer = rows[row], reviewers[j]
            score, reasons = review_fit(reviewer, submission, weights)
            pairs.append(ReviewPair(reviewer.id, submission.id, score, reasons))
            never[row_idx[row], j] = True
            need[submission.id] -= 1
            loads[j] += 1
            progress = True
        if not progress:
            break
    short = {application_id: missing for application_id, missing in need.items() if missing > 0}
    return ReviewResult(pairs=pairs, short=short, problems=problems)


def greedy_reviewers(
    reviewers: list[Reviewer],
    submissions: list[Submission],
    per_application: int,
    *,
    blocked: set[tuple[int, int]] | None = None,
    weights: ReviewWeights = ReviewWeights(),
) -> ReviewResult:
    """The obvious assignment, for comparison: each application in turn takes its best
    reviewers that still have room (an even share, rounded up), blocked pairs left out."""
    fit = review_fit_matrix(reviewers, submissions, weights)
    never = _blocked_matrix(reviewers, submissions, set(blocked or ()), set())
    total = len(submissions) * per_application
    room = np.full(len(reviewers), -(-total // max(1, len(reviewers))), dtype=np.int64)
    pairs: list[ReviewPair] = []
    short: dict[int, int] = {}
    for i, submission in enumerate(submissions):
        row = np.where(never[i] | (room <= 0), -np.inf, fit[i])
        order = np.argsort(-row, kind="stable")[:per_application]
        got = 0
        for j in order:
            if np.isinf(row[j]):
                break
            pairs.append(ReviewPair(reviewers[j].id, submission.id, float(fit[i, j]), ()))
            room[j] -= 1
            got += 1
        if got < per_application:
            short[submission.id] = per_application - got
    return ReviewResult(pairs=pairs, short=short, problems=[])
