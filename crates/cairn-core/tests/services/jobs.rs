//! The job queue and worker: outbox semantics, outcomes, backoff, failure and retry, exactly-once
//! claiming between concurrent workers, and reclaiming a crashed worker's job.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use cairn_core::jobs::{
    self, JobError, JobHandler, JobNotifier, Registry, RunOutcome, STALE_AFTER, run_one,
};
use cairn_core::{ServiceError, Settings};
use cairn_db::jobs::{self as store, JobFilter, JobRow, JobStatus};
use cairn_db::schema::jobs as j;
use cairn_db::testing::TestDb;
use cairn_db::{DbConn, both_backends};
use cairn_domain::ids::JobId;
use cairn_domain::roles::Role;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::support::*;

const KIND: &str = "test.job";

type Run = dyn Fn(&mut DbConn, &Value) -> Result<(), JobError> + Send + Sync;

/// A handler whose behaviour the test chooses; it records every payload it is given.
#[derive(Clone)]
struct Scripted {
    run: Arc<Run>,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Scripted {
    fn new(
        run: impl Fn(&mut DbConn, &Value) -> Result<(), JobError> + Send + Sync + 'static,
    ) -> Self {
        Scripted {
            run: Arc::new(run),
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn ok() -> Self {
        Scripted::new(|_, _| Ok(()))
    }

    fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn registry(&self) -> Registry {
        Registry::new().with(self.clone())
    }
}

impl JobHandler for Scripted {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, conn: &mut DbConn, payload: &Value) -> Result<(), JobError> {
        self.seen.lock().unwrap().push(payload.clone());
        (self.run)(conn, payload)
    }
}

/// Personal data of the kind a real payload holds: it must never reach errors or audit rows.
fn payload() -> Value {
    json!({ "referrer_name": "Amelia Hughes", "email": "amelia.hughes@example.org" })
}

fn enqueue(conn: &mut DbConn, max_attempts: i32) -> JobId {
    conn.write(|c| store::enqueue(c, KIND, &payload(), cairn_db::now(), max_attempts))
        .unwrap()
}

fn job(conn: &mut DbConn, id: &JobId) -> JobRow {
    store::get(conn, id).unwrap().expect("the job exists")
}

fn set_run_after(conn: &mut DbConn, id: &JobId, at: NaiveDateTime) {
    diesel::update(j::table.find(id.to_string()))
        .set(j::run_after.eq(at))
        .execute(conn)
        .unwrap();
}

fn set_locked_at(conn: &mut DbConn, id: &JobId, at: NaiveDateTime) {
    diesel::update(j::table.find(id.to_string()))
        .set(j::locked_at.eq(Some(at)))
        .execute(conn)
        .unwrap();
}

fn assert_no_personal_data(text: &str) {
    assert!(
        !text.contains("Amelia") && !text.contains("amelia.hughes"),
        "personal data leaked: {text}"
    );
}

both_backends!(
    a_job_queued_in_a_rolled_back_transaction_never_exists,
    |db: TestDb| {
        let mut conn = db.conn();
        let result: Result<(), ServiceError> = conn.write(|c| {
            store::enqueue(c, KIND, &payload(), cairn_db::now(), 3)?;
            Err(ServiceError::Internal("the business change failed".into()))
        });
        assert!(result.is_err());
        assert_eq!(store::counts_by_status(&mut conn).unwrap().queued, 0);
        assert!(
            run_one(&mut conn, &Scripted::ok().registry(), "w1")
                .unwrap()
                .is_none()
        );

        let id = enqueue(&mut conn, 3);
        let row = job(&mut conn, &id);
        assert_eq!(row.status, "queued");
        assert_eq!((row.attempts, row.max_attempts), (0, 3));
        assert_eq!(row.payload_json().unwrap(), payload());
    }
);

both_backends!(a_successful_handler_marks_the_job_done, |db: TestDb| {
    let mut conn = db.conn();
    let handler = Scripted::ok();
    let id = enqueue(&mut conn, 3);
    let report = run_one(&mut conn, &handler.registry(), "w1")
        .unwrap()
        .unwrap();
    assert_eq!(report.job_id, id);
    assert_eq!(report.kind, KIND);
    assert_eq!(report.attempt, 1);
    assert_eq!(report.outcome, RunOutcome::Done);
    assert_eq!(handler.seen.lock().unwrap().as_slice(), &[payload()]);

    let row = job(&mut conn, &id);
    assert_eq!(row.job_status(), Some(JobStatus::Done));
    assert_eq!(row.attempts, 1);
    assert!(row.finished_at.is_some());
    assert_eq!((row.locked_by, row.locked_at), (None, None));
    assert!(
        run_one(&mut conn, &handler.registry(), "w1")
            .unwrap()
            .is_none()
    );
    assert_eq!(handler.calls(), 1);
});

both_backends!(a_transient_error_reschedules_with_backoff, |db: TestDb| {
    let mut conn = db.conn();
    let handler =
        Scripted::new(|_, _| Err(JobError::Transient("SMTP 421 (try again later)".into())));
    let id = enqueue(&mut conn, 5);
    let before = cairn_db::now();
    let report = run_one(&mut conn, &handler.registry(), "w1")
        .unwrap()
        .unwrap();
    let RunOutcome::Retrying { run_after, error } = report.outcome else {
        panic!("expected a retry, got {:?}", report.outcome);
    };
    assert_eq!(error, "SMTP 421 (try again later)");
    // First retry: 30 s less up to 10 % jitter.
    assert!(
        run_after >= before + Duration::seconds(27),
        "{run_after} vs {before}"
    );
    assert!(run_after <= cairn_db::now() + Duration::seconds(30));

    let row = job(&mut conn, &id);
    assert_eq!(row.job_status(), Some(JobStatus::Queued));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.run_after, run_after);
    assert_eq!(
        row.last_error.as_deref(),
        Some("SMTP 421 (try again later)")
    );
    assert_eq!(row.locked_by, None);
    // Not due yet.
    assert!(
        run_one(&mut conn, &handler.registry(), "w1")
            .unwrap()
            .is_none()
    );

    // The second failure waits about twice as long.
    set_run_after(&mut conn, &id, cairn_db::now() - Duration::seconds(1));
    let second = run_one(&mut conn, &handler.registry(), "w1")
        .unwrap()
        .unwrap();
    assert_eq!(second.attempt, 2);
    let RunOutcome::Retrying { run_after, .. } = second.outcome else {
        panic!("expected a retry");
    };
    let wait = run_after - cairn_db::now();
    assert!(
        wait > Duration::seconds(50) && wait <= Duration::seconds(60),
        "{wait}"
    );
    assert_eq!(job(&mut conn, &id).attempts, 2);

    let counts = store::counts_by_status(&mut conn).unwrap();
    assert_eq!((counts.queued, counts.retrying, counts.failed), (1, 1, 0));
});

both_backends!(
    the_last_attempt_fails_the_job_and_audits_it,
    |db: TestDb| {
        let mut conn = db.conn();
        let handler = Scripted::new(|_, _| Err(JobError::Transient("could not connect".into())));
        let id = enqueue(&mut conn, 2);
        let first = run_one(&mut conn, &handler.registry(), "w1")
            .unwrap()
            .unwrap();
        assert!(matches!(first.outcome, RunOutcome::Retrying { .. }));
        set_run_after(&mut conn, &id, cairn_db::now() - Duration::seconds(1));
        let last = run_one(&mut conn, &handler.registry(), "w1")
            .unwrap()
            .unwrap();
        assert_eq!(
            last.outcome,
            RunOutcome::Failed {
                error: "could not connect".into(),
                permanent: false
            }
        );

        let row = job(&mut conn, &id);
        assert_eq!(row.job_status(), Some(JobStatus::Failed));
        assert_eq!(row.attempts, 2);
        assert!(row.finished_at.is_some());
        // Nothing runs it again by itself.
        set_run_after(&mut conn, &id, cairn_db::now() - Duration::seconds(1));
        assert!(
            run_one(&mut conn, &handler.registry(), "w1")
                .unwrap()
                .is_none()
        );
        assert_eq!(handler.calls(), 2);

        // Visible to administrators.
        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let overview =
            jobs::list_jobs(&mut conn, &admin.actor, JobFilter::NeedsAttention, 50, 0).unwrap();
        assert_eq!(overview.counts.failed, 1);
        assert_eq!(overview.jobs.len(), 1);
        assert_eq!(overview.jobs[0].id, id.to_string());
        assert_eq!(
            overview.jobs[0].last_error.as_deref(),
            Some("could not connect")
        );

        let audits = audit_rows_for(&mut conn, "job.failed");
        assert_eq!(audits.len(), 1);
        let a = &audits[0];
        assert_eq!(a.outcome, "failed");
        assert_eq!(a.actor_label, "job-worker");
        assert_eq!(a.entity_type.as_deref(), Some("job"));
        assert_eq!(a.entity_id.as_deref(), Some(id.to_string().as_str()));
        assert_eq!(a.person_id, None);
        let detail = a.detail_json();
        assert_eq!(detail["kind"], KIND);
        assert_eq!(detail["attempts"], 2);
        assert_eq!(detail["permanent"], false);
        assert_no_personal_data(&a.detail);
        assert_chain_intact(&mut conn);
    }
);

both_backends!(a_permanent_error_fails_at_once, |db: TestDb| {
    let mut conn = db.conn();
    let handler = Scripted::new(|_, _| {
        Err(JobError::Permanent(
            "the mail server refused the message (SMTP 550)".into(),
        ))
    });
    let id = enqueue(&mut conn, 8);
    let report = run_one(&mut conn, &handler.registry(), "w1")
        .unwrap()
        .unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::Failed {
            error: "the mail server refused the message (SMTP 550)".into(),
            permanent: true
        }
    );
    let row = job(&mut conn, &id);
    assert_eq!(
        (row.job_status(), row.attempts),
        (Some(JobStatus::Failed), 1)
    );
    let audits = audit_rows_for(&mut conn, "job.failed");
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].detail_json()["permanent"], true);
});

