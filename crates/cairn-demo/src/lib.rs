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
//! # What is left out
//!
//! No case events are written for generated people (a million `person.recorded` events would
//! double the load time and say nothing), and the whole run is one `demo.generate` audit row.
//! Data goes in transactions of about 20,000 children; a failure part-way leaves the batches
//! already written, so generate into a fresh database and start again from a fresh one.
//!
//! # Identifiers
//!
//! NHS numbers (about 90% of born children, half of adults) are valid modulus-11 numbers counted
//! down from the 999 range, which the NHS never issues to patients, so they cannot be a real
//! person's. UPNs (about 70% of children aged four and over) have a valid check letter, the LA
//! number [`UPN_LA`] and a unique counter. LA child ids are `LaChildId::from_sequence` numbers
//! and the `person_local_id` sequence is moved past the last one used. Postcodes are in the
//! invented "DC" area, in the shape `Postcode::parse` accepts.

mod families;
mod names;
mod org;
mod rng;

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

/// Children written per transaction: big enough that commits are rare, small enough that
/// the SQLite write-ahead log and the memory held stay modest (about 40,000 people a batch).
const BATCH_CHILDREN: u64 = 20_000;

pub const DEFAULT_CHILDREN: u64 = 2_000;
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
/// (children written of children requested), "finishing" (0 or 1 of 1).
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
    let counts = result?;
    restored?;

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
        logins,
        elapsed: started.elapsed(),
    })
}

#[derive(Default)]
struct Counts {
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
    let first_local: i64 = id_sequences::table
        .find("person_local_id")
        .select(id_sequences::next_value)
        .first(conn)?;
    let first_local = u64::try_from(first_local).unwrap_or(1).max(1);

    conn.write(|c| write_organisation(c, organisation, password_hash, as_at))?;
    progress(Progress {
        stage: "organisation",
        done: 1,
        total: 1,
    });
    progress(Progress {
        stage: "people",
        done: 0,
        total: opts.children,
    });

    let mut generator = families::Generator::new(
        opts.seed,
        ids,
        as_at,
        &opts.local_id_prefix,
        first_local,
        opts.children,
    );
    let mut counts = Counts::default();
    // Building rows (names, search keys, JSON snapshots) and writing them each take a core,
    // so one thread generates while this one writes. The generator alone draws random numbers,
    // in order, so the data is the same as if it ran inline.
    let next_local = std::thread::scope(|scope| -> Result<u64, DemoError> {
        let (tx, rx) = mpsc::sync_channel::<Result<families::Batch, DemoError>>(2);
        let producer = scope.spawn(move || {
            while !generator.done() {
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
                conn.write(|c| write_batch(c, &b))?;
                counts.children += b.children;
                counts.adults += b.adults;
                counts.relationships += b.relationships.len() as u64;
                counts.addresses += b.addresses.len() as u64;
                Ok(())
            });
            if let Err(e) = step {
                written = Err(e);
                // Dropping the receiver stops the producer at its next send.
                break;
            }
            progress(Progress {
                stage: "people",
                done: counts.children,
                total: opts.children,
            });
        }
        drop(rx);
        let next_local = producer
            .join()
            .map_err(|_| DemoError::Internal("the generating thread stopped"))?;
        written.map(|()| next_local)
    })?;

    conn.write(|c| -> Result<(), DemoError> {
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
        Ok(())
    })?;
    Ok(counts)
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
    people::insert_people(c, &b.people)?;
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
    people::insert_versions(c, &b.versions)?;
    people::insert_addresses(c, &b.addresses)?;
    people::insert_relationships(c, &b.relationships)?;
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

/// SQLite settings in force before a bulk load, to put back afterwards.
struct Saved {
    synchronous: i32,
    cache_size: i64,
}

/// On SQLite, for the load only: no fsync per commit (a crash part-way loses a demo, never
/// real data; the database is put back to its normal durability straight after) and a bigger
/// page cache, since the indexes of a million people outgrow the default one.
fn bulk_load_settings(conn: &mut DbConn) -> Result<Option<Saved>, DemoError> {
    let DbConn::Sqlite(c) = conn else {
        return Ok(None);
    };
    let synchronous = diesel::sql_query("PRAGMA synchronous")
        .get_result::<Synchronous>(c)?
        .synchronous;
    let cache_size = diesel::sql_query("PRAGMA cache_size")
        .get_result::<CacheSize>(c)?
        .cache_size;
    c.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -524288;")?;
    Ok(Some(Saved {
        synchronous,
        cache_size,
    }))
}

fn restore_settings(conn: &mut DbConn, saved: Option<Saved>) -> Result<(), DemoError> {
    if let (DbConn::Sqlite(c), Some(s)) = (conn, saved) {
        c.batch_execute(&format!(
            "PRAGMA synchronous = {}; PRAGMA cache_size = {};",
            s.synchronous, s.cache_size
        ))?;
    }
    Ok(())
}

/// Fresh planner statistics for the tables just filled, and on SQLite a checkpoint so the
/// write-ahead log does not stay the size of the last batch.
fn tidy(conn: &mut DbConn) -> Result<(), DemoError> {
    match conn.backend() {
        Backend::Sqlite => conn.batch_execute(
            // A sampled ANALYZE: exact counts would read the whole database again.
            "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);",
        )?,
        Backend::Postgres => conn.batch_execute(
            "ANALYZE people; ANALYZE person_names; ANALYZE person_disabilities; \
             ANALYZE person_versions; ANALYZE addresses; ANALYZE relationships; ANALYZE users;",
        )?,
    }
    Ok(())
}
