//! Written receipts and feedback to referrers.
//!
//! Both are written into `referrer_messages` and queued as a job in the same transaction as
//! the contact or decision that calls for them, so none is lost and none is sent twice. The
//! job emails the message with the same words as a PDF letter attached; without an email
//! address the message is kept as a letter to post. Every attempt and failure is visible on
//! the contact and to administrators.

use cairn_db::DbConn;
use cairn_db::front_door::contacts::{ContactRow, ReferrerRow};
use cairn_db::front_door::messages::{self as repo, MessageRow, TemplateRow};
use cairn_db::front_door::screening::DecisionRow;
use cairn_domain::calendar::Calendar;
use cairn_domain::front_door::{MessageKind, MessageStatus, ScreeningOutcome};
use cairn_domain::ids::ReferrerMessageId;
use cairn_domain::policy::Action;
use cairn_domain::validation::{FieldErrors, clean_line, clean_text};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{Value, json};

use super::{calendar, receipt_due};
use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{JobError, JobHandler};
use crate::mailer::{Attachment, Mailer, OutgoingEmail};
use crate::settings::Settings;
use crate::tx;

pub const JOB_KIND: &str = "referrer_message.send";

/// The placeholders a template may use, each with what it becomes.
pub const PLACEHOLDERS: [(&str, &str); 7] = [
    ("{referrer_name}", "the referrer's name"),
    ("{reference}", "the contact's reference"),
    ("{received}", "the date and time the contact was received"),
    ("{council_name}", "the council's name"),
    ("{phone}", "the front door's phone number"),
    ("{outcome}", "the decision (feedback only)"),
    (
        "{early_help_service}",
        "the early help service (feedback only)",
    ),
];

/// Every template key: the receipt and one feedback per outcome.
pub fn template_keys() -> Vec<String> {
    let mut keys = vec!["receipt".to_string()];
    keys.extend(
        ScreeningOutcome::ALL
            .iter()
            .map(|o| format!("feedback.{}", o.code())),
    );
    keys
}

/// The wording used until an administrator edits it. Feedback says only what may be shared
/// with a referrer: the decision, never the family's information.
pub fn default_template(key: &str) -> Option<(String, String)> {
    let receipt = (
        "We have received your contact: reference {reference}".to_string(),
        "Dear {referrer_name}\n\nThank you for contacting {council_name} children's services. We received your contact on {received}. Its reference is {reference}: please quote it if you get in touch about this child again.\n\nWhat happens next: a qualified practitioner will look at the information you gave us, check what we already know, and decide what help is needed, normally within one working day. If you are worried that a child is at immediate risk of harm, call the police on 999.\n\nIf you have not heard from us within three working days, please call us on {phone}.".to_string(),
    );
    let feedback = |decision: &str| {
        (
            "Our decision about your contact: reference {reference}".to_string(),
            format!(
                "Dear {{referrer_name}}\n\nThank you for your contact of {{received}} (reference {{reference}}). We have now made a decision.\n\n{decision}\n\nWe cannot share the family's personal information with you. If you have new concerns, or the situation changes, please contact us again on {{phone}}; in an emergency call the police on 999."
            ),
        )
    };
    Some(match key {
        "receipt" => receipt,
        "feedback.no_further_action" => feedback(
            "Decision: no further action by children's social care is needed at this time. You may still have a part to play in supporting the child and family within your own service.",
        ),
        "feedback.information_advice" => feedback(
            "Decision: we have given information and advice. Children's social care will not be taking further action at this time.",
        ),
        "feedback.early_help" => feedback(
            "Decision: the family is being offered support from early help ({early_help_service}). You may be asked to contribute to that support.",
        ),
        "feedback.referral" => feedback(
            "Decision: your contact has been accepted as a referral to children's social care. A social worker will assess the child's needs and may contact you for more information.",
        ),
        "feedback.strategy_discussion" => feedback(
            "Decision: your contact has been accepted as a referral to children's social care and is being treated as a safeguarding matter. A social worker may contact you, and you may be asked to take part in a multi-agency discussion.",
        ),
        _ => return None,
    })
}

