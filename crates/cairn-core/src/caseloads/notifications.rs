//! In-app notifications, with an email for each through the jobs queue.

use cairn_db::DbConn;
use cairn_db::caseloads::notifications::{self as repo, NotificationRow};
use serde::Serialize;
use serde_json::{Value, json};

use crate::actor::Actor;
use crate::audit_trail::{self, Record};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{JobError, JobHandler};
use crate::mailer::{Mailer, OutgoingEmail};
use crate::settings::Settings;
use crate::tx;

/// The kind of the job that emails one notification.
pub const JOB_KIND: &str = "notification.email";

/// Attempts for a notification's email: the default of the jobs settings, since a notice is
/// queued from inside other services' transactions where the settings are not at hand.
const EMAIL_MAX_ATTEMPTS: i32 = 8;

/// How many notifications the page lists.
pub const PAGE_LIMIT: i64 = 200;

/// One notification to one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub user_id: String,
    /// A stable code: "allocation", "workload_alert", "unallocated_waiting", …
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// Where the notification leads in Cairn (a path such as `/people/{id}`).
    pub href: String,
    /// What it is about, for finding it again: ("allocation", id), ("workload_alert", id).
    pub source_kind: &'static str,
    pub source_id: String,
    /// Also send an email (through the jobs queue, so a mail server being down loses nothing).
    pub email: bool,
}

/// Records the notification and, if asked, queues its email, in the caller's transaction.
/// The email holds no personal data about a child: it says there is something to look at in
/// Cairn and links to it.
pub fn notify(c: &mut DbConn, notice: &Notice) -> ServiceResult<()> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = cairn_db::now();
    repo::insert(
        c,
        &NotificationRow {
            id: id.clone(),
            user_id: notice.user_id.clone(),
            kind: notice.kind.to_string(),
            title: notice.title.clone(),
            body: notice.body.clone(),
            href: notice.href.clone(),
            source_kind: notice.source_kind.to_string(),
            source_id: notice.source_id.clone(),
            created_at: now,
            read_at: None,
        },
    )?;
    if notice.email {
        cairn_db::jobs::enqueue(
            c,
            JOB_KIND,
            &json!({ "notification_id": id }),
            now,
            EMAIL_MAX_ATTEMPTS,
        )?;
    }
    Ok(())
}

/// The words of a notification's email: the title and a link, nothing more.
pub fn email_text(settings: &Settings, row: &NotificationRow) -> (String, String) {
    let subject = format!("New notification in Cairn: {}", row.title);
    let base = settings.public_base_url.trim().trim_end_matches('/');
    let link = if base.is_empty() {
        "Sign in to Cairn and open Notifications to read it.".to_string()
    } else {
        format!("Read it in Cairn: {base}/notifications")
    };
    let body = format!(
        "You have a new notification in Cairn: {}\n\n{link}\n\nThis email is sent by {} children's services case management system. Do not reply to it.",
        row.title, settings.council_name
    );
    (subject, body)
}

/// The job that emails one notification to its user.
pub struct SendNotificationEmail {
    pub settings: Settings,
    pub mailer: Option<Mailer>,
}

impl SendNotificationEmail {
    pub fn new(settings: &Settings) -> SendNotificationEmail {
        SendNotificationEmail {
            settings: settings.clone(),
            mailer: Mailer::from_settings(settings).ok(),
        }
    }
}

impl JobHandler for SendNotificationEmail {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        let id = payload
            .get("notification_id")
            .and_then(Value::as_str)
            .ok_or_else(|| JobError::Permanent("payload has no notification_id".into()))?;
        let loaded = conn.read(|c| -> Result<_, cairn_db::DbError> {
            let n = repo::find(c, id)?;
            let u = match &n {
                Some(n) => cairn_db::users::find(c, &n.user_id)?,
                None => None,
            };
            Ok((n, u))
        })?;
        let (Some(notification), Some(user)) = loaded else {
            return Err(JobError::Permanent("notification not found".into()));
        };
        // Read in Cairn already, or the account is closed: nothing to send.
        if notification.read_at.is_some() || !user.active || user.email.trim().is_empty() {
            return Ok(());
        }
        let Some(mailer) = &self.mailer else {
            // Email is turned off on this server: the notification is in Cairn.
            return Ok(());
        };
        let (subject, text_body) = email_text(&self.settings, &notification);
        mailer.send(&OutgoingEmail {
            to_name: user.display_name,
            to_address: user.email,
            subject,
            text_body,
            attachments: Vec::new(),
        })?;
        Ok(())
    }
}

/// The signed-in user's notifications, newest first, and how many are unread.
#[derive(Clone, Debug, Serialize)]
pub struct Inbox {
    pub notifications: Vec<NotificationRow>,
    pub unread: i64,
}

fn own_id(actor: &Actor) -> ServiceResult<String> {
    actor
        .user_id_string()
        .ok_or(ServiceError::NotFound("Your notifications"))
}

/// The actor's own notifications (nobody sees anyone else's). They hold no child's details,
/// so reading them needs no audit row.
pub fn inbox(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Inbox> {
    let user_id = own_id(actor)?;
    tx::read(conn, actor, |c| {
        Ok(Inbox {
            notifications: repo::for_user(c, &user_id, PAGE_LIMIT)?,
            unread: repo::unread_count(c, &user_id)?,
        })
    })
}

/// How many of the actor's notifications are unread.
pub fn unread_count(conn: &mut DbConn, actor: &Actor) -> ServiceResult<i64> {
    let user_id = own_id(actor)?;
    tx::read(conn, actor, |c| Ok(repo::unread_count(c, &user_id)?))
}

/// Marks one of the actor's notifications read. Someone else's is not found.
pub fn mark_read(conn: &mut DbConn, actor: &Actor, id: &str) -> ServiceResult<()> {
    let user_id = own_id(actor)?;
    tx::write(conn, actor, |c| {
        let row = repo::find(c, id)?
            .filter(|n| n.user_id == user_id)
            .ok_or(ServiceError::NotFound("The notification"))?;
        if row.read_at.is_none() {
            repo::mark_read(c, &user_id, id, cairn_db::now())?;
            audit_trail::write(
                c,
                actor,
                Record::ok("notification.read").on("notification", id),
            )?;
        }
        Ok(())
    })
}

/// Marks all the actor's notifications read; how many were unread.
pub fn mark_all_read(conn: &mut DbConn, actor: &Actor) -> ServiceResult<usize> {
    let user_id = own_id(actor)?;
    tx::write(conn, actor, |c| {
        let n = repo::mark_all_read(c, &user_id, cairn_db::now())?;
        if n > 0 {
            audit_trail::write(
                c,
                actor,
                Record::ok("notification.read_all").detail(json!({ "count": n })),
            )?;
        }
        Ok(n)
    })
}
