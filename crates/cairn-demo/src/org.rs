//! Demo County Council's offices, teams and staff, with one documented log-in per role.

use std::collections::HashSet;

use cairn_domain::caseloads::Service;
use cairn_domain::names::normalise_name;
use cairn_domain::roles::Role;
use chrono::NaiveDate;

use crate::names::{
    Heritage, OFFICE_CENTRAL, OFFICE_EDS, OFFICE_NORTH, OFFICE_SOUTH, OFFICES, STAFF_HERITAGE,
};
use crate::rng::{Ids, Rng};

/// The fixed demo log-in for each role, documented in the README and printed by `cairn demo`.
pub const DEMO_USERNAMES: &[(Role, &str)] = &[
    (Role::Administrator, "admin"),
    (Role::FrontDoorPractitioner, "frontdoor"),
    (Role::SocialWorker, "social.worker"),
    (Role::SeniorPractitioner, "senior.practitioner"),
    (Role::TeamManager, "team.manager"),
    (Role::ServiceManager, "service.manager"),
    (Role::OutOfHoursWorker, "edt"),
    (Role::Auditor, "auditor"),
    (Role::PerformanceOfficer, "performance"),
    (Role::Inspector, "inspector"),
];

/// Where generated staff addresses live: a reserved domain, so no demo email can reach anyone.
pub const EMAIL_DOMAIN: &str = "demo-county.example";

pub(crate) struct Office {
    pub id: String,
    pub name: &'static str,
}

pub(crate) struct Team {
    pub id: String,
    pub office_id: String,
    pub name: String,
    /// The service whose safe working levels apply to the team.
    pub service: Service,
}

pub(crate) struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<String>,
    pub access_expires_on: Option<NaiveDate>,
    /// True for the one documented log-in of its role.
    pub fixed_login: bool,
}

pub(crate) struct Organisation {
    pub offices: Vec<Office>,
    pub teams: Vec<Team>,
    pub users: Vec<User>,
}

/// The kinds of casework team; each area office has one or more of each.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Function {
    FrontDoor,
    Assessment,
    ChildrenInNeed,
    ChildProtection,
    OutOfHours,
}

impl Function {
    fn label(self) -> &'static str {
        match self {
            Function::FrontDoor => "Front Door (MASH)",
            Function::Assessment => "Assessment",
            Function::ChildrenInNeed => "Children in Need",
            Function::ChildProtection => "Child Protection",
            Function::OutOfHours => "Out of Hours",
        }
    }

    fn service(self) -> Service {
        match self {
            Function::FrontDoor => Service::FrontDoor,
            Function::Assessment => Service::Assessment,
            Function::ChildrenInNeed => Service::ChildrenInNeed,
            Function::ChildProtection => Service::ChildProtection,
            Function::OutOfHours => Service::OutOfHours,
        }
    }
}

/// About one member of staff per 40 children, with enough people in a tiny demo to show every
/// role and a team with a manager.
const CHILDREN_PER_WORKER: u64 = 40;
const MIN_STAFF: u64 = 30;
/// Practitioners per team before another team of the same kind is opened.
const TEAM_SIZE: u64 = 8;

/// How many practitioners of each kind, and how many other staff, for a given workforce.
struct Counts {
    front_door: u64,
    social_workers: u64,
    seniors: u64,
    out_of_hours: u64,
    service_managers: u64,
    auditors: u64,
    performance: u64,
    administrators: u64,
    inspectors: u64,
}

fn counts(children: u64) -> Counts {
    let staff = (children / CHILDREN_PER_WORKER).max(MIN_STAFF);
    let pct = |p: u64, min: u64| (staff * p / 100).max(min);
    Counts {
        front_door: pct(12, 3),
        social_workers: pct(48, 9),
        seniors: pct(12, 3),
        out_of_hours: pct(4, 2),
        service_managers: pct(3, 3),
        auditors: pct(1, 1),
        performance: pct(1, 1),
        administrators: pct(1, 1),
        // An inspection team is a handful of people whatever the size of the authority.
        inspectors: (1 + staff / 500).min(6),
    }
}

struct NameMaker {
    rng: Rng,
    taken: HashSet<String>,
}