fn template_for(c: &mut DbConn, key: &str) -> ServiceResult<(String, String)> {
    if let Some(t) = repo::template(c, key)? {
        return Ok((t.subject, t.body));
    }
    default_template(key).ok_or_else(|| ServiceError::Internal(format!("no template {key}")))
}

/// Fills the placeholders. Values are plain text: nothing in them is read as a placeholder.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        match values.iter().find(|(k, _)| tail.starts_with(k)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &tail[k.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn values(
    settings: &Settings,
    contact: &ContactRow,
    referrer: &ReferrerRow,
    decision: Option<&DecisionRow>,
) -> Vec<(&'static str, String)> {
    vec![
        ("{referrer_name}", referrer.name.clone().unwrap_or_default()),
        ("{reference}", contact.reference.clone()),
        ("{received}", super::uk_time(contact.received_at)),
        ("{council_name}", settings.council_name.clone()),
        ("{phone}", settings.front_door_phone.clone()),
        (
            "{outcome}",
            decision
                .and_then(|d| ScreeningOutcome::from_code(&d.outcome))
                .map(|o| o.label().to_string())
                .unwrap_or_default(),
        ),
        (
            "{early_help_service}",
            decision
                .and_then(|d| d.early_help_service.clone())
                .unwrap_or_default(),
        ),
    ]
}

/// What one message is about.
struct Occasion<'a> {
    kind: MessageKind,
    template_key: &'a str,
    contact: &'a ContactRow,
    referrer: &'a ReferrerRow,
    decision: Option<&'a DecisionRow>,
    due_at: NaiveDateTime,
}

fn queue(c: &mut DbConn, settings: &Settings, occasion: Occasion<'_>) -> ServiceResult<String> {
    let Occasion {
        kind,
        template_key: key,
        contact,
        referrer,
        decision,
        due_at,
    } = occasion;
    let (subject_t, body_t) = template_for(c, key)?;
    let vals = values(settings, contact, referrer, decision);
    let emailable = referrer.email.is_some() && !settings.smtp_host.trim().is_empty();
    let id = ReferrerMessageId::new().to_string();
    let job_id = if emailable {
        Some(
            cairn_db::jobs::enqueue(
                c,
                JOB_KIND,
                &json!({ "message_id": id }),
                cairn_db::now(),
                i32::try_from(settings.jobs_max_attempts).unwrap_or(8),
            )?
            .to_string(),
        )
    } else {
        None
    };
    let row = MessageRow {
        id: id.clone(),
        contact_id: contact.id.clone(),
        decision_id: decision.map(|d| d.id.clone()),
        kind: kind.code().to_string(),
        recipient_name: referrer.name.clone().unwrap_or_default(),
        recipient_email: referrer.email.clone(),
        subject: fill(&subject_t, &vals),
        body: fill(&body_t, &vals),
        status: if emailable {
            MessageStatus::Queued
        } else {
            MessageStatus::LetterOnly
        }
        .code()
        .to_string(),
        due_at,
        created_at: cairn_db::now(),
        sent_at: None,
        attempts: 0,
        last_error: if emailable {
            None
        } else if referrer.email.is_none() {
            Some("No email address: print the letter and post it".into())
        } else {
            Some("Email is turned off on this server: print the letter and post it".into())
        },
        job_id,
    };
    repo::insert(c, &row)?;
    Ok(id)
}

/// Queues the acknowledgement; inside the contact's transaction.
pub(crate) fn queue_receipt(
    c: &mut DbConn,
    settings: &Settings,
    cal: &Calendar,
    contact: &ContactRow,
    referrer: &ReferrerRow,
) -> ServiceResult<String> {
    let due = receipt_due(settings, cal, contact.received_at)?;
    queue(
        c,
        settings,
        Occasion {
            kind: MessageKind::Receipt,
            template_key: "receipt",
            contact,
            referrer,
            decision: None,
            due_at: due,
        },
    )
}

