use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cairn_core::accounts::{self, AccountForm};
use cairn_core::{Actor, ServiceError, Settings};
use cairn_db::{Backend, DbConn, PoolSettings, connect_pool};
use chrono::Timelike;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cairn",
    version,
    about = "Case management for children's social care"
)]
pub struct Cli {
    /// Settings file (TOML). Defaults to $CAIRN_CONFIG, then ./cairn.toml if present.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: a SQLite file path, or postgres://… (overrides the settings).
    #[arg(long, global = true, env = "CAIRN_DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web application (migrates the database first).
    Serve {
        /// Load the demo authority if the database is empty, and print its log-ins.
        #[arg(long)]
        demo: bool,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long, env = "CAIRN_LISTEN")]
        listen: Option<String>,
    },
    /// Run background jobs (emails, letters) until interrupted; for when several app servers
    /// run with jobs_in_process = false.
    Worker,
    /// Apply pending database migrations.
    Migrate,
    /// Generate the synthetic demo authority into an empty database.
    Demo {
        #[arg(long, default_value_t = 2000)]
        children: u64,
        #[arg(long, default_value_t = 2009)]
        seed: u64,
    },
    /// Take the workload snapshot of a day (today in England by default); a day already
    /// taken is retaken in place.
    SnapshotWorkload {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Settings.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a temporary password unless --password-stdin is given.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Role code, e.g. administrator, social_worker, inspector.
        #[arg(long)]
        role: String,
        /// Last day of access (YYYY-MM-DD); required for inspectors.
        #[arg(long)]
        expires: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a new temporary password and end the account's sessions.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; reports the first broken link.
    Verify,
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Load the settings, report problems, and check the database can be reached.
    Check,
}

pub fn load_settings(cli: &Cli) -> Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    if let Some(url) = &cli.database_url {
        settings.database_url = url.clone();
    }
    Ok(settings)
}

/// Opens the database, creating the directory of a SQLite file if needed, and migrates it.
pub fn open_migrated(settings: &Settings) -> Result<DbConn> {
    ensure_sqlite_dir(&settings.database_url)?;
    let mut conn = DbConn::open(&settings.database_url).with_context(|| {
        format!(
            "opening the database {}",
            cairn_db::connection::redact_url(&settings.database_url)
        )
    })?;
    conn.run_migrations().context("migrating the database")?;
    Ok(conn)
}