both_backends!(
    retry_now_requeues_a_failed_job_for_administrators_only,
    |db: TestDb| {
        let mut conn = db.conn();
        let failing = Scripted::new(|_, _| Err(JobError::Permanent("bad template".into())));
        let id = enqueue(&mut conn, 3);
        run_one(&mut conn, &failing.registry(), "w1")
            .unwrap()
            .unwrap();
        assert_eq!(job(&mut conn, &id).job_status(), Some(JobStatus::Failed));

        // A social worker may not see or retry jobs; the refusal is audited.
        let worker = staff(&mut conn, "social.worker", Role::SocialWorker);
        let denied = jobs::retry_job(&mut conn, &worker.actor, &id.to_string());
        assert!(
            matches!(denied, Err(ServiceError::Denied { .. })),
            "{denied:?}"
        );
        assert!(matches!(
            jobs::list_jobs(&mut conn, &worker.actor, JobFilter::All, 10, 0),
            Err(ServiceError::Denied { .. })
        ));
        assert_eq!(audit_rows_for(&mut conn, "access.denied").len(), 2);
        assert_eq!(job(&mut conn, &id).job_status(), Some(JobStatus::Failed));

        let admin = staff(&mut conn, "system.admin", Role::Administrator);
        let retried = jobs::retry_job(&mut conn, &admin.actor, &id.to_string()).unwrap();
        assert_eq!(retried, id);
        let row = job(&mut conn, &id);
        assert_eq!(row.job_status(), Some(JobStatus::Queued));
        assert_eq!(row.attempts, 0);
        assert_eq!(row.finished_at, None);
        assert!(row.run_after <= cairn_db::now());
        // The reason it had failed stays visible until it succeeds.
        assert_eq!(row.last_error.as_deref(), Some("bad template"));
        let audit = audit_rows_for(&mut conn, "job.retry");
        assert_eq!(audit.len(), 1);
        assert_eq!(
            audit[0].actor_user_id.as_deref(),
            Some(admin.user_id.as_str())
        );
        assert_eq!(audit[0].entity_id.as_deref(), Some(id.to_string().as_str()));

        // Only failed jobs can be retried; ids that are not UUIDs name nothing.
        assert!(matches!(
            jobs::retry_job(&mut conn, &admin.actor, &id.to_string()),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            jobs::retry_job(&mut conn, &admin.actor, "../../etc/passwd"),
            Err(ServiceError::NotFound(_))
        ));

        let ok = Scripted::ok();
        let report = run_one(&mut conn, &ok.registry(), "w1").unwrap().unwrap();
        assert_eq!((report.attempt, report.outcome), (1, RunOutcome::Done));
    }
);