/// Queues feedback on a final decision; inside the decision's transaction. Feedback is due a
/// working day after the decision.
pub(crate) fn queue_feedback(
    c: &mut DbConn,
    settings: &Settings,
    contact: &ContactRow,
    referrer: &ReferrerRow,
    decision: &DecisionRow,
) -> ServiceResult<String> {
    let key = format!("feedback.{}", decision.outcome);
    let decided = decision.finalised_at.unwrap_or(decision.decided_at);
    let due = receipt_due(settings, &calendar(settings), decided)?;
    queue(
        c,
        settings,
        Occasion {
            kind: MessageKind::Feedback,
            template_key: &key,
            contact,
            referrer,
            decision: Some(decision),
            due_at: due,
        },
    )
}

/// The message as a council letter; `reference` is the contact's.
pub fn letter(
    settings: &Settings,
    message: &MessageRow,
    referrer: &ReferrerRow,
    reference: &str,
) -> cairn_render::Letter {
    let mut recipient = vec![message.recipient_name.clone()];
    recipient.extend(referrer.organisation.clone());
    if let Some(a) = &referrer.address {
        recipient.extend(
            a.lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty()),
        );
    }
    let mut paragraphs: Vec<String> = message
        .body
        .split("\n\n")
        .map(|p| p.trim().replace('\n', " "))
        .filter(|p| !p.is_empty())
        .collect();
    // The greeting is part of the letter layout, not a paragraph.
    let greeting_first = paragraphs.first().is_some_and(|p| p.starts_with("Dear "));
    if greeting_first && paragraphs.len() > 1 {
        let greeting = paragraphs.remove(0);
        paragraphs.insert(0, format!("{greeting},"));
    }
    let date = message.sent_at.unwrap_or(message.created_at);
    cairn_render::Letter {
        council_name: settings.council_name.clone(),
        council_address: settings.council_address.clone(),
        recipient,
        date: super::utc(date)
            .with_timezone(&chrono_tz::Europe::London)
            .format("%-d %B %Y")
            .to_string(),
        reference: reference.to_string(),
        heading: message.subject.clone(),
        paragraphs,
        sign_off: vec![
            "Yours sincerely".into(),
            String::new(),
            "Children's Services Front Door".into(),
            settings.council_name.clone(),
        ],
        footer: format!(
            "{} · Children's Services · {}",
            settings.council_name, settings.front_door_phone
        ),
    }
}