pub fn ensure_sqlite_dir(url: &str) -> Result<()> {
    if Backend::from_url(url) == Backend::Sqlite {
        let path = Path::new(url.strip_prefix("sqlite://").unwrap_or(url));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Ok(())
}

fn read_password_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("some values need correcting:\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!(other.to_string()),
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let settings = load_settings(&cli)?;
    match cli.command {
        Command::Serve { demo, listen } => {
            let mut settings = settings;
            if let Some(l) = listen {
                settings.listen = l;
            }
            crate::serve::serve(settings, demo)
        }
        Command::Worker => crate::serve::worker(settings),
        Command::Migrate => {
            ensure_sqlite_dir(&settings.database_url)?;
            let mut conn = DbConn::open(&settings.database_url)?;
            let applied = conn.run_migrations()?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                for m in applied {
                    println!("Applied {m}");
                }
            }
            Ok(())
        }
        Command::Demo { children, seed } => {
            let mut conn = open_migrated(&settings)?;
            load_demo(&mut conn, &settings, children, seed)?;
            Ok(())
        }
        Command::SnapshotWorkload { date } => {
            let mut conn = open_migrated(&settings)?;
            let on = date.unwrap_or_else(cairn_core::casework::today);
            let interactive = std::io::stderr().is_terminal();
            let summary = cairn_core::caseloads::snapshots::take(
                &mut conn,
                &Actor::command_line(),
                on,
                &mut |p| {
                    if interactive {
                        eprintln!("{}: {} of {}", p.stage, p.done, p.total);
                    }
                },
            )
            .map_err(explain)?;
            println!(
                "Took the workload snapshot for {}: {} workers, {} amber, {} red.",
                summary.taken_on, summary.workers, summary.amber, summary.red
            );
            Ok(())
        }
        Command::User { action } => {
            let mut conn = open_migrated(&settings)?;
            let actor = Actor::command_line();
            match action {
                UserCommand::Add {
                    username,
                    name,
                    email,
                    role,
                    expires,
                    password_stdin,
                } => {
                    let password = if password_stdin {
                        Some(read_password_stdin()?)
                    } else {
                        None
                    };
                    let form = AccountForm {
                        username,
                        display_name: name,
                        email,
                        role,
                        team_id: String::new(),
                        access_expires_on: expires.unwrap_or_default(),
                        active: "yes".into(),
                    };
                    let created =
                        accounts::create_account(&mut conn, &actor, &form, password.as_deref())
                            .map_err(explain)?;
                    println!("Created account {}.", form.username.trim().to_lowercase());
                    if !password_stdin {
                        println!(
                            "Temporary password (they must change it when they first sign in): {}",
                            created.temporary_password
                        );
                    }
                }
                UserCommand::Disable { username } => {
                    accounts::set_active(&mut conn, &actor, &username, false).map_err(explain)?;
                    println!("Disabled {username} and ended their sessions.");
                }
                UserCommand::Enable { username } => {
                    accounts::set_active(&mut conn, &actor, &username, true).map_err(explain)?;
                    println!("Enabled {username}.");
                }
                UserCommand::ResetPassword {
                    username,
                    password_stdin,
                } => {
                    let given = if password_stdin {
                        Some(read_password_stdin()?)
                    } else {
                        None
                    };
                    let password =
                        accounts::reset_password(&mut conn, &actor, &username, given.as_deref())
                            .map_err(explain)?;
                    if !password_stdin {
                        println!(
                            "Temporary password for {username} (must be changed at next sign-in): {password}"
                        );
                    } else {
                        println!(
                            "Password reset for {username}; they must change it at next sign-in."
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Audit {
            action: AuditCommand::Verify,
        } => {
            let mut conn = open_migrated(&settings)?;
            let total = cairn_db::audit::count(&mut conn)?;
            let interactive = std::io::stderr().is_terminal();
            let report = cairn_core::audit_view::verify(&mut conn, |done| {
                if interactive {
                    eprint!("\rChecked {done} of {total} rows");
                    let _ = std::io::stderr().flush();
                }
            })
            .map_err(explain)?;
            if interactive {
                eprintln!();
            }
            match report.first_broken {
                None => {
                    println!(
                        "The audit log is intact: {} rows checked, chain unbroken.",
                        report.rows_checked
                    );
                    Ok(())
                }
                Some(b) => bail!(
                    "the audit log is broken at row {}: {} ({} rows before it are intact)",
                    b.seq,
                    b.reason,
                    report.rows_checked
                ),
            }
        }
        Command::Config {
            action: ConfigCommand::Check,
        } => {
            let problems = settings.problems();
            println!("Council: {}", settings.council_name);
            println!("Listen: {}", settings.listen);
            println!(
                "Database: {} ({})",
                cairn_db::connection::redact_url(&settings.database_url),
                Backend::from_url(&settings.database_url).name()
            );
            ensure_sqlite_dir(&settings.database_url)?;
            let pool = connect_pool(
                &settings.database_url,
                &PoolSettings {
                    max_size: 1,
                    ..PoolSettings::default()
                },
            );
            let db_problem = match pool.and_then(|p| p.get().map_err(cairn_db::DbError::from)) {
                Ok(mut c) => c
                    .pending_migrations()
                    .map(|p| {
                        (!p.is_empty()).then(|| {
                            format!("{} migration(s) pending: run `cairn migrate`", p.len())
                        })
                    })
                    .unwrap_or_else(|e| Some(e.to_string())),
                Err(e) => Some(format!("cannot connect to the database: {e}")),
            };
            let all: Vec<String> = problems.into_iter().chain(db_problem).collect();
            if all.is_empty() {
                println!("Settings are valid and the database is reachable.");
                Ok(())
            } else {
                for p in &all {
                    println!("Problem: {p}");
                }
                bail!("{} problem(s) found", all.len())
            }
        }
    }
}

pub fn demo_password() -> String {
    std::env::var("CAIRN_DEMO_PASSWORD").unwrap_or_else(|_| "demo-password-123".to_string())
}

pub fn load_demo(
    conn: &mut DbConn,
    settings: &Settings,
    children: u64,
    seed: u64,
) -> Result<cairn_demo::DemoSummary> {
    if !cairn_demo::is_empty(conn)? {
        bail!(
            "the database already has people or users; the demo authority only loads into an empty database"
        );
    }
    let opts = cairn_demo::DemoOptions {
        children,
        seed,
        password: demo_password(),
        local_id_prefix: settings.local_id_prefix.clone(),
    };
    let interactive = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    // Dated now, so the demo's queues, deadlines and overnight handover are current when it is
    // loaded (the generator's tests use its fixed date instead).
    let as_at = cairn_db::now()
        .with_nanosecond(0)
        .unwrap_or_else(cairn_db::now);
    let summary = cairn_demo::generate_as_at(conn, &opts, as_at, &mut |p| {
        if interactive && last.elapsed().as_millis() > 200 {
            eprint!("\r{}: {} of {}      ", p.stage, p.done, p.total);
            let _ = std::io::stderr().flush();
            last = std::time::Instant::now();
        }
    })?;
    if interactive {
        eprintln!();
    }
    println!(
        "Loaded the demo authority in {:.1}s: {} offices, {} teams, {} staff, {} children ({} with casework), {} adults, {} relationships, {} addresses.",
        summary.elapsed.as_secs_f64(),
        summary.offices,
        summary.teams,
        summary.users,
        summary.children,
        summary.children_with_casework,
        summary.adults,
        summary.relationships,
        summary.addresses
    );
    Ok(summary)
}
