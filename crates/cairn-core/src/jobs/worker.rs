//! The worker loop: a plain thread that drains due jobs, then sleeps until the next poll or
//! until it is woken.
//!
//! A thread rather than a tokio task because handlers are blocking (Diesel, lettre's blocking
//! SMTP transport); the same loop serves `cairn serve` (in-process) and `cairn worker`.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use cairn_db::DbPool;

use super::{Registry, run_one};
use crate::settings::Settings;

#[derive(Default)]
struct State {
    /// A job may be due: run the queue before sleeping again.
    woken: bool,
    stopping: bool,
}

#[derive(Default)]
struct Signal {
    state: Mutex<State>,
    cond: Condvar,
}

/// A handle for waking the worker after a commit that queued a job (so an email goes out in
/// milliseconds rather than at the next poll) and for stopping it. Cheap to clone; poking a
/// notifier that no worker listens to does nothing.
#[derive(Clone, Default)]
pub struct JobNotifier {
    signal: Arc<Signal>,
}

impl JobNotifier {
    pub fn new() -> JobNotifier {
        JobNotifier::default()
    }

    /// Call after the transaction that queued a job has committed.
    pub fn notify(&self) {
        self.lock().woken = true;
        self.signal.cond.notify_all();
    }

    /// Asks the worker to stop after the job it is running, if any.
    pub fn shutdown(&self) {
        self.lock().stopping = true;
        self.signal.cond.notify_all();
    }

    pub fn is_shutting_down(&self) -> bool {
        self.lock().stopping
    }

    /// Sleeps up to `timeout`, or less if woken or stopped; clears the wake-up.
    fn wait(&self, timeout: Duration) {
        let mut state = self.lock();
        if !state.woken && !state.stopping {
            state = match self.signal.cond.wait_timeout(state, timeout) {
                Ok((s, _)) => s,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        state.woken = false;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is two booleans: a panic elsewhere cannot leave it half-written.
        self.signal
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for JobNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobNotifier")
            .field("stopping", &self.is_shutting_down())
            .finish()
    }
}

/// A running worker thread.
pub struct WorkerHandle {
    pub name: String,
    notifier: JobNotifier,
    thread: JoinHandle<()>,
}

impl WorkerHandle {
    pub fn notifier(&self) -> JobNotifier {
        self.notifier.clone()
    }

    /// Stops the worker and waits for the job in hand to finish.
    pub fn stop(self) {
        self.notifier.shutdown();
        if self.thread.join().is_err() {
            tracing::error!(worker = %self.name, "the job worker thread panicked");
        }
    }
}

/// A name for this worker, stored on the jobs it claims: the process id and a random suffix
/// (several workers can share a process or a machine).
pub fn worker_name() -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("worker-{}-{}", std::process::id(), &suffix[..8])
}

/// Starts the worker loop on its own thread. It polls every `jobs_poll_seconds`, wakes at
/// once on [`JobNotifier::notify`], and ends on [`JobNotifier::shutdown`] (or
/// [`WorkerHandle::stop`]).
pub fn spawn_worker(
    pool: DbPool,
    registry: Registry,
    settings: &Settings,
    notifier: JobNotifier,
) -> std::io::Result<WorkerHandle> {
    let name = worker_name();
    let poll = Duration::from_secs(u64::from(settings.jobs_poll_seconds.max(1)));
    let thread = {
        let name = name.clone();
        let notifier = notifier.clone();
        std::thread::Builder::new()
            .name("cairn-jobs".into())
            .spawn(move || worker_loop(&pool, &registry, &name, &notifier, poll))?
    };
    Ok(WorkerHandle {
        name,
        notifier,
        thread,
    })
}

fn worker_loop(
    pool: &DbPool,
    registry: &Registry,
    name: &str,
    notifier: &JobNotifier,
    poll: Duration,
) {
    tracing::info!(worker = name, kinds = ?registry.kinds(), poll_seconds = poll.as_secs(), "job worker started");
    let mut daily_done_on = None;
    while !notifier.is_shutting_down() {
        daily_done_on = daily(pool, registry, name, daily_done_on);
        drain(pool, registry, name, notifier);
        notifier.wait(poll);
    }
    tracing::info!(worker = name, "job worker stopped");
}

/// Once a day (the first poll of each day in England), queues what runs daily: today's
/// workload snapshot, if this worker can take it and nobody has. Returns the day done.
fn daily(
    pool: &DbPool,
    registry: &Registry,
    name: &str,
    done_on: Option<chrono::NaiveDate>,
) -> Option<chrono::NaiveDate> {
    use crate::caseloads::snapshots::{TAKE_JOB, queue_daily};
    let today = crate::casework::today();
    if done_on == Some(today) || registry.get(TAKE_JOB).is_none() {
        return done_on;
    }
    let queued = pool
        .get()
        .map_err(|e| crate::ServiceError::from(cairn_db::DbError::from(e)))
        .and_then(|mut conn| queue_daily(&mut conn, today));
    match queued {
        Ok(_) => Some(today),
        Err(e) => {
            tracing::warn!(worker = name, error = %e, "could not queue the daily jobs; will try again");
            done_on
        }
    }
}

/// Runs due jobs until none is left (or a stop is asked for).
fn drain(pool: &DbPool, registry: &Registry, name: &str, notifier: &JobNotifier) {
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(worker = name, error = %e, "job worker has no database connection; will try again");
            return;
        }
    };
    while !notifier.is_shutting_down() {
        match run_one(&mut conn, registry, name) {
            // run_one has logged (and, for a failure, audited) the outcome.
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => {
                // The queue itself failed (database down, migration missing): wait for the
                // next poll rather than spin.
                tracing::error!(worker = name, error = %e, "job worker could not use the queue");
                return;
            }
        }
    }
}
