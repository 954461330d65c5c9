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
        all_known.push("la_code".into());
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
}