both_backends!(
    concurrent_workers_run_each_job_exactly_once,
    |db: TestDb| {
        const JOBS: usize = 40;
        const WORKERS: usize = 4;
        let mut conn = db.conn();
        conn.write(|c| {
            for n in 0..JOBS {
                store::enqueue(c, KIND, &json!({ "n": n }), cairn_db::now(), 3)?;
            }
            Ok::<_, cairn_db::DbError>(())
        })
        .unwrap();
        let handler = Scripted::new(|_, _| {
            // Long enough that the workers overlap.
            std::thread::sleep(StdDuration::from_millis(5));
            Ok(())
        });
        let registry = handler.registry();
        std::thread::scope(|s| {
            for w in 0..WORKERS {
                let registry = &registry;
                let db = &db;
                s.spawn(move || {
                    let mut conn = db.conn();
                    let name = format!("worker-{w}");
                    while run_one(&mut conn, registry, &name).unwrap().is_some() {}
                });
            }
        });
        let mut seen: Vec<u64> = handler
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|p| p["n"].as_u64().unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..JOBS as u64).collect::<Vec<_>>(),
            "each job ran exactly once"
        );
        let counts = store::counts_by_status(&mut conn).unwrap();
        assert_eq!(
            (counts.done, counts.queued, counts.running),
            (JOBS as i64, 0, 0)
        );
        let attempts: Vec<i32> = j::table.select(j::attempts).load(&mut conn).unwrap();
        assert!(attempts.iter().all(|a| *a == 1), "{attempts:?}");
    }
);

