//! Typed settings: built-in defaults, then a TOML file, then `CAIRN_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Shown in the header of every page and on letters.
    pub council_name: String,
    /// The address the web server listens on.
    pub listen: String,
    /// `postgres://…` for PostgreSQL; anything else is a SQLite file path.
    pub database_url: String,
    /// Set when Cairn is served over HTTPS (directly or behind a TLS-terminating proxy): turns on
    /// HSTS and the `Secure` cookie attribute.
    pub behind_tls: bool,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after sign-in, however active.
    pub session_absolute_hours: u32,
    /// Failed sign-ins in a row before an account is locked for a while.
    pub login_max_failures: u32,
    pub login_lockout_minutes: u32,
    /// Sign-in attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    pub db_pool_size: u32,
    /// "text" for people, "json" for log collectors.
    pub log_format: String,
    /// Prefix of generated LA child IDs (letters only, at most 4).
    pub local_id_prefix: String,
    /// The council's 3-digit DfE LA number, used in statutory returns.
    pub la_code: Option<u16>,

    /// Printed on letters under the council's name.
    pub council_address: Vec<String>,
    /// The front door's telephone number, printed on receipts.
    pub front_door_phone: String,
    /// The address partners use to reach Cairn (links in emails, the public threshold page).
    pub public_base_url: String,

    /// Outgoing mail for receipts and feedback. An empty host turns email off: messages are
    /// then kept as letters only and reported as not emailed.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// "none" (plain, for a relay on the same host), "starttls" or "tls".
    pub smtp_tls: String,
    pub smtp_username: Option<String>,
    /// Give it in the environment (`CAIRN_SMTP_PASSWORD`), never in a file in the repository.
    pub smtp_password: Option<String>,
    /// The From address of every email.
    pub mail_from: String,
    /// Seconds between looks at the job queue when it is idle.
    pub jobs_poll_seconds: u32,
    /// Attempts before a job is marked failed and shown on the failed-jobs page.
    pub jobs_max_attempts: u32,
    /// Run the job worker inside `cairn serve` (embedded mode); turn off when `cairn worker`
    /// runs separately.
    pub jobs_in_process: bool,

    /// Working hours (local UK time): contacts outside them are out of hours.
    pub working_hours_start: String,
    pub working_hours_end: String,
    /// Extra days the council's offices are closed (YYYY-MM-DD), on top of bank holidays.
    pub extra_closure_days: Vec<String>,
    /// The screening decision is due within this many working days of receipt.
    pub screening_decision_working_days: u32,
    /// Red and amber contacts are due within this many hours of receipt.
    pub screening_red_hours: u32,
    pub screening_amber_hours: u32,
    /// A claimed contact nobody has worked on for this long goes back to the queue.
    pub claim_timeout_minutes: u32,
    /// Screening outcomes held until a team manager authorises them.
    pub outcomes_needing_authorisation: Vec<String>,
    /// The written acknowledgement is due within this many working days of receipt.
    pub receipt_working_days: u32,
    /// Whether a manager may authorise casework (an assessment, an s47 outcome, a closure)
    /// that they wrote themselves. Off by default: sign-off is a second pair of eyes.
    pub managers_may_authorise_own_work: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            council_name: "Demo County Council".into(),
            listen: "127.0.0.1:8080".into(),
            database_url: "cairn-data/cairn.db".into(),
            behind_tls: false,
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            login_max_failures: 5,
            login_lockout_minutes: 15,
            login_attempts_per_minute: 20,
            db_pool_size: 16,
            log_format: "text".into(),
            local_id_prefix: "C".into(),
            la_code: None,
            council_address: vec![
                "County Hall".into(),
                "Market Street".into(),
                "Demton".into(),
                "DM1 1AA".into(),
            ],
            front_door_phone: "0300 123 4567".into(),
            public_base_url: "http://127.0.0.1:8080".into(),
            smtp_host: String::new(),
            smtp_port: 25,
            smtp_tls: "none".into(),
            smtp_username: None,
            smtp_password: None,
            mail_from: "Children's Services Front Door <front.door@example.invalid>".into(),
            jobs_poll_seconds: 5,
            jobs_max_attempts: 8,
            jobs_in_process: true,
            working_hours_start: "09:00".into(),
            working_hours_end: "17:00".into(),
            extra_closure_days: Vec::new(),
            screening_decision_working_days: 1,
            screening_red_hours: 2,
            screening_amber_hours: 6,
            claim_timeout_minutes: 60,
            outcomes_needing_authorisation: vec![
                "no_further_action".into(),
                "early_help".into(),
                "referral".into(),
                "strategy_discussion".into(),
            ],
            receipt_working_days: 1,
            managers_may_authorise_own_work: false,
        }
    }
}

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the settings are not valid: {0}")]
    Parse(String),
}

