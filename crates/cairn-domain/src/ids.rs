//! Typed identifiers, so that a `PersonId` can never be passed where a `TeamId` is wanted.
//!
//! All are UUID v7: time-ordered, so new rows land at the end of B-tree indexes on both
//! SQLite and PostgreSQL, and they can be generated anywhere without coordination.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Text that is not a UUID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("the id is empty")]
    Empty,
    #[error("the id is not a valid UUID")]
    Malformed,
}

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
            #[serde(transparent)]
            pub struct $name(Uuid);

            impl $name {
                /// A fresh, time-ordered id.
                // No `Default`: a default that silently invents a new identity would be
                // surprising inside `#[derive(Default)]` structs.
                #[allow(clippy::new_without_default)]
                pub fn new() -> Self {
                    Self(Uuid::now_v7())
                }

                /// Wraps an id read back from storage.
                pub const fn from_uuid(uuid: Uuid) -> Self {
                    Self(uuid)
                }

                /// Parses any textual UUID form (hyphenated, simple, braced or URN).
                pub fn parse(s: &str) -> Result<Self, IdError> {
                    let s = s.trim();
                    if s.is_empty() {
                        return Err(IdError::Empty);
                    }
                    Uuid::parse_str(s).map(Self).map_err(|_| IdError::Malformed)
                }

                pub const fn as_uuid(&self) -> Uuid {
                    self.0
                }
            }

            impl fmt::Display for $name {
                /// Lower-case hyphenated, the form used in URLs and storage.
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(&self.0.hyphenated(), f)
                }
            }

            impl FromStr for $name {
                type Err = IdError;

                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Self::parse(s)
                }
            }

            impl From<Uuid> for $name {
                fn from(uuid: Uuid) -> Self {
                    Self(uuid)
                }
            }

            impl From<$name> for Uuid {
                fn from(id: $name) -> Self {
                    id.0
                }
            }
        )+
    };
}

id_type! {
    /// A person known to the service: a child, an unborn baby, a parent, a carer.
    PersonId,
    /// A member of staff who signs in.
    UserId,
    TeamId,
    OfficeId,
    AddressId,
    /// A relationship between two people.
    RelationshipId,
    ApiTokenId,
    /// One of a person's names (current, previous or alias).
    PersonNameId,
    /// A background job in the outbox (an email to send, a letter to render).
    JobId,
    /// One version of the threshold document, and its levels and indicators.
    ThresholdDocumentId,
    ThresholdLevelId,
    ThresholdIndicatorId,
    /// A contact received by the front door (about one or more children).
    ContactId,
    /// One child named on a contact.
    ContactChildId,
    ContactHouseholdMemberId,
    /// A screening decision on a contact.
    DecisionId,
    DecisionReviewId,
    /// A referral to children's social care: the start of a CIN episode.
    ReferralId,
    OutOfHoursActionId,
    /// A written receipt or feedback message to a referrer.
    ReferrerMessageId,
    /// A version of the timescales that apply to casework.
    TimescaleProfileId,
    /// An assessment (single, initial or core) within a CIN episode.
    AssessmentId,
    AssessmentRevisionId,
    AssessmentReviewId,
    StrategyDiscussionId,
    StrategyParticipantId,
    /// A section 47 enquiry, started by a strategy discussion.
    Section47Id,
    /// A child protection conference: initial (ICPC) or review.
    ConferenceId,
    ConferenceAttendeeId,
    /// A child protection plan.
    CpPlanId,
    CoreGroupMemberId,
    CoreGroupMeetingId,
    /// A child in need plan.
    CinPlanId,
    CinPlanReviewId,
    /// An action with an owner and a due date, from any part of the casework.
    CaseActionId,
    /// A visit to a child.
    VisitId,
    /// A request to close a CIN episode, and its authorisation.
    EpisodeClosureId,
    /// A case note, its versions, and a form parked when its session expired.
    CaseNoteId,
    CaseNoteVersionId,
    ParkedFormId,
    /// A chronology entry (projected or manual) and an earlier version of one.
    ChronologyEntryId,
    ChronologyEntryVersionId,
    /// A management oversight decision on a child's case.
    OversightId,
    /// A supervision session and one case discussed in it.
    SupervisionSessionId,
    SupervisionDiscussionId,
    /// A version of the recording standards.
    RecordingStandardsId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_version_7_and_distinct() {
        let a = PersonId::new();
        let b = PersonId::new();
        assert_ne!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn new_ids_sort_in_creation_order() {
        let ids: Vec<TeamId> = (0..50).map(|_| TeamId::new()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn display_is_lowercase_hyphenated_and_round_trips() {
        let id = UserId::parse("{67E55044-10B1-426F-9247-BB680E5FE0C8}").expect("valid");
        let shown = id.to_string();
        assert_eq!(shown, "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(shown.parse::<UserId>(), Ok(id));
        assert_eq!(UserId::from_uuid(id.as_uuid()), id);
    }

    #[test]
    fn rejects_empty_and_malformed_text() {
        assert_eq!(PersonId::parse("  "), Err(IdError::Empty));
        assert_eq!(PersonId::parse("not-a-uuid"), Err(IdError::Malformed));
        assert_eq!(
            PersonId::parse("67e55044-10b1-426f-9247-bb680e5fe0c"),
            Err(IdError::Malformed)
        );
    }
}
