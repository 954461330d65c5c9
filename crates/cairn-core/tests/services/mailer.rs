//! Sending email through a real SMTP server (scripts/smtp-test-server.py, started by
//! scripts/test): what arrives, and how refusals and outages are classified.

use cairn_core::jobs::JobError;
use cairn_core::mailer::{Attachment, MailError, Mailer, OutgoingEmail};
use cairn_core::testing_smtp::{SmtpTestServer, closed_port, unique_address};

fn email(to: &str) -> OutgoingEmail {
    OutgoingEmail {
        to_name: "Priya Shah".into(),
        to_address: to.into(),
        subject: "Your referral to children's services – receipt C1234".into(),
        text_body: "Dear Priya Shah,\n\nThank you for your referral.\nIt costs £0 and was received at 09:15.\n\n-- \nFront door\n".into(),
        attachments: Vec::new(),
    }
}

/// Bytes shaped like a PDF, including bytes that are not valid text.
fn pdf_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

#[test]
fn an_email_with_a_pdf_arrives_intact() {
    let server = SmtpTestServer::from_env();
    let mailer = Mailer::from_settings(&server.settings()).unwrap();
    let to = unique_address("receipt");
    let mut message = email(&to);
    message.attachments.push(Attachment {
        filename: "Receipt C1234.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: pdf_bytes(),
    });
    let message_id = mailer.send(&message).unwrap();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@example.org>"),
        "{message_id}"
    );

    let got = server.expect_email(&to);
    assert_eq!(got.recipient, to);
    assert_eq!(got.mail_from, "cairn-tests@example.org");
    assert_eq!(got.subject, message.subject);
    assert_eq!(got.text_body.as_deref(), Some(message.text_body.as_str()));
    assert_eq!(got.message_id, message_id);
    assert!(
        got.to.contains("Priya Shah") && got.to.contains(&to),
        "{}",
        got.to
    );
    assert_eq!(
        got.attachment_names(),
        vec!["Receipt C1234.pdf".to_string()]
    );
    assert_eq!(got.attachments[0].content_type, "application/pdf");
    assert_eq!(got.attachments[0].bytes, pdf_bytes());
    assert!(got.eml_path.exists());
    assert_eq!(server.received(&to).len(), 1);
}

#[test]
fn a_plain_email_arrives_and_header_newlines_cannot_add_headers() {
    let server = SmtpTestServer::from_env();
    let mailer = Mailer::from_settings(&server.settings()).unwrap();
    let to = unique_address("plain");
    let mut message = email(&to);
    message.subject = "Receipt\r\nBcc: someone@example.org".into();
    message.to_name = "Priya\nShah".into();
    mailer.send(&message).unwrap();
    let got = server.expect_email(&to);
    assert_eq!(got.subject, "Receipt  Bcc: someone@example.org");
    assert!(got.attachments.is_empty());
    let raw = std::fs::read_to_string(&got.eml_path).unwrap();
    assert!(!raw.lines().any(|l| l.starts_with("Bcc:")), "{raw}");
}

#[test]
fn a_refused_recipient_is_a_permanent_error_without_the_address() {
    let server = SmtpTestServer::from_env();
    let mailer = Mailer::from_settings(&server.settings()).unwrap();
    let to = unique_address("nobody").replace("@example.org", "@bounce.invalid");
    let err = mailer.send(&email(&to)).unwrap_err();
    assert!(matches!(err, MailError::Rejected(_)), "{err:?}");
    assert!(err.is_permanent());
    let text = err.to_string();
    assert!(text.contains("550"), "{text}");
    assert!(
        !text.contains("nobody"),
        "the error repeats the address: {text}"
    );
    assert!(JobError::from(err).is_permanent());
    assert!(server.received(&to).is_empty());
}

#[test]
fn a_deferred_recipient_is_a_transient_error() {
    let server = SmtpTestServer::from_env();
    let mailer = Mailer::from_settings(&server.settings()).unwrap();
    let to = unique_address("later").replace("@example.org", "@defer.invalid");
    let err = mailer.send(&email(&to)).unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err:?}");
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("451"), "{err}");
}

#[test]
fn malformed_addresses_are_invalid_not_a_panic() {
    let server = SmtpTestServer::from_env();
    let mailer = Mailer::from_settings(&server.settings()).unwrap();
    for bad in [
        "",
        "   ",
        "not-an-address",
        "two@@example.org",
        "a@b@c",
        "Priya <priya@example.org>",
        "priya@example.org\r\nBcc: x@example.org",
        "@example.org",
        "priya@",
    ] {
        let err = mailer.send(&email(bad)).unwrap_err();
        assert!(
            matches!(err, MailError::InvalidAddress(_)),
            "{bad:?}: {err:?}"
        );
        assert!(err.is_permanent());
    }
}

#[test]
fn a_closed_port_is_unavailable_and_worth_retrying() {
    // No server needed: nothing listens on this port.
    let settings = cairn_core::Settings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: closed_port(),
        ..cairn_core::Settings::default()
    };
    let mailer = Mailer::from_settings(&settings).unwrap();
    let err = mailer.send(&email(&unique_address("down"))).unwrap_err();
    assert!(matches!(err, MailError::Unavailable(_)), "{err:?}");
    assert!(!err.is_permanent());
    assert!(!JobError::from(err).is_permanent());
}

#[test]
fn email_is_off_without_a_host() {
    let settings = cairn_core::Settings::default();
    assert_eq!(
        Mailer::from_settings(&settings).err(),
        Some(MailError::Disabled)
    );
}