pub fn letter_pdf(
    settings: &Settings,
    message: &MessageRow,
    referrer: &ReferrerRow,
    reference: &str,
) -> ServiceResult<Vec<u8>> {
    cairn_render::letter_pdf(&letter(settings, message, referrer, reference))
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A message's letter as downloaded, with the contact reference it carries.
#[derive(Clone, Debug)]
pub struct LetterDownload {
    pub message: MessageRow,
    pub pdf: Vec<u8>,
    pub reference: String,
}

/// A message and its letter, read by someone who may see the contact (audited).
pub fn letter_for_download(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &Settings,
    contact_id: &str,
    message_id: &str,
) -> ServiceResult<LetterDownload> {
    tx::require(conn, actor, Action::ViewFrontDoor)?;
    let (message, referrer, reference) = tx::read(conn, actor, |c| {
        let m = repo::find(c, message_id)?
            .filter(|m| m.contact_id == contact_id)
            .ok_or(ServiceError::NotFound("The letter"))?;
        let r = cairn_db::front_door::contacts::referrer_of(c, contact_id)?
            .ok_or(ServiceError::NotFound("The referrer"))?;
        let reference = cairn_db::front_door::contacts::find(c, contact_id)?
            .map(|x| x.reference)
            .unwrap_or_default();
        Ok((m, r, reference))
    })?;
    let pdf = letter_pdf(settings, &message, &referrer, &reference)?;
    tx::write(conn, actor, |c| {
        audit_trail::write(
            c,
            actor,
            Record::ok("referrer_message.letter_view")
                .on("referrer_message", message_id)
                .detail(json!({ "contact": contact_id })),
        )?;
        Ok(())
    })?;
    Ok(LetterDownload {
        message,
        pdf,
        reference,
    })
}

/// The job that emails one message, with its letter attached.
pub struct SendReferrerMessage {
    pub settings: Settings,
    pub mailer: Option<Mailer>,
}

impl SendReferrerMessage {
    pub fn new(settings: &Settings) -> SendReferrerMessage {
        SendReferrerMessage {
            settings: settings.clone(),
            mailer: Mailer::from_settings(settings).ok(),
        }
    }
}

impl JobHandler for SendReferrerMessage {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        let id = payload
            .get("message_id")
            .and_then(Value::as_str)
            .ok_or_else(|| JobError::Permanent("payload has no message_id".into()))?;
        let loaded = conn.read(|c| -> Result<_, cairn_db::DbError> {
            let m = repo::find(c, id)?;
            let r = match &m {
                Some(m) => cairn_db::front_door::contacts::referrer_of(c, &m.contact_id)?,
                None => None,
            };
            Ok((m, r))
        })?;
        let (Some(message), Some(referrer)) = loaded else {
            return Err(JobError::Permanent("message not found".into()));
        };
        // Idempotent: a job run twice must not email twice.
        if message.status == MessageStatus::Sent.code() {
            return Ok(());
        }
        let Some(address) = message.recipient_email.clone() else {
            conn.write(|c| {
                repo::record_attempt(
                    c,
                    id,
                    MessageStatus::LetterOnly.code(),
                    None,
                    Some("No email address"),
                )
            })?;
            return Ok(());
        };
        let Some(mailer) = &self.mailer else {
            conn.write(|c| {
                repo::record_attempt(
                    c,
                    id,
                    MessageStatus::LetterOnly.code(),
                    None,
                    Some("Email is turned off on this server"),
                )
            })?;
            return Ok(());
        };
        let reference = conn
            .read(|c| cairn_db::front_door::contacts::find(c, &message.contact_id))?
            .map(|x| x.reference)
            .unwrap_or_default();
        let pdf = letter_pdf(&self.settings, &message, &referrer, &reference)
            .map_err(|e| JobError::Transient(e.to_string()))?;
        let email = OutgoingEmail {
            to_name: message.recipient_name.clone(),
            to_address: address,
            subject: message.subject.clone(),
            text_body: message.body.clone(),
            attachments: vec![Attachment {
                filename: format!("{}.pdf", message.kind),
                content_type: "application/pdf".into(),
                bytes: pdf,
            }],
        };
        match mailer.send(&email) {
            Ok(_) => {
                let now = cairn_db::now();
                conn.write(|c| {
                    repo::record_attempt(c, id, MessageStatus::Sent.code(), Some(now), None)
                })?;
                Ok(())
            }
            Err(e) => {
                let error = JobError::from(e);
                let last_attempt = message.attempts + 1
                    >= i32::try_from(self.settings.jobs_max_attempts).unwrap_or(8);
                let status = if error.is_permanent() || last_attempt {
                    MessageStatus::Failed
                } else {
                    MessageStatus::Retrying
                };
                let text = error.to_string();
                conn.write(|c| repo::record_attempt(c, id, status.code(), None, Some(&text)))?;
                Err(error)
            }
        }
    }
}

/// The editable templates, with defaults for any not yet edited.
#[derive(Clone, Debug, Serialize)]
pub struct TemplateView {
    pub key: String,
    pub label: String,
    pub subject: String,
    pub body: String,
    pub version: i32,
    pub edited: bool,
}

pub fn template_label(key: &str) -> String {
    if key == "receipt" {
        return "Acknowledgement of receipt".into();
    }
    key.strip_prefix("feedback.")
        .and_then(ScreeningOutcome::from_code)
        .map(|o| format!("Feedback: {}", o.label()))
        .unwrap_or_else(|| key.to_string())
}

