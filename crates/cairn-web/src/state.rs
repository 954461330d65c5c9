use std::sync::Arc;

use cairn_core::Settings;
use cairn_db::{DbConn, DbPool};

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::throttle::Throttle;

/// Shared by every request: the pool, the settings and the process's counters.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub sign_in_throttle: Arc<Throttle>,
    /// Wakes the in-process job worker after a commit that queued a job (a no-op when the
    /// worker runs as `cairn worker` elsewhere: it finds the job at its next poll).
    pub jobs: cairn_core::jobs::JobNotifier,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings) -> AppState {
        let per_minute = settings.login_attempts_per_minute;
        AppState {
            pool,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            sign_in_throttle: Arc::new(Throttle::new(per_minute)),
            jobs: cairn_core::jobs::JobNotifier::new(),
        }
    }

    /// Runs blocking database work off the async threads, with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| AppError::Unavailable(format!("no database connection: {e}")))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(format!("database task failed: {e}")))?
    }
}
