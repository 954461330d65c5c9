//! The workload model: what each kind of work and each factor weighs, what a full-time worker
//! in each role can carry, how newly qualified workers are protected, and each service's safe
//! working levels.
//!
//! Models are versioned like the recording standards: a version is never changed, and the one
//! in force on a day is the one with the latest `effective_from` on or before it. The model is
//! published to every worker (LGA Standard 3: transparent, agreed with practitioners).

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::points::Points;
use super::{CaseFactor, Rating, Service, WorkKind};
use crate::roles::Role;
use crate::validation::FieldErrors;

/// A service's safe working levels, as a percentage of the worker's capacity: amber from
/// `amber_percent`, red above `red_percent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub amber_percent: u32,
    pub red_percent: u32,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        amber_percent: 85,
        red_percent: 100,
    };

    /// The rating of `load` against `capacity`. A worker with no capacity (not case holding,
    /// or hours set to zero) is green with nothing and red with anything.
    pub fn rate(&self, load: Points, capacity: Points) -> Rating {
        if capacity <= Points::ZERO {
            return if load > Points::ZERO {
                Rating::Red
            } else {
                Rating::Green
            };
        }
        // Compared exactly (load × 100 against capacity × level), not through a rounded
        // percentage: 18.01 points against 18 is over a 100% level.
        let load = i128::from(load.centi()) * 100;
        let at = |percent: u32| i128::from(capacity.centi()) * i128::from(percent);
        if load > at(self.red_percent) {
            Rating::Red
        } else if load >= at(self.amber_percent) {
            Rating::Amber
        } else {
            Rating::Green
        }
    }
}

/// One version of the workload model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkloadModel {
    pub name: String,
    pub effective_from: NaiveDate,
    /// Every [`WorkKind`] has a weight.
    pub work_weights: BTreeMap<WorkKind, Points>,
    /// Every [`CaseFactor`] has a weight, added to the case's.
    pub factor_weights: BTreeMap<CaseFactor, Points>,
    /// A full-time worker's capacity by role; a role missing here holds no cases.
    pub capacities: BTreeMap<Role, Points>,
    /// Every [`Service`] has its levels.
    pub limits: BTreeMap<Service, Limits>,
    /// A newly qualified worker's capacity, as a percentage of their role's…
    pub newly_qualified_percent: u32,
    /// …for this many months from qualifying (the ASYE year).
    pub newly_qualified_months: u32,
    /// A child waiting this many working days for allocation is escalated to the service
    /// manager.
    pub escalate_unallocated_after_working_days: u32,
    pub notes: String,
}

impl WorkloadModel {
    /// The model every authority starts with (the built-in version in the migration).
    pub fn defaults() -> WorkloadModel {
        let work = |k: WorkKind| {
            let centi = match k {
                WorkKind::Case => 75,
                WorkKind::Assessment | WorkKind::CinPlan => 100,
                WorkKind::Section47 | WorkKind::CpPlan => 150,
                WorkKind::LookedAfter => 125,
                WorkKind::CourtWork => 200,
            };
            (k, Points::from_centi(centi))
        };
        let factor = |f: CaseFactor| {
            let centi = match f {
                CaseFactor::SiblingGroup | CaseFactor::Interpreter => 25,
                CaseFactor::OutOfArea | CaseFactor::Complexity => 50,
            };
            (f, Points::from_centi(centi))
        };
        WorkloadModel {
            name: "Cairn default workload model".into(),
            effective_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
            work_weights: WorkKind::ALL.iter().copied().map(work).collect(),
            factor_weights: CaseFactor::ALL.iter().copied().map(factor).collect(),
            capacities: [
                (Role::SocialWorker, 18),
                (Role::SeniorPractitioner, 15),
                (Role::FrontDoorPractitioner, 12),
                (Role::OutOfHoursWorker, 0),
                (Role::TeamManager, 0),
                (Role::ServiceManager, 0),
            ]
            .into_iter()
            .map(|(r, p)| (r, Points::whole(p)))
            .collect(),
            limits: Service::ALL.iter().map(|s| (*s, Limits::DEFAULT)).collect(),
            newly_qualified_percent: 90,
            newly_qualified_months: 12,
            escalate_unallocated_after_working_days: 5,
            notes: String::new(),
        }
    }

    /// The version in force on `date`: the latest `effective_from` on or before it, or the
    /// earliest version for dates before any.
    pub fn in_force(versions: &[WorkloadModel], date: NaiveDate) -> Option<&WorkloadModel> {
        versions
            .iter()
            .filter(|v| v.effective_from <= date)
            .max_by_key(|v| v.effective_from)
            .or_else(|| versions.iter().min_by_key(|v| v.effective_from))
    }