pub fn templates(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<TemplateView>> {
    tx::require(conn, actor, Action::ManageMessageTemplates)?;
    tx::read(conn, actor, |c| {
        let stored: Vec<TemplateRow> = repo::templates(c)?;
        Ok(template_keys()
            .into_iter()
            .filter_map(|key| {
                let label = template_label(&key);
                match stored.iter().find(|t| t.key == key) {
                    Some(t) => Some(TemplateView {
                        key,
                        label,
                        subject: t.subject.clone(),
                        body: t.body.clone(),
                        version: t.version,
                        edited: true,
                    }),
                    None => default_template(&key).map(|(subject, body)| TemplateView {
                        key,
                        label,
                        subject,
                        body,
                        version: 0,
                        edited: false,
                    }),
                }
            })
            .collect())
    })
}

/// Saves an administrator's wording. Unknown placeholders are refused so a typo is not sent to
/// a referrer as "{refrence}".
pub fn update_template(
    conn: &mut DbConn,
    actor: &Actor,
    key: &str,
    subject: &str,
    body: &str,
    expected_version: i32,
) -> ServiceResult<()> {
    tx::require(conn, actor, Action::ManageMessageTemplates)?;
    if !template_keys().iter().any(|k| k == key) {
        return Err(ServiceError::NotFound("The template"));
    }
    let mut errors = FieldErrors::new();
    let subject = clean_line("subject", "The subject", subject, 200, true, &mut errors);
    let body = clean_text("body", "The message", body, 10_000, true, &mut errors);
    for (field, text) in [("subject", subject.as_deref()), ("body", body.as_deref())] {
        let Some(text) = text else { continue };
        for (i, _) in text.match_indices('{') {
            let tail = &text[i..];
            if !PLACEHOLDERS.iter().any(|(p, _)| tail.starts_with(p)) {
                let shown: String = tail
                    .chars()
                    .take_while(|c| *c != '}')
                    .chain(std::iter::once('}'))
                    .collect();
                errors.push(
                    field,
                    format!("{shown} is not a placeholder Cairn knows: use one from the list"),
                );
                break;
            }
        }
    }
    let (Some(subject), Some(body)) = (subject, body) else {
        return Err(ServiceError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let now = cairn_db::now();
    tx::write(conn, actor, |c| {
        let before = repo::template(c, key)?;
        match before {
            None if expected_version == 0 => repo::insert_template(c, &TemplateRow { key: key.to_string(), subject: subject.clone(), body: body.clone(), version: 1, updated_at: now, updated_by: actor.author() })?,
            Some(t) if repo::update_template(c, key, &subject, &body, expected_version, &actor.author(), now)? => drop(t),
            _ => return Err(ServiceError::Conflict("Someone else changed this template while you were editing it: check their changes and try again".into())),
        }
        audit_trail::write(
            c,
            actor,
            Record::ok("message_template.update").on("message_template", key),
        )?;
        Ok(())
    })
}

/// A message that was not sent by email, for the administrators' page.
#[derive(Clone, Debug, Serialize)]
pub struct UndeliveredMessage {
    pub message: MessageRow,
    pub contact_reference: String,
}

pub fn undelivered(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<UndeliveredMessage>> {
    tx::require(conn, actor, Action::ViewJobs)?;
    tx::read(conn, actor, |c| {
        let rows = repo::undelivered(c, 500)?;
        let ids: Vec<String> = rows.iter().map(|r| r.contact_id.clone()).collect();
        let contacts = cairn_db::front_door::contacts::find_many(c, &ids)?;
        Ok(rows
            .into_iter()
            .map(|m| UndeliveredMessage {
                contact_reference: contacts
                    .iter()
                    .find(|x| x.id == m.contact_id)
                    .map(|x| x.reference.clone())
                    .unwrap_or_default(),
                message: m,
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_once_and_values_stay_literal() {
        let out = fill(
            "Dear {referrer_name}, ref {reference} {unknown}",
            &[
                ("{referrer_name}", "{reference}".into()),
                ("{reference}", "CT-1".into()),
            ],
        );
        assert_eq!(out, "Dear {reference}, ref CT-1 {unknown}");
    }

    #[test]
    fn every_key_has_a_default() {
        for key in template_keys() {
            assert!(default_template(&key).is_some(), "{key}");
        }
    }
}
