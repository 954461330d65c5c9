//! Demo County Council: a deterministic synthetic local authority for demonstrations, tests
//! and benchmarks.
//!
//! [`generate`] fills an empty database with four offices, their teams, staff of every role
//! (about one per 40 children) and families: children aged 0–17 and a few unborn, their
//! mothers, fathers, step-parents and grandparents, household addresses (some with a previous
//! address) and the relationships between them.
//!
//! # Deterministic
//!
//! The same seed and options give byte-identical people, names, versions, addresses and
//! relationships, ids included: every random choice comes from a seeded SplitMix64 stream
//! (see `rng.rs` for why not `rand::StdRng`), ids are UUID v7-shaped values built from the seed
//! and a counter, and every timestamp is [`GENERATED_AT`]. Three things are not reproducible,
//! by design: the password hash (argon2 salts are random), the inspector's access end date
//! (a year from the real today, so the demo inspector can always sign in) and the one audit
//! row's time (the audit log records when things really happened).
//!
//! # Demo log-ins
//!
//! One fixed username per role, all with the password the caller chose and no forced change:
//! `admin`, `frontdoor`, `social.worker`, `senior.practitioner`, `team.manager`,
//! `service.manager`, `edt`, `auditor`, `performance` and `inspector`. The demo team manager
//! manages the team the demo social worker and senior practitioner are in. Other staff have
//! generated usernames such as `amelia.hughes` or `amelia.hughes2`.
//!
//! # One transaction, loaded in bulk
//!
//! Everything, from the first office to the audit row, is one write transaction: the demo
//! appears whole or not at all, and an interrupted run leaves the database empty. Families are
//! built on a second thread while this one writes them. For speed the load defers the plain
//! (not unique) indexes of the people tables and rebuilds them at the end from the migrations'
//! own SQL, inserts through prepared multi-row statements (SQLite) or binary `COPY`
//! (PostgreSQL), and on SQLite uses a rollback journal and no fsync for the load when it has
//! the database to itself; every setting is put back afterwards. A million children take
//! about a minute on two cores (see the crate's README.md for measurements).
//!
//! No case events are written for generated people (a million `person.recorded` events would
//! say nothing and double the load), and the run is recorded by one `demo.generate` audit row.
//!
//! # Caseloads
//!
//! Every assigned case has its allocation history, practitioners have their hours, and the
//! Central office's children in need team is overloaded, with children waiting for
//! allocation (see `caseloads.rs`). Once the load has committed, the workload snapshots of the
//! last 90 days are taken and the workload alerts raised through the application's own
//! services, in transactions of their own: those rows, and their audit rows
//! (`workload_snapshot.take`, `workload_alert.raise`, `unallocated.escalate`), carry the real
//! time, and the alerts' notifications queue their emails to the demo's reserved domain.
//!
//! # Identifiers
//!
//! NHS numbers (about 90% of born children, half of adults) are valid modulus-11 numbers
//! counted down from 999 999 9999: the 999 range is kept for testing and never issued to
//! patients, and it holds about nine million valid numbers, enough for some six million
//! children. UPNs (about 70% of children aged four and over) have a valid check letter, the
//! LA number [`UPN_LA`] and a unique counter. LA child ids are `LaChildId::from_sequence`
//! numbers and the `person_local_id` sequence is moved past the last one used. Postcodes are in
//! the invented "DC" area, in the shape `Postcode::parse` accepts.

mod bulk;
mod caseloads;
pub use caseloads::{Written as CaseloadsWritten, add_allocations};
mod casework;
pub use casework::{Written as CaseworkWritten, add_history, add_open_cases};
mod families;
mod front_door;
mod names;
mod org;
mod recording;
pub use recording::{BulkNotes, Written as RecordingWritten, add_chronology, add_notes};
mod rng;
pub mod thresholds;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use cairn_db::people::DisabilityRow;
use cairn_db::schema::{id_sequences, offices, teams};
use cairn_db::users::NewUserRow;
use cairn_db::{Backend, DbConn, DbError, audit, people, users};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;

pub use families::{DEMO_AUTHOR, UPN_LA};
pub use org::{DEMO_USERNAMES, EMAIL_DOMAIN};

