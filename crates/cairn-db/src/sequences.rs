//! Named counters for identifiers people read (such as the LA child ID).

use diesel::prelude::*;

use crate::DbConn;
use crate::error::DbError;
use crate::schema::id_sequences;

/// Reserves `count` consecutive values and returns the first. Atomic on both databases: the
/// increment and the read are one statement.
pub fn reserve(conn: &mut DbConn, name: &str, count: i64) -> Result<i64, DbError> {
    let next: i64 = diesel::update(id_sequences::table.find(name))
        .set(id_sequences::next_value.eq(id_sequences::next_value + count))
        .returning(id_sequences::next_value)
        .get_result(conn)?;
    Ok(next - count)
}