    pub fn work_weight(&self, kind: WorkKind) -> Points {
        self.work_weights.get(&kind).copied().unwrap_or_default()
    }

    pub fn factor_weight(&self, factor: CaseFactor) -> Points {
        self.factor_weights
            .get(&factor)
            .copied()
            .unwrap_or_default()
    }

    pub fn limits_for(&self, service: Service) -> Limits {
        self.limits
            .get(&service)
            .copied()
            .unwrap_or(Limits::DEFAULT)
    }

    /// Whether a worker is still in their protected (newly qualified) period on `on`.
    pub fn is_newly_qualified(
        &self,
        newly_qualified_from: Option<NaiveDate>,
        on: NaiveDate,
    ) -> bool {
        newly_qualified_from.is_some_and(|from| {
            from <= on
                && from
                    .checked_add_months(Months::new(self.newly_qualified_months))
                    .is_none_or(|end| on < end)
        })
    }

    /// A worker's capacity on `on`: their role's full-time capacity, scaled by their hours
    /// (`fte_centi`, 100 = full time) and reduced while they are newly qualified.
    pub fn capacity(
        &self,
        role: Role,
        fte_centi: u32,
        newly_qualified_from: Option<NaiveDate>,
        on: NaiveDate,
    ) -> Points {
        let full_time = self.capacities.get(&role).copied().unwrap_or_default();
        let by_hours = full_time.scaled(i64::from(fte_centi.min(100)), 100);
        if self.is_newly_qualified(newly_qualified_from, on) {
            by_hours.scaled(i64::from(self.newly_qualified_percent), 100)
        } else {
            by_hours
        }
    }

    /// Whether a worker in this role holds cases at all under this model.
    pub fn holds_cases(&self, role: Role) -> bool {
        self.capacities
            .get(&role)
            .is_some_and(|c| *c > Points::ZERO)
    }

