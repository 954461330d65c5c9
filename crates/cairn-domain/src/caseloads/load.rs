//! From a worker's allocations to a weighted load, and what one more allocation would do to
//! it. The storage layer gathers the facts (what each case involves today); these rules weigh
//! them, so the allocation screen, the snapshots and the alerts all count the same way.

use serde::Serialize;

use super::model::{Limits, WorkloadModel};
use super::points::Points;
use super::{AllocatedWork, CaseFactor, Rating, WorkKind};

/// What one allocated piece of work involves on the day, as the weighting needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkFacts {
    /// The kinds of work under way in the case (from its records and the manager's flags).
    /// Empty: an open case with nothing under way.
    pub kinds: Vec<WorkKind>,
    /// The factors that apply to the child's case.
    pub factors: Vec<CaseFactor>,
}

/// One allocation as it counts towards a worker's load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeighedWork {
    /// What was allocated: the case, or a piece of work in it.
    pub allocated: AllocatedWork,
    /// The kind of work it counts as (the heaviest under way, for a case).
    pub counts_as: WorkKind,
    pub weight: Points,
}

impl WorkloadModel {
    /// What one allocation weighs. A case counts as the heaviest kind of work under way in
    /// it (a child on a plan with an enquiry open is not counted twice) plus every factor that
    /// applies; a piece of work given to someone other than the case holder counts as its own
    /// kind alone, since the factors stay with the case holder.
    pub fn weigh(&self, allocated: AllocatedWork, facts: &WorkFacts) -> WeighedWork {
        match allocated {
            AllocatedWork::Case => {
                let (counts_as, base) = facts
                    .kinds
                    .iter()
                    .map(|k| (*k, self.work_weight(*k)))
                    .max_by_key(|(k, w)| (*w, *k))
                    .unwrap_or((WorkKind::Case, self.work_weight(WorkKind::Case)));
                let mut factors = facts.factors.clone();
                factors.sort();
                factors.dedup();
                let extra: Points = factors.iter().map(|f| self.factor_weight(*f)).sum();
                WeighedWork {
                    allocated,
                    counts_as,
                    weight: base + extra,
                }
            }
            AllocatedWork::Assessment | AllocatedWork::Section47 => {
                let counts_as = allocated.work_kind();
                WeighedWork {
                    allocated,
                    counts_as,
                    weight: self.work_weight(counts_as),
                }
            }
        }
    }
}

/// A worker's load against their capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Load {
    /// Children whose case the worker holds (a case is a child: three siblings are three).
    pub cases: u32,
    /// Pieces of work held in other workers' cases.
    pub pieces_of_work: u32,
    pub weighted: Points,
    pub capacity: Points,
    /// Weighted load as a percentage of capacity; `None` with no capacity.
    pub percent: Option<i64>,
    pub rating: Rating,
}

impl Load {
    /// Totals a worker's weighed work against their capacity and the service's levels.
    pub fn of(work: &[WeighedWork], capacity: Points, limits: Limits) -> Load {
        let weighted: Points = work.iter().map(|w| w.weight).sum();
        let cases = work
            .iter()
            .filter(|w| w.allocated == AllocatedWork::Case)
            .count();
        Load {
            cases: u32::try_from(cases).unwrap_or(u32::MAX),
            pieces_of_work: u32::try_from(work.len() - cases).unwrap_or(u32::MAX),
            weighted,
            capacity,
            percent: weighted.percent_of(capacity),
            rating: limits.rate(weighted, capacity),
        }
    }

    /// The load with one more piece of work: what the allocation screen shows as the result.
    pub fn with(&self, added: &WeighedWork, limits: Limits) -> Load {
        let is_case = added.allocated == AllocatedWork::Case;
        let weighted = self.weighted + added.weight;
        Load {
            cases: self.cases + u32::from(is_case),
            pieces_of_work: self.pieces_of_work + u32::from(!is_case),
            weighted,
            capacity: self.capacity,
            percent: weighted.percent_of(self.capacity),
            rating: limits.rate(weighted, self.capacity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> WorkloadModel {
        WorkloadModel::defaults()
    }

    #[test]
    fn a_case_counts_as_its_heaviest_work_plus_its_factors() {
        let m = model();
        let nothing = m.weigh(AllocatedWork::Case, &WorkFacts::default());
        assert_eq!(
            (nothing.counts_as, nothing.weight),
            (WorkKind::Case, Points::from_centi(75))
        );
        let facts = WorkFacts {
            kinds: vec![WorkKind::CinPlan, WorkKind::Section47, WorkKind::Assessment],
            factors: vec![
                CaseFactor::Interpreter,
                CaseFactor::SiblingGroup,
                CaseFactor::Interpreter,
            ],
        };
        let w = m.weigh(AllocatedWork::Case, &facts);
        assert_eq!(w.counts_as, WorkKind::Section47);
        // 1.5 for the enquiry, 0.25 + 0.25 for the factors (each counted once).
        assert_eq!(w.weight, Points::from_centi(200));
        // Court work outweighs everything in the default model.
        let court = m.weigh(
            AllocatedWork::Case,
            &WorkFacts {
                kinds: vec![WorkKind::CpPlan, WorkKind::CourtWork],
                factors: vec![],
            },
        );
        assert_eq!(
            (court.counts_as, court.weight),
            (WorkKind::CourtWork, Points::whole(2))
        );
    }

    #[test]
    fn a_piece_of_work_counts_as_itself_alone() {
        let m = model();
        let facts = WorkFacts {
            kinds: vec![WorkKind::CpPlan],
            factors: vec![CaseFactor::Complexity],
        };
        let w = m.weigh(AllocatedWork::Assessment, &facts);
        assert_eq!(
            (w.counts_as, w.weight),
            (WorkKind::Assessment, Points::whole(1))
        );
    }

    #[test]
    fn a_load_totals_cases_and_pieces_and_projects_one_more() {
        let m = model();
        let case = m.weigh(AllocatedWork::Case, &WorkFacts::default());
        let piece = m.weigh(AllocatedWork::Section47, &WorkFacts::default());
        let work = vec![case.clone(); 20];
        let load = Load::of(&work, Points::whole(18), Limits::DEFAULT);
        assert_eq!((load.cases, load.pieces_of_work), (20, 0));
        assert_eq!(load.weighted, Points::whole(15));
        assert_eq!((load.percent, load.rating), (Some(83), Rating::Green));
        let after = load.with(&piece, Limits::DEFAULT);
        assert_eq!((after.cases, after.pieces_of_work), (20, 1));
        assert_eq!(after.weighted, Points::from_centi(1650));
        assert_eq!((after.percent, after.rating), (Some(91), Rating::Amber));
        let red = after.with(
            &m.weigh(
                AllocatedWork::Case,
                &WorkFacts {
                    kinds: vec![WorkKind::CourtWork],
                    factors: vec![],
                },
            ),
            Limits::DEFAULT,
        );
        assert_eq!(red.rating, Rating::Red);
    }

    #[test]
    fn a_worker_with_no_hours_is_red_with_any_work() {
        let m = model();
        let load = Load::of(&[], Points::ZERO, Limits::DEFAULT);
        assert_eq!((load.rating, load.percent), (Rating::Green, None));
        let after = load.with(
            &m.weigh(AllocatedWork::Case, &WorkFacts::default()),
            Limits::DEFAULT,
        );
        assert_eq!(after.rating, Rating::Red);
    }
}
