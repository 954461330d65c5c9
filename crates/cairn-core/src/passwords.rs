//! Password hashing (argon2id) and the password rules.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::Rng;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

#[derive(Debug, thiserror::Error)]
#[error("could not hash the password: {0}")]
pub struct HashError(String);

pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// False for a wrong password and for a stored hash that cannot be read.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real check, so that an unknown username cannot be told apart from
/// a wrong password by how long the answer takes.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("cairn-dummy-password").unwrap_or_default());
    let _ = verify(password, stored);
}

/// Why a new password is not acceptable, as a GOV.UK error message; None when it is.
pub fn policy_problem(password: &str, username: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Some("Password must be 12 characters or more");
    }
    if len > MAX_LENGTH {
        return Some("Password must be 256 characters or fewer");
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Some("Password must not be one character repeated");
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Some("Password must not contain your username");
    }
    None
}

/// A temporary password an administrator reads out or sends: 4 groups of 4 letters and digits
/// without look-alikes (0/O, 1/l/I).
pub fn generate_temporary() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn the_policy_explains_itself() {
        assert_eq!(
            policy_problem("short", "amy"),
            Some("Password must be 12 characters or more")
        );
        assert!(policy_problem("aaaaaaaaaaaaaa", "amy").is_some());
        assert!(policy_problem("xxamysmith-password", "amysmith").is_some());
        assert_eq!(policy_problem("a perfectly fine phrase", "amy"), None);
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let p = generate_temporary();
        assert_eq!(p.len(), 19);
        assert_eq!(policy_problem(&p, "someone"), None);
        assert_ne!(p, generate_temporary());
    }
}