both_backends!(
    a_crashed_workers_job_is_reclaimed_once_stale,
    |db: TestDb| {
        let mut conn = db.conn();
        let handler = Scripted::ok();
        let id = enqueue(&mut conn, 3);
        // A worker claims the job and dies before finishing it.
        let claimed = store::claim_next(&mut conn, "dead-worker", cairn_db::now(), STALE_AFTER)
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, id.to_string());
        assert_eq!(claimed.locked_by.as_deref(), Some("dead-worker"));
        assert_eq!(claimed.attempts, 1);

        // While its lock is fresh nobody else takes it.
        assert!(
            run_one(&mut conn, &handler.registry(), "live-worker")
                .unwrap()
                .is_none()
        );

        set_locked_at(
            &mut conn,
            &id,
            cairn_db::now() - STALE_AFTER - Duration::seconds(1),
        );
        let report = run_one(&mut conn, &handler.registry(), "live-worker")
            .unwrap()
            .unwrap();
        assert_eq!(report.job_id, id);
        assert_eq!((report.attempt, report.outcome), (2, RunOutcome::Done));
        assert_eq!(handler.calls(), 1);

        // A stale job with no attempts left is failed rather than run again.
        let last = enqueue(&mut conn, 1);
        store::claim_next(&mut conn, "dead-worker", cairn_db::now(), STALE_AFTER)
            .unwrap()
            .unwrap();
        set_locked_at(&mut conn, &last, cairn_db::now() - Duration::hours(1));
        assert!(
            run_one(&mut conn, &handler.registry(), "live-worker")
                .unwrap()
                .is_none()
        );
        let row = job(&mut conn, &last);
        assert_eq!(row.job_status(), Some(JobStatus::Failed));
        assert!(row.last_error.unwrap().contains("worker stopped"));
        assert_eq!(handler.calls(), 1);
    }
);