/// The instant every generated row is dated: the demo's "today". Ages, expected dates of birth
/// and address dates are counted from it. It is fixed so a seed always gives the same data; it
/// is recent so that unborn children are still expected and nobody's date of birth is in the
/// future. Use [`generate_as_at`] for another date.
pub const GENERATED_AT: NaiveDateTime = match NaiveDate::from_ymd_opt(2026, 11, 2) {
    Some(d) => match d.and_hms_opt(9, 0, 0) {
        Some(t) => t,
        None => panic!("09:00:00 is a valid time"),
    },
    None => panic!("2026-11-02 is a valid date"),
};

/// Children per batch handed from the generating thread to the writing one: big enough that
/// handing over is rare, small enough that little memory is held (about 40,000 people).
const BATCH_CHILDREN: u64 = 20_000;

pub const DEFAULT_CHILDREN: u64 = 2_000;
/// The share of children without a referral in the demo's year who have older, closed
/// episodes, in thousandths.
const CASEWORK_HISTORY_PER_MILLE: u32 = 350;
pub const DEFAULT_SEED: u64 = 2009;
pub const DEFAULT_PASSWORD: &str = "demo-county-password";

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Children to create, unborn children included.
    pub children: u64,
    pub seed: u64,
    /// Every demo user's password. It is hashed once and the hash shared: argon2 per user
    /// would take minutes for a large authority.
    pub password: String,
    /// The letters before the number in LA child ids.
    pub local_id_prefix: String,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            children: DEFAULT_CHILDREN,
            seed: DEFAULT_SEED,
            password: DEFAULT_PASSWORD.to_string(),
            local_id_prefix: "C".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DemoSummary {
    pub offices: usize,
    pub teams: usize,
    pub users: usize,
    pub children: u64,
    pub adults: u64,
    pub relationships: u64,
    pub addresses: u64,
    /// Children with casework (assessments, enquiries, plans, visits) on their record.
    pub children_with_casework: u64,
    /// Case notes, management oversight, supervision and the chronology.
    pub recording: RecordingWritten,
    /// Allocations, hours, factors, the overloaded team, snapshots and alerts.
    pub caseloads: CaseloadsWritten,
    /// The fixed log-in for each role, in the order of [`DEMO_USERNAMES`].
    pub logins: Vec<DemoLogin>,
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: String,
    pub role_label: String,
    pub display_name: String,
}

