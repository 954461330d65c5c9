//! Shared helpers for Cairn's benchmarks: timing summaries and a demo database to run against.

use std::time::Duration;

use anyhow::{Context, Result};
use cairn_db::DbConn;

/// Median, 95th and 99th percentile and maximum of a set of timings.
pub struct Summary {
    pub count: usize,
    pub median: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    pub fn of(samples: &mut [Duration]) -> Summary {
        samples.sort();
        let at = |q: f64| {
            let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(i).copied().unwrap_or_default()
        };
        Summary {
            count: samples.len(),
            median: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }

    pub fn line(&self, label: &str) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{label:<34} n={:<6} median {:>7.3} ms   p95 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
            self.count,
            ms(self.median),
            ms(self.p95),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// Opens `url`, migrating it, and loads the demo authority with `children` if it is empty.
pub fn demo_database(url: &str, children: u64) -> Result<DbConn> {
    if let Some(dir) = std::path::Path::new(url)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).ok();
    }
    let mut conn = DbConn::open(url).context("opening the benchmark database")?;
    conn.run_migrations()?;
    if cairn_demo::is_empty(&mut conn)? {
        eprintln!("Loading {children} demo children into {url} (once; reused on later runs)…");
        let opts = cairn_demo::DemoOptions {
            children,
            ..cairn_demo::DemoOptions::default()
        };
        let s = cairn_demo::generate(&mut conn, &opts, &mut |_| {})?;
        eprintln!("Loaded in {:.1} s", s.elapsed.as_secs_f64());
    }
    Ok(conn)
}

/// The actor a signed-in `username` acts as, as the session code builds it.
pub fn actor(conn: &mut DbConn, username: &str) -> Result<cairn_core::Actor> {
    use cairn_domain::ids::{TeamId, UserId};
    use cairn_domain::roles::Role;
    let u = cairn_db::users::find_by_username(conn, username)?
        .with_context(|| format!("the user {username}"))?;
    Ok(cairn_core::Actor {
        user_id: UserId::parse(&u.id).ok(),
        username: u.username,
        display_name: u.display_name,
        role: Role::from_code(&u.role).context("a known role")?,
        team_id: u.team_id.as_deref().and_then(|t| TeamId::parse(t).ok()),
        session_id: None,
        request_id: None,
        channel: cairn_core::actor::Channel::Web,
        scopes: Vec::new(),
    })
}