impl NameMaker {
    /// A display name and a unique `firstname.lastname` username (a number is added on a clash).
    fn person(&mut self) -> (String, String) {
        let heritage: Heritage = self.rng.weighted(STAFF_HERITAGE);
        let pool = heritage.pool();
        let given = if self.rng.chance(500) {
            self.rng.pick(pool.female)
        } else {
            self.rng.pick(pool.male)
        };
        let family = self.rng.pick(pool.family);
        let base = format!("{}.{}", normalise_name(given), normalise_name(family));
        let mut username = base.clone();
        let mut n = 2;
        while !self.taken.insert(username.clone()) {
            username = format!("{base}{n}");
            n += 1;
        }
        (format!("{given} {family}"), username)
    }
}

pub(crate) fn build(
    seed: u64,
    children: u64,
    ids: &mut Ids,
    inspector_expires_on: NaiveDate,
) -> Organisation {
    let c = counts(children);
    let mut names = NameMaker {
        rng: Rng::new(seed, 1),
        taken: DEMO_USERNAMES
            .iter()
            .map(|(_, u)| (*u).to_string())
            .collect(),
    };

    let offices: Vec<Office> = OFFICES
        .iter()
        .map(|name| Office {
            id: ids.next(),
            name,
        })
        .collect();

    let mut teams: Vec<Team> = Vec::new();
    // (team index, function, office) for assigning staff.
    let mut team_of: Vec<(usize, Function, usize)> = Vec::new();
    let mut add_teams = |office: usize, function: Function, members: u64, teams: &mut Vec<Team>| {
        let n = members.div_ceil(TEAM_SIZE).max(1);
        let area = OFFICES[office].trim_end_matches(" Office");
        for i in 1..=n {
            let name = match (function, n) {
                (Function::OutOfHours, 1) => function.label().to_string(),
                (Function::OutOfHours, _) => format!("{} {i}", function.label()),
                (_, 1) => format!("{area} {}", function.label()),
                _ => format!("{area} {} {i}", function.label()),
            };
            team_of.push((teams.len(), function, office));
            teams.push(Team {
                id: ids.next(),
                office_id: offices[office].id.clone(),
                name,
                service: function.service(),
            });
        }
    };

    // The front door is one multi-agency hub at the central office; casework teams sit in
    // each area office; the emergency duty team covers the whole county out of hours.
    let casework = c.social_workers + c.seniors;
    let area_offices = [OFFICE_CENTRAL, OFFICE_NORTH, OFFICE_SOUTH];
    let functions = [
        Function::Assessment,
        Function::ChildrenInNeed,
        Function::ChildProtection,
    ];
    let groups = (area_offices.len() * functions.len()) as u64;
    add_teams(
        OFFICE_CENTRAL,
        Function::FrontDoor,
        c.front_door,
        &mut teams,
    );
    for (gi, (office, function)) in area_offices
        .iter()
        .flat_map(|o| functions.iter().map(move |f| (*o, *f)))
        .enumerate()
    {
        let share = casework / groups + u64::from((gi as u64) < casework % groups);
        add_teams(office, function, share, &mut teams);
    }
    add_teams(OFFICE_EDS, Function::OutOfHours, c.out_of_hours, &mut teams);

    let teams_with = |f: &dyn Fn(Function) -> bool| -> Vec<usize> {
        team_of
            .iter()
            .filter(|(_, function, _)| f(*function))
            .map(|(t, _, _)| *t)
            .collect()
    };
    let front_door_teams = teams_with(&|f| f == Function::FrontDoor);
    let casework_teams = teams_with(&|f| {
        matches!(
            f,
            Function::Assessment | Function::ChildrenInNeed | Function::ChildProtection
        )
    });
    let ooh_teams = teams_with(&|f| f == Function::OutOfHours);

    let mut users: Vec<User> = Vec::new();
    let mut add = |role: Role, count: u64, teams_for: &[usize], users: &mut Vec<User>| {
        let fixed = DEMO_USERNAMES
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, u)| *u);
        for i in 0..count {
            let (display_name, generated) = names.person();
            let username = match (i, fixed) {
                (0, Some(u)) => u.to_string(),
                _ => generated,
            };
            // Round-robin over the teams, so the first of each role (the demo log-ins) share
            // the first team: the demo team manager manages the demo social worker.
            let team_id = (!teams_for.is_empty())
                .then(|| teams[teams_for[(i as usize) % teams_for.len()]].id.clone());
            users.push(User {
                id: ids.next(),
                email: format!("{username}@{EMAIL_DOMAIN}"),
                username,
                display_name,
                role,
                team_id,
                access_expires_on: (role == Role::Inspector).then_some(inspector_expires_on),
                fixed_login: i == 0 && fixed.is_some(),
            });
        }
    };

    add(Role::Administrator, c.administrators, &[], &mut users);
    add(
        Role::FrontDoorPractitioner,
        c.front_door,
        &front_door_teams,
        &mut users,
    );
    add(
        Role::SocialWorker,
        c.social_workers,
        &casework_teams,
        &mut users,
    );
    add(
        Role::SeniorPractitioner,
        c.seniors,
        &casework_teams,
        &mut users,
    );
    // One manager per team, starting with the casework teams so the demo team manager leads
    // the demo social worker's team.
    let mut managed: Vec<usize> = casework_teams.clone();
    managed.extend(&front_door_teams);
    managed.extend(&ooh_teams);
    add(
        Role::TeamManager,
        managed.len() as u64,
        &managed,
        &mut users,
    );
    // Service managers lead an area office's casework; they sit in its first team.
    let office_first_teams: Vec<usize> = area_offices
        .iter()
        .filter_map(|o| {
            team_of
                .iter()
                .find(|(_, f, office)| office == o && *f != Function::FrontDoor)
                .map(|(t, _, _)| *t)
        })
        .collect();
    add(
        Role::ServiceManager,
        c.service_managers,
        &office_first_teams,
        &mut users,
    );
    add(
        Role::OutOfHoursWorker,
        c.out_of_hours,
        &ooh_teams,
        &mut users,
    );
    add(Role::Auditor, c.auditors, &[], &mut users);
    add(Role::PerformanceOfficer, c.performance, &[], &mut users);
    add(Role::Inspector, c.inspectors, &[], &mut users);

    Organisation {
        offices,
        teams,
        users,
    }
}