/// How far the generator has got. Stages, in order: "organisation" (0 or 1 of 1), "people"
/// (children written of children requested), "indexes" (indexes rebuilt of those deferred;
/// none on an empty list), "recording" (episodes given their notes and oversight, of all
/// episodes), "caseloads" (snapshots and alerts, 0 or 1 of 1) and "finishing" (0 or 1 of 1).
/// Show unknown stages as they come: more may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(
        "the database already has users or people: demo data can only be added to an empty database"
    )]
    NotEmpty,
    #[error("{0}")]
    InvalidOptions(&'static str),
    #[error(transparent)]
    Password(#[from] cairn_core::passwords::HashError),
    #[error(transparent)]
    Service(#[from] cairn_core::ServiceError),
    #[error("the demo generator ran out of {0}")]
    Exhausted(&'static str),
    #[error("the demo generator went wrong: {0}")]
    Internal(&'static str),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Db(DbError::Query(e))
    }
}

/// True when the database has no users and no people, so demo data may go in.
pub fn is_empty(conn: &mut DbConn) -> Result<bool, DemoError> {
    Ok(users::count(conn)? == 0 && people::count(conn)? == 0)
}

/// Generates Demo County Council into an empty, migrated database, dated [`GENERATED_AT`].
pub fn generate(
    conn: &mut DbConn,
    opts: &DemoOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<DemoSummary, DemoError> {
    generate_as_at(conn, opts, GENERATED_AT, progress)
}

/// As [`generate`], with another "today": for a demo whose ages and dates are current on the
/// day it is made (pass the real date), at the cost of data that differs from day to day.
pub fn generate_as_at(
    conn: &mut DbConn,
    opts: &DemoOptions,
    as_at: NaiveDateTime,
    progress: &mut dyn FnMut(Progress),
) -> Result<DemoSummary, DemoError> {
    let started = Instant::now();
    if opts.password.is_empty() {
        return Err(DemoError::InvalidOptions(
            "Enter a password for the demo users",
        ));
    }
    if !opts
        .local_id_prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric())
        || opts.local_id_prefix.len() > 10
    {
        return Err(DemoError::InvalidOptions(
            "The LA child id prefix must be up to 10 letters and numbers",
        ));
    }
    if !is_empty(conn)? {
        return Err(DemoError::NotEmpty);
    }
    let as_at = cairn_db::truncate_to_micros(as_at);
    progress(Progress {
        stage: "organisation",
        done: 0,
        total: 1,
    });
    let password_hash = cairn_core::passwords::hash(&opts.password)?;
    let base_ms = u64::try_from(as_at.and_utc().timestamp_millis()).unwrap_or(0);
    let mut ids = rng::Ids::new(opts.seed, base_ms);
    let today = chrono::Utc::now().date_naive();
    let organisation = org::build(
        opts.seed,
        opts.children,
        &mut ids,
        org::inspector_expiry(today),
    );

    let saved = bulk_load_settings(conn)?;
    let result = load(
        conn,
        opts,
        as_at,
        ids,
        &organisation,
        &password_hash,
        progress,
    );
    let restored = restore_settings(conn, saved);
    let mut counts = result?;
    restored?;

    // Snapshots and alerts go through the application's services, which open transactions
    // of their own, so they follow the load rather than sit inside it.
    progress(Progress {
        stage: "caseloads",
        done: 0,
        total: 1,
    });
    let (days, alerts) = caseloads::monitor(conn, as_at)?;
    counts.caseloads.snapshot_days = days;
    counts.caseloads.open_alerts = alerts;
    progress(Progress {
        stage: "caseloads",
        done: 1,
        total: 1,
    });

    progress(Progress {
        stage: "finishing",
        done: 0,
        total: 1,
    });
    tidy(conn)?;
    progress(Progress {
        stage: "finishing",
        done: 1,
        total: 1,
    });

    let logins = DEMO_USERNAMES
        .iter()
        .filter_map(|(role, username)| {
            organisation
                .users
                .iter()
                .find(|u| u.fixed_login && u.username == *username)
                .map(|u| DemoLogin {
                    username: u.username.clone(),
                    role_label: role.label().to_string(),
                    display_name: u.display_name.clone(),
                })
        })
        .collect();
    Ok(DemoSummary {
        offices: organisation.offices.len(),
        teams: organisation.teams.len(),
        users: organisation.users.len(),
        children: counts.children,
        adults: counts.adults,
        relationships: counts.relationships,
        addresses: counts.addresses,
        children_with_casework: counts.children_with_casework,
        recording: counts.recording,
        caseloads: counts.caseloads,
        logins,
        elapsed: started.elapsed(),
    })
}

#[derive(Default)]
struct Counts {
    children_with_casework: u64,
    recording: RecordingWritten,
    caseloads: CaseloadsWritten,
    children: u64,
    adults: u64,
    relationships: u64,
    addresses: u64,
}

fn load(
    conn: &mut DbConn,
    opts: &DemoOptions,
    as_at: NaiveDateTime,
    ids: rng::Ids,
    organisation: &org::Organisation,
    password_hash: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<Counts, DemoError> {
    // One transaction for everything: the demo appears whole or not at all (an interrupted
    // run leaves the database as empty as it was), and on SQLite it makes deferring the
    // indexes safe, because the dropped indexes come back on rollback.
    conn.write(|c| -> Result<Counts, DemoError> {
        // Checked again inside the write transaction, in case someone added a user meanwhile.
        if !is_empty(c)? {
            return Err(DemoError::NotEmpty);
        }
        let first_local: i64 = id_sequences::table
            .find("person_local_id")
            .select(id_sequences::next_value)
            .first(c)?;
        let first_local = u64::try_from(first_local).unwrap_or(1).max(1);
        write_organisation(c, organisation, password_hash, as_at)?;
        // The example threshold document (a superseded version 1 and the agreed version 2),
        // recorded as agreed by the demo service manager.
        let threshold_agreer = organisation
            .users
            .iter()
            .find(|u| u.fixed_login && u.role == cairn_domain::roles::Role::ServiceManager)
            .map(|u| u.id.as_str());
        thresholds::write(c, opts.seed, as_at, threshold_agreer)?;
        progress(Progress {
            stage: "organisation",
            done: 1,
            total: 1,
        });

        let deferred = defer_indexes(c, BULK_TABLES)?;
        let generator = families::Generator::new(
            opts.seed,
            ids,
            as_at,
            &opts.local_id_prefix,
            first_local,
            opts.children,
        );
        let (mut counts, next_local) = write_people(c, generator, opts.children, progress)?;
        rebuild_indexes(c, &deferred, progress)?;
        // A year of the front door, about the children just written (see front_door.rs).
        front_door::write(c, opts.seed, as_at, organisation, opts.children)?;
        // What happened after those referrals, and older episodes for a third of the other
        // children (see casework.rs).
        counts.children_with_casework =
            casework::write(c, opts.seed, as_at, CASEWORK_HISTORY_PER_MILLE)?.children;
        // The overloaded children in need team's cases, before the recording so they have
        // notes and oversight like every other (see caseloads.rs).
        counts.children_with_casework +=
            caseloads::open_overloaded_cases(c, opts.seed, as_at, organisation)?;
        // Years of case notes, management oversight and supervision about that casework, and
        // the chronology built from all of it (see recording.rs).
        counts.recording = recording::write(c, opts.seed, as_at, progress)?;
        // Who holds each case, with history; hours, factors and the overloaded team's load.
        counts.caseloads = caseloads::write(c, opts.seed, as_at, organisation)?;

        // Move the LA child id sequence past the ids used, so people added later continue it.
        let next = i64::try_from(next_local).map_err(|_| DemoError::Exhausted("LA child ids"))?;
        diesel::update(
            id_sequences::table
                .find("person_local_id")
                .filter(id_sequences::next_value.lt(next)),
        )
        .set(id_sequences::next_value.eq(next))
        .execute(c)?;
        audit::append(
            c,
            &audit::NewAuditEntry {
                actor_user_id: None,
                actor_label: "Demo generator (command line)".to_string(),
                session_id: None,
                request_id: None,
                action: "demo.generate".to_string(),
                outcome: audit::Outcome::Ok,
                entity_type: None,
                entity_id: None,
                person_id: None,
                detail: json!({
                    "children": opts.children,
                    "seed": opts.seed,
                    "adults": counts.adults,
                    "users": organisation.users.len(),
                    "generated_at": as_at.to_string(),
                }),
            },
        )?;
        Ok(counts)
    })
}

/// Generates families on a second thread while this one writes them. Building rows (names,
/// search keys, JSON snapshots) and writing them each want a core; the generator alone draws
/// the random numbers, in order, so the data is the same as if it ran inline. Returns the
/// counts and the next LA child id number.
fn write_people(
    c: &mut DbConn,
    mut generator: families::Generator,
    total: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Counts, u64), DemoError> {
    progress(Progress {
        stage: "people",
        done: 0,
        total,
    });
    let mut counts = Counts::default();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Result<families::Batch, DemoError>>(2);
        // Written batches go back to be freed on the generating thread: freeing millions of
        // strings is real work, and glibc frees memory fastest on the thread that made it.
        let (back_tx, back_rx) = mpsc::channel::<families::Batch>();
        let producer = scope.spawn(move || {
            while !generator.done() {
                while let Ok(old) = back_rx.try_recv() {
                    drop(old);
                }
                let batch = generator.batch(BATCH_CHILDREN);
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    break;
                }
            }
            generator.next_local()
        });
        let mut written: Result<(), DemoError> = Ok(());
        for batch in rx.iter() {
            let step = batch.and_then(|b| {
                write_batch(c, &b)?;
                counts.children += b.children;
                counts.adults += b.adults;
                counts.relationships += b.relationships.len() as u64;
                counts.addresses += b.addresses.len() as u64;
                // Once the generator has finished this fails and the batch is freed here.
                let _ = back_tx.send(b);
                Ok(())
            });
            if let Err(e) = step {
                written = Err(e);
                break;
            }
            progress(Progress {
                stage: "people",
                done: counts.children,
                total,
            });
        }
        // Dropping the receiver stops the generator at its next send.
        drop(rx);
        let next_local = producer
            .join()
            .map_err(|_| DemoError::Internal("the generating thread stopped"))?;
        written.map(|()| (counts, next_local))
    })
}

fn write_organisation(
    c: &mut DbConn,
    o: &org::Organisation,
    password_hash: &str,
    at: NaiveDateTime,
) -> Result<(), DemoError> {
    // Written directly rather than through organisation::insert_office/insert_team, which
    // stamp the real time: the demo's rows carry the fixed generation instant.
    for office in &o.offices {
        diesel::insert_into(offices::table)
            .values((
                offices::id.eq(&office.id),
                offices::name.eq(office.name),
                offices::created_at.eq(at),
            ))
            .execute(c)?;
    }
    for team in &o.teams {
        diesel::insert_into(teams::table)
            .values((
                teams::id.eq(&team.id),
                teams::office_id.eq(&team.office_id),
                teams::name.eq(&team.name),
                teams::service.eq(team.service.code()),
                teams::active.eq(true),
                teams::created_at.eq(at),
                teams::updated_at.eq(at),
            ))
            .execute(c)?;
    }
    let rows: Vec<NewUserRow<'_>> = o
        .users
        .iter()
        .map(|u| NewUserRow {
            id: &u.id,
            username: &u.username,
            display_name: &u.display_name,
            email: &u.email,
            role: u.role.code(),
            team_id: u.team_id.as_deref(),
            password_hash,
            must_change_password: false,
            active: true,
            access_expires_on: u.access_expires_on,
            failed_login_count: 0,
            password_changed_at: at,
            created_at: at,
            updated_at: at,
            version: 1,
        })
        .collect();
    users::insert_many(c, &rows)?;
    Ok(())
}

fn write_batch(c: &mut DbConn, b: &families::Batch) -> Result<(), DemoError> {
    bulk::people(c, &b.people)?;
    people::insert_names(c, &b.names)?;
    let disabilities: Vec<DisabilityRow<'_>> = b
        .disabilities
        .iter()
        .filter_map(|(i, code)| {
            b.people.get(*i).map(|p| DisabilityRow {
                person_id: &p.id,
                code,
            })
        })
        .collect();
    people::insert_disabilities(c, &disabilities)?;
    bulk::versions(c, &b.versions)?;
    bulk::addresses(c, &b.addresses)?;
    bulk::relationships(c, &b.relationships)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    synchronous: i32,
}

#[derive(QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cache_size: i64,
}

