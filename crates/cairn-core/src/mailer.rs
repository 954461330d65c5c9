//! Outgoing email over SMTP (lettre, blocking, rustls).
//!
//! Jobs call [`Mailer::send`] from the worker thread; nothing here is async. Errors say whether
//! trying again could help ([`MailError::is_permanent`]) and never carry the server's free text,
//! which often repeats the recipient's address: error text ends up in the jobs table and on the
//! administrators' page, where personal data must not appear.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, Message, SmtpTransport, Transport};
use thiserror::Error;

use crate::settings::Settings;

/// How long one SMTP conversation may take (connect, each command, the data). A stuck relay
/// must not hold the worker for ever; the job is retried later instead.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type such as `application/pdf`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MailError {
    /// The recipient's (or the configured From) address is not a valid email address.
    #[error("the {0} email address is not valid")]
    InvalidAddress(&'static str),
    /// The mail server refused the message for good (a 5xx reply): retrying will not help.
    #[error("the mail server refused the message ({0})")]
    Rejected(String),
    /// The mail server could not be reached or asked us to try later (connection refused,
    /// timeout, TLS failure, a 4xx reply).
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
    /// No SMTP server is configured (`smtp_host` is empty).
    #[error("email is turned off (no smtp_host is set)")]
    Disabled,
}

impl MailError {
    /// True when sending the same message again cannot succeed.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::InvalidAddress(_) | MailError::Rejected(_) | MailError::Disabled => true,
            MailError::Unavailable(_) => false,
        }
    }
}

/// A configured SMTP connection. Cheap to keep; each send opens its own connection.
#[derive(Clone, Debug)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    /// The domain part of Message-IDs we generate (that of the From address).
    id_domain: String,
}

impl Mailer {
    /// Builds the mailer from `smtp_*` and `mail_from`. [`MailError::Disabled`] when no host is
    /// set, so callers can record "not emailed" instead of failing.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailError> {
        let host = settings.smtp_host.trim();
        if host.is_empty() {
            return Err(MailError::Disabled);
        }
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|_| MailError::InvalidAddress("From (mail_from)"))?;
        let builder = match settings.smtp_tls.as_str() {
            // Plain SMTP: only for a relay on the same host or a trusted network.
            "none" => SmtpTransport::builder_dangerous(host),
            "starttls" => SmtpTransport::starttls_relay(host)
                .map_err(|_| MailError::Unavailable("could not set up STARTTLS".into()))?,
            "tls" => SmtpTransport::relay(host)
                .map_err(|_| MailError::Unavailable("could not set up TLS".into()))?,
            _ => {
                return Err(MailError::Unavailable(
                    "smtp_tls must be \"none\", \"starttls\" or \"tls\"".into(),
                ));
            }
        };
        let mut builder = builder.port(settings.smtp_port).timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = settings.smtp_username.as_deref().filter(|u| !u.is_empty()) {
            builder = builder.credentials(Credentials::new(
                user.to_string(),
                settings.smtp_password.clone().unwrap_or_default(),
            ));
        }
        let id_domain = from.email.domain().to_string();
        Ok(Mailer {
            transport: builder.build(),
            from,
            id_domain,
        })
    }

    /// Sends one email; returns the Message-ID it was sent with (kept with the record of what
    /// was sent, so a message can be traced in the relay's logs).
    pub fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let address: Address = email
            .to_address
            .trim()
            .parse()
            .map_err(|_| MailError::InvalidAddress("recipient's"))?;
        let name = one_line(&email.to_name);
        let to = Mailbox::new((!name.is_empty()).then_some(name), address);
        let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.id_domain);
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&email.subject))
            .message_id(Some(message_id.clone()));
        let text = SinglePart::plain(email.text_body.clone());
        let message = if email.attachments.is_empty() {
            builder.singlepart(text)
        } else {
            let mut parts = MultiPart::mixed().singlepart(text);
            for a in &email.attachments {
                // A bad MIME type is a programming slip in a handler; sending the file as
                // bytes is better than not sending the letter at all.
                let content_type = ContentType::parse(&a.content_type).unwrap_or_else(|_| {
                    ContentType::parse("application/octet-stream")
                        .unwrap_or(ContentType::TEXT_PLAIN)
                });
                parts = parts.singlepart(
                    LettreAttachment::new(one_line(&a.filename))
                        .body(a.bytes.clone(), content_type),
                );
            }
            builder.multipart(parts)
        }
        .map_err(|e| MailError::Unavailable(format!("could not build the message: {e}")))?;
        self.transport.send(&message).map_err(classify)?;
        Ok(message_id)
    }
}

/// Header values are one line: newlines and other control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Sorts a lettre error into permanent or transient, keeping only the reply code (the server's
/// text may quote the recipient's address).
fn classify(e: lettre::transport::smtp::Error) -> MailError {
    let code = e.status().map(|c| c.to_string());
    if e.is_permanent() {
        MailError::Rejected(format!("SMTP {}", code.as_deref().unwrap_or("5xx")))
    } else if e.is_transient() {
        MailError::Unavailable(format!(
            "SMTP {} (try again later)",
            code.as_deref().unwrap_or("4xx")
        ))
    } else if e.is_timeout() {
        MailError::Unavailable("timed out".into())
    } else if e.is_tls() {
        MailError::Unavailable("TLS handshake failed".into())
    } else if e.is_response() || e.is_client() {
        MailError::Unavailable("unexpected reply from the mail server".into())
    } else {
        MailError::Unavailable("could not connect".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, tls: &str) -> Settings {
        Settings {
            smtp_host: host.into(),
            smtp_tls: tls.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn an_empty_host_turns_email_off() {
        let e = Mailer::from_settings(&settings("  ", "none")).err();
        assert_eq!(e, Some(MailError::Disabled));
        assert!(MailError::Disabled.is_permanent());
    }

    #[test]
    fn each_tls_mode_builds_and_an_unknown_one_is_refused() {
        for tls in ["none", "starttls", "tls"] {
            assert!(Mailer::from_settings(&settings("mail.example.invalid", tls)).is_ok());
        }
        assert!(matches!(
            Mailer::from_settings(&settings("mail.example.invalid", "ssl")),
            Err(MailError::Unavailable(_))
        ));
    }

    #[test]
    fn a_bad_from_address_is_reported() {
        let mut s = settings("mail.example.invalid", "none");
        s.mail_from = "not an address".into();
        assert_eq!(
            Mailer::from_settings(&s).err(),
            Some(MailError::InvalidAddress("From (mail_from)"))
        );
    }

    #[test]
    fn header_text_is_kept_to_one_line() {
        assert_eq!(one_line(" Re: a\r\nBcc: x@y \t"), "Re: a  Bcc: x@y");
    }

    #[test]
    fn only_unavailable_is_worth_retrying() {
        assert!(!MailError::Unavailable("x".into()).is_permanent());
        assert!(MailError::Rejected("SMTP 550".into()).is_permanent());
        assert!(MailError::InvalidAddress("recipient's").is_permanent());
    }
}