/// When the inspector's access ends: a year after today. This is the one place the demo reads
/// the clock: an expiry fixed to the generation date would lock the inspector out of a demo
/// database once that date had passed.
pub(crate) fn inspector_expiry(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(chrono::Days::new(365))
        .unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(children: u64) -> Organisation {
        let mut ids = Ids::new(5, 0);
        build(
            5,
            children,
            &mut ids,
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("a real date"),
        )
    }

    #[test]
    fn every_role_has_staff_and_its_fixed_log_in() {
        for children in [0, 200, 2_000, 1_000_000] {
            let o = org(children);
            for role in Role::ALL {
                assert!(o.users.iter().any(|u| u.role == *role), "{role:?}");
            }
            for (role, username) in DEMO_USERNAMES {
                let u = o.users.iter().find(|u| u.username == *username);
                assert_eq!(u.map(|u| u.role), Some(*role), "{username}");
            }
            let unique: HashSet<&str> = o.users.iter().map(|u| u.username.as_str()).collect();
            assert_eq!(unique.len(), o.users.len());
        }
    }

    #[test]
    fn staff_scale_with_children_and_every_team_has_a_manager() {
        let small = org(2_000);
        let big = org(1_000_000);
        assert!(small.users.len() >= 30 && small.users.len() < 80);
        let ratio = 1_000_000 / big.users.len();
        assert!(
            (30..=50).contains(&ratio),
            "{ratio} children per member of staff"
        );
        for o in [&small, &big] {
            for team in &o.teams {
                assert!(
                    o.users.iter().any(|u| u.role == Role::TeamManager
                        && u.team_id.as_deref() == Some(team.id.as_str())),
                    "{} has no manager",
                    team.name
                );
            }
        }
        let social_worker = small.users.iter().find(|u| u.username == "social.worker");
        let manager = small.users.iter().find(|u| u.username == "team.manager");
        assert_eq!(
            social_worker.map(|u| &u.team_id),
            manager.map(|u| &u.team_id)
        );
    }

    #[test]
    fn usernames_are_what_the_account_form_accepts() {
        for u in org(20_000).users {
            assert!(u.username.len() <= 64);
            assert!(
                u.username
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.'),
                "{}",
                u.username
            );
        }
    }
}
