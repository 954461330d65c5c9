//! Casework fixtures: a children in need team and an open, allocated episode.

use cairn_db::testing::TestDb;
use cairn_domain::roles::Role;
use chrono::NaiveDate;

use super::accounts::{Session, signed_in_with_team};
use super::front_door::{child, team};

pub struct CaseTeam {
    pub team: String,
    pub worker: Session,
    pub manager: Session,
}

pub fn case_team(db: &TestDb) -> CaseTeam {
    let team = team(db, "Children in need");
    CaseTeam {
        worker: signed_in_with_team(db, "worker", Role::SocialWorker, &team),
        manager: signed_in_with_team(db, "manager", Role::TeamManager, &team),
        team,
    }
}

pub struct OpenCase {
    pub child: String,
    pub referral: String,
}

/// A child named `given` with an open referral made on `referral_date`, allocated to the
/// team's worker.
pub fn open_case(db: &TestDb, team: &CaseTeam, given: &str, referral_date: NaiveDate) -> OpenCase {
    let child = child(db, &team.manager.actor, given, "Casework");
    let referral = uuid::Uuid::now_v7().to_string();
    let mut c = db.conn();
    cairn_db::front_door::referrals::insert(
        &mut c,
        &cairn_db::front_door::referrals::ReferralRow {
            id: referral.clone(),
            person_id: child.clone(),
            contact_id: None,
            decision_id: None,
            referral_date,
            referral_source: "1A".into(),
            primary_need: "N1".into(),
            team_id: team.team.clone(),
            worker_id: Some(team.worker.user_id.clone()),
            assigned_at: Some(cairn_db::now()),
            re_referral: false,
            previous_referral_id: None,
            closed_on: None,
            closure_reason: None,
            version: 1,
            created_at: cairn_db::now(),
            created_by: "test".into(),
        },
    )
    .expect("insert a referral");
    OpenCase { child, referral }
}
