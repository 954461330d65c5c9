//! `cairn serve`: migrate, optionally load the demo, then serve until interrupted.

use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use cairn_core::Settings;
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
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
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
    })
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