    /// Checks a version typed by a manager: every weight present and not negative, levels in
    /// order, percentages in range. Each problem is reported against its own field
    /// (`work.<code>`, `factor.<code>`, `capacity.<role>`, `amber.<service>`, `red.<service>`).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.name.trim().is_empty() {
            errors.push("name", "Enter a name for this version");
        }
        for kind in WorkKind::ALL {
            match self.work_weights.get(kind) {
                None => errors.push(
                    format!("work.{}", kind.code()),
                    format!("Enter a weight for {}", kind.label().to_lowercase()),
                ),
                Some(w) if w.is_negative() => errors.push(
                    format!("work.{}", kind.code()),
                    "A weight cannot be negative",
                ),
                Some(_) => {}
            }
        }
        for factor in CaseFactor::ALL {
            match self.factor_weights.get(factor) {
                None => errors.push(
                    format!("factor.{}", factor.code()),
                    format!("Enter a weight for {}", factor.label().to_lowercase()),
                ),
                Some(w) if w.is_negative() => errors.push(
                    format!("factor.{}", factor.code()),
                    "A weight cannot be negative",
                ),
                Some(_) => {}
            }
        }
        for (role, capacity) in &self.capacities {
            if capacity.is_negative() {
                errors.push(
                    format!("capacity.{}", role.code()),
                    "A capacity cannot be negative",
                );
            }
        }
        for service in Service::ALL {
            match self.limits.get(service) {
                None => errors.push(
                    format!("amber.{}", service.code()),
                    format!(
                        "Enter the amber level for {}",
                        service.label().to_lowercase()
                    ),
                ),
                Some(l) => {
                    if l.amber_percent == 0 || l.amber_percent > 300 {
                        errors.push(
                            format!("amber.{}", service.code()),
                            "The amber level must be between 1% and 300%",
                        );
                    }
                    if l.red_percent < l.amber_percent || l.red_percent > 300 {
                        errors.push(
                            format!("red.{}", service.code()),
                            "The red level must be at least the amber level and at most 300%",
                        );
                    }
                }
            }
        }
        if self.newly_qualified_percent == 0 || self.newly_qualified_percent > 100 {
            errors.push(
                "newly_qualified_percent",
                "The newly qualified share must be between 1% and 100%",
            );
        }
        if self.newly_qualified_months > 36 {
            errors.push(
                "newly_qualified_months",
                "The protected period must be 36 months or fewer",
            );
        }
        if self.escalate_unallocated_after_working_days == 0
            || self.escalate_unallocated_after_working_days > 60
        {
            errors.push(
                "escalate_unallocated_after_working_days",
                "Escalation must be after between 1 and 60 working days",
            );
        }
        errors.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn the_defaults_are_valid_and_cover_every_list() {
        let m = WorkloadModel::defaults();
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.work_weights.len(), WorkKind::ALL.len());
        assert_eq!(m.factor_weights.len(), CaseFactor::ALL.len());
        assert_eq!(m.limits.len(), Service::ALL.len());
        assert_eq!(m.work_weight(WorkKind::CpPlan), Points::from_centi(150));
        assert!(m.holds_cases(Role::SocialWorker));
        assert!(!m.holds_cases(Role::TeamManager));
        assert!(!m.holds_cases(Role::Auditor));
    }

    #[test]
    fn missing_and_negative_weights_are_refused_against_their_fields() {
        let mut m = WorkloadModel::defaults();
        m.work_weights.remove(&WorkKind::CpPlan);
        m.factor_weights
            .insert(CaseFactor::Interpreter, Points::from_centi(-25));
        m.capacities.insert(Role::SocialWorker, Points::whole(-1));
        m.limits.insert(
            Service::ChildrenInNeed,
            Limits {
                amber_percent: 90,
                red_percent: 80,
            },
        );
        m.name = " ".into();
        let errors = m.validate().expect_err("refused");
        assert!(errors.for_field("work.cp_plan").is_some());
        assert_eq!(
            errors.for_field("factor.interpreter"),
            Some("A weight cannot be negative")
        );
        assert!(errors.for_field("capacity.social_worker").is_some());
        assert!(errors.for_field("red.children_in_need").is_some());
        assert!(errors.for_field("amber.children_in_need").is_none());
        assert!(errors.for_field("name").is_some());
        assert_eq!(errors.len(), 5);
    }

    #[test]
    fn capacity_follows_role_hours_and_the_protected_year() {
        let m = WorkloadModel::defaults();
        let on = d(2026, 11, 26);
        assert_eq!(
            m.capacity(Role::SocialWorker, 100, None, on),
            Points::whole(18)
        );
        assert_eq!(
            m.capacity(Role::SocialWorker, 50, None, on),
            Points::whole(9)
        );
        assert_eq!(m.capacity(Role::SocialWorker, 0, None, on), Points::ZERO);
        // Newly qualified in March: 90% until the anniversary, then the full capacity.
        let nq = Some(d(2026, 3, 1));
        assert_eq!(
            m.capacity(Role::SocialWorker, 100, nq, on),
            Points::from_centi(1620)
        );
        assert!(m.is_newly_qualified(nq, d(2027, 2, 28)));
        assert!(!m.is_newly_qualified(nq, d(2027, 3, 1)));
        assert_eq!(
            m.capacity(Role::SocialWorker, 100, nq, d(2027, 3, 1)),
            Points::whole(18)
        );
        // Qualifying in the future (a start date typed ahead) protects nothing yet.
        assert!(!m.is_newly_qualified(Some(d(2027, 1, 1)), on));
        assert_eq!(m.capacity(Role::Auditor, 100, None, on), Points::ZERO);
    }

    #[test]
    fn ratings_use_the_services_levels_and_never_divide_by_zero() {
        let l = Limits::DEFAULT;
        let cap = Points::whole(18);
        assert_eq!(l.rate(Points::whole(15), cap), Rating::Green); // 83%
        assert_eq!(l.rate(Points::from_centi(1530), cap), Rating::Amber); // 85%
        assert_eq!(l.rate(Points::whole(18), cap), Rating::Amber); // 100%: at the level
        assert_eq!(l.rate(Points::from_centi(1801), cap), Rating::Red);
        assert_eq!(l.rate(Points::ZERO, Points::ZERO), Rating::Green);
        assert_eq!(l.rate(Points::from_centi(1), Points::ZERO), Rating::Red);
    }

    #[test]
    fn the_version_in_force_is_the_latest_started() {
        let mut later = WorkloadModel::defaults();
        later.effective_from = d(2026, 4, 1);
        later.name = "2026 model".into();
        let versions = vec![WorkloadModel::defaults(), later];
        assert_eq!(
            WorkloadModel::in_force(&versions, d(2026, 3, 31)).map(|m| m.name.as_str()),
            Some("Cairn default workload model")
        );
        assert_eq!(
            WorkloadModel::in_force(&versions, d(2026, 4, 1)).map(|m| m.name.as_str()),
            Some("2026 model")
        );
        assert!(WorkloadModel::in_force(&[], d(2026, 4, 1)).is_none());
    }
}
