//! For tests: the SMTP test server that `scripts/test` starts (`scripts/smtp-test-server.py`),
//! and the messages it received. Built only with the `testing` feature.
//!
//! The server writes one `.json` summary (and the raw `.eml`) per message and recipient into
//! `CAIRN_TEST_SMTP_DIR`, named after the recipient; tests send to a unique address and wait
//! for its file.

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;

use crate::settings::Settings;

/// Where the test server listens and writes.
#[derive(Clone, Debug)]
pub struct SmtpTestServer {
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpTestServer {
    /// The server `scripts/test` started (`CAIRN_TEST_SMTP_PORT`, `CAIRN_TEST_SMTP_DIR`).
    ///
    /// # Panics
    /// When they are not set: the email tests need the real server, and a skip would hide it.
    pub fn from_env() -> SmtpTestServer {
        let port = std::env::var("CAIRN_TEST_SMTP_PORT").ok();
        let dir = std::env::var_os("CAIRN_TEST_SMTP_DIR");
        match (port, dir) {
            (Some(port), Some(dir)) => SmtpTestServer {
                port: port.trim().parse().unwrap_or_else(|_| {
                    panic!("CAIRN_TEST_SMTP_PORT is not a port number: {port:?}")
                }),
                dir: PathBuf::from(dir),
            },
            _ => panic!(
                "the email tests need the SMTP test server: run scripts/test (it starts one), or \
                 start `target/smtp-venv/bin/python scripts/smtp-test-server.py DIR` yourself and \
                 export CAIRN_TEST_SMTP_PORT=<the port it prints> and CAIRN_TEST_SMTP_DIR=DIR"
            ),
        }
    }

    /// Settings that send mail to this server (plain SMTP on 127.0.0.1).
    pub fn settings(&self) -> Settings {
        Settings {
            smtp_host: "127.0.0.1".into(),
            smtp_port: self.port,
            smtp_tls: "none".into(),
            smtp_username: None,
            smtp_password: None,
            mail_from: "Cairn tests <cairn-tests@example.org>".into(),
            ..Settings::default()
        }
    }

    /// Waits up to `timeout` for the first message to `address`; None if none came.
    pub fn wait_for(&self, address: &str, timeout: Duration) -> Option<ReceivedEmail> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.received(address).into_iter().next() {
                return Some(found);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The message to `address`, waiting up to five seconds.
    ///
    /// # Panics
    /// When none arrives.
    pub fn expect_email(&self, address: &str) -> ReceivedEmail {
        self.wait_for(address, Duration::from_secs(5))
            .unwrap_or_else(|| {
                panic!(
                    "no email to {address} reached the SMTP test server within 5 seconds (maildir {})",
                    self.dir.display()
                )
            })
    }

    /// Every message received so far for `address`, oldest first.
    pub fn received(&self, address: &str) -> Vec<ReceivedEmail> {
        let prefix = format!("{}--", file_stem_for(address));
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            .collect();
        // Names carry the arrival time in nanoseconds and a counter.
        names.sort_by_key(|n| arrival_key(n));
        names
            .into_iter()
            .map(|n| read_summary(&self.dir, &n))
            .collect()
    }
}

/// A fresh address no other test uses, e.g. `receipt-3f2a…@example.org`.
pub fn unique_address(label: &str) -> String {
    format!("{label}-{}@example.org", uuid::Uuid::new_v4().simple())
}

/// A TCP port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a throw-away listener");
    listener.local_addr().expect("its address").port()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedAttachment {
    pub filename: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    /// The envelope sender and recipient.
    pub mail_from: String,
    pub recipient: String,
    pub subject: String,
    /// The From and To headers as written.
    pub from: String,
    pub to: String,
    pub message_id: String,
    /// The text/plain body, line endings as `\n`.
    pub text_body: Option<String>,
    pub attachments: Vec<ReceivedAttachment>,
    /// The raw message.
    pub eml_path: PathBuf,
}

impl ReceivedEmail {
    pub fn attachment_names(&self) -> Vec<String> {
        self.attachments
            .iter()
            .filter_map(|a| a.filename.clone())
            .collect()
    }
}

#[derive(Deserialize)]
struct Summary {
    mail_from: String,
    recipient: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    message_id: String,
    text_body: Option<String>,
    #[serde(default)]
    attachments: Vec<SummaryAttachment>,
    eml: String,
    parse_error: Option<String>,
}

#[derive(Deserialize)]
struct SummaryAttachment {
    filename: Option<String>,
    content_type: String,
    data_base64: String,
}

fn read_summary(dir: &Path, name: &str) -> ReceivedEmail {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).expect("read a message summary");
    let s: Summary = serde_json::from_str(&text).expect("a message summary is JSON");
    if let Some(e) = s.parse_error {
        panic!(
            "the SMTP test server could not parse {}: {e}",
            path.display()
        );
    }
    ReceivedEmail {
        mail_from: s.mail_from,
        recipient: s.recipient,
        subject: s.subject,
        from: s.from,
        to: s.to,
        message_id: s.message_id,
        text_body: s.text_body,
        attachments: s
            .attachments
            .into_iter()
            .map(|a| ReceivedAttachment {
                filename: a.filename,
                content_type: a.content_type,
                bytes: base64::engine::general_purpose::STANDARD
                    .decode(a.data_base64)
                    .expect("attachment bytes are base64"),
            })
            .collect(),
        eml_path: dir.join(s.eml),
    }
}

/// The server's file name for a recipient (must match `safe_name` in the script).
fn file_stem_for(address: &str) -> String {
    address
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._+@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn arrival_key(name: &str) -> (u128, u64) {
    let tail = name
        .rsplit_once("--")
        .map(|(_, t)| t.trim_end_matches(".json"))
        .unwrap_or("");
    let (nanos, n) = tail.split_once('-').unwrap_or((tail, "0"));
    (nanos.parse().unwrap_or(0), n.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_match_the_server_and_sort_by_arrival() {
        assert_eq!(
            file_stem_for("Ann.O'Neil+x@Example.org"),
            "ann.o_neil+x@example.org"
        );
        let mut names = vec!["a@b--20-1.json", "a@b--3-2.json", "a@b--20-0.json"];
        names.sort_by_key(|n| arrival_key(n));
        assert_eq!(
            names,
            vec!["a@b--3-2.json", "a@b--20-0.json", "a@b--20-1.json"]
        );
    }
}
