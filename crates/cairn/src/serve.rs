//! `cairn serve`: migrate, optionally load the demo, then serve until interrupted.

use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use cairn_core::Settings;
use cairn_core::jobs::{self, JobNotifier, WorkerHandle};
use cairn_db::{PoolSettings, connect_pool};
use cairn_web::{AppState, router};

pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAIRN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

pub fn serve(settings: Settings, demo: bool) -> Result<()> {
    init_logging(&settings.log_format);
    let problems = settings.problems();
    if !problems.is_empty() {
        bail!("the settings have problems:\n  {}", problems.join("\n  "));
    }
    let addr: SocketAddr = settings
        .listen
        .parse()
        .context("parsing the listen address")?;
    {
        let mut conn = crate::cli::open_migrated(&settings)?;
        if demo {
            if cairn_demo::is_empty(&mut conn)? {
                crate::cli::load_demo(&mut conn, &settings, 2000, 2009)?;
            }
            print_demo_logins();
        }
    }
    let pool = connect_pool(
        &settings.database_url,
        &PoolSettings {
            max_size: settings.db_pool_size,
            ..PoolSettings::default()
        },
    )?;
    let state = AppState::new(pool, settings);
    // Embedded mode: the job worker runs here, woken by `state.jobs` after commits that queue
    // a job. Turned off (jobs_in_process = false) when `cairn worker` runs separately.
    let worker = if state.settings.jobs_in_process {
        Some(start_worker(
            state.pool.clone(),
            &state.settings,
            state.jobs.clone(),
        )?)
    } else {
        None
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        println!("Cairn is running at http://{addr}/ (press Ctrl+C to stop)");
        tracing::info!(%addr, "listening");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving")?;
        tracing::info!("stopped");
        Ok(())
    });
    // Let the job in hand finish so it is not left "running" until it goes stale.
    if let Some(worker) = worker {
        worker.stop();
    }
    served
}

fn start_worker(
    pool: cairn_db::DbPool,
    settings: &Settings,
    notifier: JobNotifier,
) -> Result<WorkerHandle> {
    let registry = jobs::default_registry(settings);
    if settings.smtp_host.trim().is_empty() {
        tracing::info!("smtp_host is empty: email is off");
    }
    jobs::spawn_worker(pool, registry, settings, notifier).context("starting the job worker")
}

/// `cairn worker`: runs queued jobs (emails, letters) until Ctrl+C or SIGTERM. For deployments
/// with several app servers, which then set `jobs_in_process = false`.
pub fn worker(settings: Settings) -> Result<()> {
    init_logging(&settings.log_format);
    let problems = settings.problems();
    if !problems.is_empty() {
        bail!("the settings have problems:\n  {}", problems.join("\n  "));
    }
    crate::cli::ensure_sqlite_dir(&settings.database_url)?;
    {
        // The worker does not migrate: with several processes, one deliberate `cairn migrate`
        // (or `cairn serve`) is the safe way.
        let mut conn = cairn_db::DbConn::open(&settings.database_url).with_context(|| {
            format!(
                "opening the database {}",
                cairn_db::connection::redact_url(&settings.database_url)
            )
        })?;
        let pending = conn.pending_migrations().context("reading migrations")?;
        if !pending.is_empty() {
            bail!(
                "the database has {} migration(s) pending: run `cairn migrate` first",
                pending.len()
            );
        }
    }
    let pool = connect_pool(
        &settings.database_url,
        &PoolSettings {
            max_size: 2,
            ..PoolSettings::default()
        },
    )?;
    let handle = start_worker(pool, &settings, JobNotifier::new())?;
    println!(
        "Cairn job worker {} is running (press Ctrl+C to stop)",
        handle.name
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(shutdown_signal());
    println!("Stopping after the job in hand…");
    handle.stop();
    Ok(())
}

fn print_demo_logins() {
    let password = crate::cli::demo_password();
    println!("Demo log-ins (password for all: {password}):");
    for (role, username) in cairn_demo::DEMO_USERNAMES {
        println!("  {username:<22} {}", role.label());
    }
}

/// Finishes in-flight requests on Ctrl+C or SIGTERM (what service managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