both_backends!(
    unknown_kinds_bad_payloads_and_panics_do_not_stop_the_worker,
    |db: TestDb| {
        let mut conn = db.conn();
        // No handler for the kind: retried later (a newer worker may know it).
        let id = conn
            .write(|c| store::enqueue(c, "not.a.kind", &json!({}), cairn_db::now(), 3))
            .unwrap();
        let report = run_one(&mut conn, &Registry::new(), "w1").unwrap().unwrap();
        assert_eq!(report.job_id, id);
        assert!(matches!(report.outcome, RunOutcome::Retrying { .. }));

        // A payload that is not JSON cannot improve: failed at once.
        let bad = enqueue(&mut conn, 3);
        diesel::update(j::table.find(bad.to_string()))
            .set(j::payload.eq("{not json"))
            .execute(&mut conn)
            .unwrap();
        let report = run_one(&mut conn, &Scripted::ok().registry(), "w1")
            .unwrap()
            .unwrap();
        assert!(matches!(
            report.outcome,
            RunOutcome::Failed {
                permanent: true,
                ..
            }
        ));

        // A panicking handler, even inside a transaction, becomes a transient failure, and the
        // same connection goes on working.
        let panicky = Scripted::new(|conn, _| {
            let _: Result<(), ServiceError> = conn.write(|_| panic!("handler bug"));
            Ok(())
        });
        let p = enqueue(&mut conn, 3);
        let report = run_one(&mut conn, &panicky.registry(), "w1")
            .unwrap()
            .unwrap();
        assert_eq!(report.job_id, p);
        let RunOutcome::Retrying { error, .. } = report.outcome else {
            panic!("expected a retry");
        };
        assert!(error.contains("panicked"));
        assert_eq!(job(&mut conn, &p).job_status(), Some(JobStatus::Queued));
        let fresh = enqueue(&mut conn, 3);
        let report = run_one(&mut conn, &Scripted::ok().registry(), "w1")
            .unwrap()
            .unwrap();
        assert_eq!((report.job_id, report.outcome), (fresh, RunOutcome::Done));
    }
);

both_backends!(
    the_worker_thread_wakes_when_notified_and_stops,
    |db: TestDb| {
        let mut conn = db.conn();
        let handler = Scripted::ok();
        let settings = Settings {
            // A poll far longer than the test: only the notification can make it run in time.
            jobs_poll_seconds: 600,
            ..settings()
        };
        let notifier = JobNotifier::new();
        let worker =
            jobs::spawn_worker(db.pool(), handler.registry(), &settings, notifier.clone()).unwrap();
        // Let the worker finish its first (empty) pass and go to sleep.
        std::thread::sleep(StdDuration::from_millis(200));
        let id = enqueue(&mut conn, 3);
        notifier.notify();
        let deadline = Instant::now() + StdDuration::from_secs(10);
        while job(&mut conn, &id).job_status() != Some(JobStatus::Done) {
            assert!(
                Instant::now() < deadline,
                "the worker did not run the job after notify()"
            );
            std::thread::sleep(StdDuration::from_millis(20));
        }
        let stopping = Instant::now();
        worker.stop();
        assert!(
            stopping.elapsed() < StdDuration::from_secs(5),
            "stop() waited for the poll"
        );
        assert_eq!(handler.calls(), 1);
    }
);

#[test]
fn the_default_registry_builds() {
    let registry = jobs::default_registry(&Settings::default());
    // Handlers are added by the features that need them; every kind is unique by construction.
    let kinds = registry.kinds();
    let mut unique = kinds.clone();
    unique.dedup();
    assert_eq!(kinds, unique);
}