pub const ENV_PREFIX: &str = "CAIRN_";

impl Settings {
    /// Loads settings. `file` is an explicit path; otherwise `CAIRN_CONFIG`, otherwise
    /// `cairn.toml` in the working directory if it exists.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let path = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("CAIRN_CONFIG").map(PathBuf::from))
            .or_else(|| {
                let p = PathBuf::from("cairn.toml");
                p.exists().then_some(p)
            });
        let text = match &path {
            Some(p) => Some(
                std::fs::read_to_string(p).map_err(|source| SettingsError::Read {
                    path: p.clone(),
                    source,
                })?,
            ),
            None => None,
        };
        Settings::from_sources(text.as_deref(), &env)
    }

    /// Layers the sources; separated from [`Settings::load`] so tests need no files or globals.
    pub fn from_sources(
        file_text: Option<&str>,
        env: &[(String, String)],
    ) -> Result<Settings, SettingsError> {
        let defaults = toml::Value::try_from(Settings::default())
            .map_err(|e| SettingsError::Parse(e.to_string()))?;
        let toml::Value::Table(mut table) = defaults else {
            return Err(SettingsError::Parse("defaults are not a table".into()));
        };
        if let Some(text) = file_text {
            let file: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| SettingsError::Parse(e.to_string()))?;
            for (k, v) in file {
                table.insert(k, v);
            }
        }
        let known: Vec<String> = table.keys().cloned().collect();
        let mut all_known = known;
        // Optional settings have no default, so they are not in the table until set.
        for optional in ["la_code", "smtp_username", "smtp_password"] {
            all_known.push(optional.into());
        }
        for (name, value) in env {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            if key == "config" || !all_known.contains(&key) {
                continue;
            }
            table.insert(key, env_value(value));
        }
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| SettingsError::Parse(e.to_string()))
    }

    /// Problems that would stop Cairn working as intended, in words an operator can act on.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.council_name.trim().is_empty() {
            out.push("council_name must not be empty".into());
        }
        if self.listen.parse::<SocketAddr>().is_err() {
            out.push(format!(
                "listen must be an address and port such as 127.0.0.1:8080 (got {:?})",
                self.listen
            ));
        }
        if self.database_url.trim().is_empty() {
            out.push("database_url must not be empty".into());
        }
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            out.push("session_idle_minutes and session_absolute_hours must be above zero".into());
        } else if u64::from(self.session_idle_minutes) > u64::from(self.session_absolute_hours) * 60
        {
            out.push("session_idle_minutes must not exceed session_absolute_hours".into());
        }
        if self.login_max_failures == 0 {
            out.push("login_max_failures must be at least 1".into());
        }
        if self.db_pool_size == 0 {
            out.push("db_pool_size must be at least 1".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            out.push("log_format must be \"text\" or \"json\"".into());
        }
        let prefix_ok = !self.local_id_prefix.is_empty()
            && self.local_id_prefix.len() <= 4
            && self
                .local_id_prefix
                .chars()
                .all(|c| c.is_ascii_alphabetic());
        if !prefix_ok {
            out.push("local_id_prefix must be 1 to 4 letters".into());
        }
        if let Some(code) = self.la_code
            && !(100..=999).contains(&code)
        {
            out.push("la_code must be a 3-digit DfE LA number".into());
        }
        if !matches!(self.smtp_tls.as_str(), "none" | "starttls" | "tls") {
            out.push("smtp_tls must be \"none\", \"starttls\" or \"tls\"".into());
        }
        if self.jobs_max_attempts == 0 || self.jobs_poll_seconds == 0 {
            out.push("jobs_max_attempts and jobs_poll_seconds must be at least 1".into());
        }
        for (name, value) in [
            ("working_hours_start", &self.working_hours_start),
            ("working_hours_end", &self.working_hours_end),
        ] {
            if chrono::NaiveTime::parse_from_str(value, "%H:%M").is_err() {
                out.push(format!(
                    "{name} must be a time such as 09:00 (got {value:?})"
                ));
            }
        }
        for day in &self.extra_closure_days {
            if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
                out.push(format!(
                    "extra_closure_days must hold dates such as 2026-12-29 (got {day:?})"
                ));
            }
        }
        if self.screening_decision_working_days == 0 || self.receipt_working_days == 0 {
            out.push(
                "screening_decision_working_days and receipt_working_days must be at least 1"
                    .into(),
            );
        }
        if self.claim_timeout_minutes == 0 {
            out.push("claim_timeout_minutes must be at least 1".into());
        }
        const OUTCOMES: [&str; 5] = [
            "no_further_action",
            "information_advice",
            "early_help",
            "referral",
            "strategy_discussion",
        ];
        for outcome in &self.outcomes_needing_authorisation {
            if !OUTCOMES.contains(&outcome.as_str()) {
                out.push(format!(
                    "outcomes_needing_authorisation: unknown outcome {outcome:?} (known: {})",
                    OUTCOMES.join(", ")
                ));
            }
        }
        let listens_publicly = self
            .listen
            .parse::<SocketAddr>()
            .map(|a| !a.ip().is_loopback())
            .unwrap_or(false);
        if listens_publicly && !self.behind_tls {
            out.push(
                "listen is not a loopback address but behind_tls is false: serve Cairn over HTTPS"
                    .into(),
            );
        }
        out
    }
}

