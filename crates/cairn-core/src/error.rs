use cairn_db::DbError;
use cairn_domain::policy::{Action, Denied};
use cairn_domain::validation::FieldErrors;
use thiserror::Error;

use crate::search::SearchHit;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// The actor may not do this. Recorded in the audit log even though the change rolls back.
    #[error("you do not have permission to do this")]
    Denied {
        action: Action,
        entity_type: Option<String>,
        entity_id: Option<String>,
        person_id: Option<String>,
    },
    #[error("{0} was not found")]
    NotFound(&'static str),
    #[error("some answers need correcting")]
    Invalid(FieldErrors),
    /// Someone else saved the same record first.
    #[error("{0}")]
    Conflict(String),
    /// A new person looks like people already recorded; the user must choose or confirm.
    #[error("this person may already be recorded")]
    PossibleDuplicates(Vec<SearchHit>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(e))
    }
}

impl From<Denied> for ServiceError {
    fn from(d: Denied) -> Self {
        ServiceError::Denied {
            action: d.action,
            entity_type: None,
            entity_id: None,
            person_id: None,
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(e: FieldErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

impl ServiceError {
    pub fn denied_on_person(action: Action, person_id: &str) -> ServiceError {
        ServiceError::Denied {
            action,
            entity_type: Some("person".into()),
            entity_id: Some(person_id.into()),
            person_id: Some(person_id.into()),
        }
    }

    pub fn invalid(field: &str, message: &str) -> ServiceError {
        let mut errors = FieldErrors::default();
        errors.push(field, message);
        ServiceError::Invalid(errors)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