#[derive(QueryableByName)]
struct Threads {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    threads: i32,
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

/// SQLite settings in force before a bulk load, to put back afterwards.
pub(crate) struct Saved {
    synchronous: i32,
    cache_size: i64,
    threads: i32,
    journal_mode: String,
}

/// SQLite settings for the load only, all put back by [`restore_settings`]:
///
/// - a rollback journal instead of the write-ahead log when no other connection has the
///   database open (otherwise SQLite keeps WAL and this changes nothing). The load is one
///   transaction into an empty database, so nearly every page is new and needs no journal; in
///   WAL mode each page would be written twice, to the log and then to the database;
/// - no fsync (`synchronous = OFF`): an interrupted process still rolls back cleanly, and only
///   a power cut in the middle of a load could damage the (demo) database;
/// - a bigger page cache, since a million people's indexes outgrow the default one, and a
///   second thread for the sorts that rebuild the indexes.
pub(crate) fn bulk_load_settings(conn: &mut DbConn) -> Result<Option<Saved>, DemoError> {
    let DbConn::Sqlite(c) = conn else {
        return Ok(None);
    };
    let synchronous = diesel::sql_query("PRAGMA synchronous")
        .get_result::<Synchronous>(c)?
        .synchronous;
    let cache_size = diesel::sql_query("PRAGMA cache_size")
        .get_result::<CacheSize>(c)?
        .cache_size;
    let threads = diesel::sql_query("PRAGMA threads")
        .get_result::<Threads>(c)?
        .threads;
    let journal_mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result::<JournalMode>(c)?
        .journal_mode;
    c.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -524288; PRAGMA threads = 2;")?;
    set_journal_mode(c, "delete")?;
    Ok(Some(Saved {
        synchronous,
        cache_size,
        threads,
        journal_mode,
    }))
}

#[derive(QueryableByName)]
struct BusyTimeout {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    timeout: i32,
}

/// Changes the journal mode if SQLite allows it now. Leaving WAL needs the database to
/// itself: with other connections open SQLite answers "database is locked", and the load simply
/// keeps WAL (slower, still correct). The busy timeout is lifted meanwhile so that answer comes
/// at once instead of after ten seconds.
fn set_journal_mode(c: &mut diesel::SqliteConnection, mode: &str) -> Result<(), DemoError> {
    let busy = diesel::sql_query("PRAGMA busy_timeout")
        .get_result::<BusyTimeout>(c)?
        .timeout;
    c.batch_execute("PRAGMA busy_timeout = 0")?;
    let _refused_when_shared =
        diesel::sql_query(format!("PRAGMA journal_mode = {mode}")).get_result::<JournalMode>(c);
    c.batch_execute(&format!("PRAGMA busy_timeout = {busy}"))?;
    Ok(())
}

pub(crate) fn restore_settings(conn: &mut DbConn, saved: Option<Saved>) -> Result<(), DemoError> {
    if let (DbConn::Sqlite(c), Some(s)) = (conn, saved) {
        // Only known mode names go back into the statement.
        let mode = match s.journal_mode.to_ascii_lowercase().as_str() {
            m @ ("wal" | "delete" | "truncate" | "persist" | "memory" | "off") => m.to_string(),
            _ => "wal".to_string(),
        };
        set_journal_mode(c, &mode)?;
        c.batch_execute(&format!(
            "PRAGMA synchronous = {}; PRAGMA cache_size = {}; PRAGMA threads = {};",
            s.synchronous, s.cache_size, s.threads
        ))?;
    }
    Ok(())
}

/// The tables the bulk load fills.
const BULK_TABLES: &str = "'people', 'person_names', 'person_disabilities', 'person_versions', 'addresses', 'relationships'";

#[derive(QueryableByName)]
pub(crate) struct IndexDefinition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// Drops the plain (not unique) indexes of `tables` (a quoted, comma-separated list), which
/// are about to be filled, and returns their definitions. Keeping seven search indexes on `people` up to date row by row took
/// four-fifths of a million-child SQLite load; building each once at the end, from sorted
/// keys, takes a second or three. The caller's transaction puts them back if anything fails
/// (DDL is transactional on both databases), and [`rebuild_indexes`] recreates them from the
/// database's own record of the migrations' SQL. Unique indexes stay, so duplicates are still
/// refused as they are written.
pub(crate) fn defer_indexes(
    c: &mut DbConn,
    tables: &str,
) -> Result<Vec<IndexDefinition>, DemoError> {
    let query = match c.backend() {
        Backend::Sqlite => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({tables}) ORDER BY name"
        ),
        Backend::Postgres => format!(
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes \
             WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE%' \
             AND tablename IN ({tables}) ORDER BY indexname"
        ),
    };
    let indexes: Vec<IndexDefinition> = diesel::sql_query(query).load(c)?;
    for index in &indexes {
        c.batch_execute(&format!(
            "DROP INDEX \"{}\"",
            index.name.replace('"', "\"\"")
        ))?;
    }
    Ok(indexes)
}

pub(crate) fn rebuild_indexes(
    c: &mut DbConn,
    indexes: &[IndexDefinition],
    progress: &mut dyn FnMut(Progress),
) -> Result<(), DemoError> {
    let total = indexes.len() as u64;
    for (done, index) in indexes.iter().enumerate() {
        progress(Progress {
            stage: "indexes",
            done: done as u64,
            total,
        });
        c.batch_execute(&index.sql)?;
    }
    progress(Progress {
        stage: "indexes",
        done: total,
        total,
    });
    Ok(())
}

/// Fresh planner statistics for the tables just filled, and on SQLite a checkpoint so the
/// write-ahead log does not stay the size of the last batch.
fn tidy(conn: &mut DbConn) -> Result<(), DemoError> {
    match conn.backend() {
        Backend::Sqlite => conn.batch_execute(
            // A sampled ANALYZE: exact counts would read the whole database again.
            "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?,
        Backend::Postgres => conn.batch_execute(
            "ANALYZE people; ANALYZE person_names; ANALYZE person_disabilities; \
             ANALYZE person_versions; ANALYZE addresses; ANALYZE relationships; ANALYZE users;",
        )?,
    }
    Ok(())
}