/// An environment value is read as a TOML scalar where it parses as one, else as a string.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(b) = raw.parse::<bool>() {
        return toml::Value::Boolean(b);
    }
    if let Ok(i) = raw.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    toml::Value::String(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid() {
        let s = Settings::from_sources(None, &[]).expect("defaults load");
        assert_eq!(s, Settings::default());
        assert!(s.problems().is_empty(), "{:?}", s.problems());
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let s = Settings::from_sources(
            Some("council_name = \"Wessex County Council\"\nsession_idle_minutes = 20\n"),
            &env(&[
                ("CAIRN_SESSION_IDLE_MINUTES", "15"),
                ("CAIRN_LA_CODE", "850"),
                ("HOME", "/x"),
            ]),
        )
        .expect("load");
        assert_eq!(s.council_name, "Wessex County Council");
        assert_eq!(s.session_idle_minutes, 15);
        assert_eq!(s.la_code, Some(850));
    }

    #[test]
    fn unknown_file_keys_and_bad_values_are_errors() {
        assert!(Settings::from_sources(Some("counci_name = \"x\""), &[]).is_err());
        assert!(Settings::from_sources(None, &env(&[("CAIRN_DB_POOL_SIZE", "lots")])).is_err());
    }

    #[test]
    fn problems_are_reported_in_words() {
        let s = Settings {
            listen: "0.0.0.0:80".into(),
            session_idle_minutes: 900,
            local_id_prefix: "C-1".into(),
            ..Settings::default()
        };
        let p = s.problems();
        assert!(p.iter().any(|m| m.contains("HTTPS")), "{p:?}");
        assert!(
            p.iter().any(|m| m.contains("session_idle_minutes")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("local_id_prefix")), "{p:?}");
    }

    #[test]
    fn front_door_settings_are_checked() {
        assert!(Settings::default().problems().is_empty());
        let s = Settings {
            smtp_tls: "ssl".into(),
            working_hours_start: "9am".into(),
            extra_closure_days: vec!["29/12/2026".into()],
            outcomes_needing_authorisation: vec!["referal".into()],
            claim_timeout_minutes: 0,
            ..Settings::default()
        };
        let p = s.problems();
        for needle in [
            "smtp_tls",
            "working_hours_start",
            "extra_closure_days",
            "referal",
            "claim_timeout_minutes",
        ] {
            assert!(p.iter().any(|m| m.contains(needle)), "{needle}: {p:?}");
        }
    }
}
