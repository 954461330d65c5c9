//! Name normalisation, phonetic keys and similarity for finding people, including possible
//! duplicates (a safeguarding risk: two records for one child split the history).
//!
//! These run for every row of a search over a million people, so they work char by char
//! with one output allocation and no regular expressions.

use rphonetic::{DoubleMetaphone, Encoder};

/// Folds a lower-case Latin letter with a diacritic, or a Latin ligature, to plain ASCII.
/// Returns `None` for characters that need no folding or have no ASCII equivalent.
fn fold_latin(c: char) -> Option<&'static str> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' => "a",
        'æ' | 'ǣ' | 'ǽ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ŋ' => "ng",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    };
    Some(folded)
}

/// Combining diacritical marks, as left by text typed or pasted in decomposed form
/// ("e" followed by U+0301); dropping them folds such text like its precomposed form.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn push_normalised_char(c: char, out: &mut String) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
        return;
    }
    for lower in c.to_lowercase() {
        if let Some(folded) = fold_latin(lower) {
            out.push_str(folded);
        } else if lower.is_alphanumeric() && !is_combining_mark(lower) {
            out.push(lower);
        }
    }
}

/// The form names are stored and compared in: lower case, common Latin diacritics folded to
/// ASCII, and everything that is not a letter or digit dropped, so spelling variants of
/// punctuation and spacing meet: "O'Brien-Smith" → "obriensmith", "Zoë" → "zoe".
///
/// Letters of other scripts are kept (lower-cased) rather than lost.
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        push_normalised_char(c, &mut out);
    }
    out
}

/// A Double Metaphone (primary) key of the normalised name, so that "Smith" and "Smyth",
/// or "Catherine" and "Kathryn", share a key. Empty for an empty name.
///
/// Only the ASCII letters of the normalised name are encoded: the algorithm is defined for
/// Latin letters, and the encoder indexes by byte. The key is at most 4 characters, the
/// encoder's standard length, so it works as a coarse blocking key that similarity refines.
pub fn phonetic_key(name: &str) -> String {
    let letters: String = normalise_name(name)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() {
        return String::new();
    }
    DoubleMetaphone::default().encode(&letters)
}

/// How alike two names are, from 0.0 (nothing shared) to 1.0 (identical once normalised),
/// by Jaro-Winkler, which rewards a shared beginning as names usually have.
///
/// An empty name is similar to nothing, not even another empty name: a missing name is no
/// evidence that two records are the same person.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    similarity_of_normalised(&normalise_name(a), &normalise_name(b))
}

/// [`name_similarity`] for names already passed through [`normalise_name`], so a search can
/// normalise the query once and compare it against the stored normalised column.
pub fn similarity_of_normalised(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::jaro_winkler(a, b).clamp(0.0, 1.0)
}

/// Splits what someone typed into a search box ("Jon Smyth", "Smith, Jane") into normalised
/// tokens, one per word. A hyphenated or apostrophised word stays one token ("obriensmith"),
/// matching how the stored name was normalised.
pub fn name_tokens(full: &str) -> Vec<String> {
    full.split(|c: char| c.is_whitespace() || c == ',')
        .map(normalise_name)
        .filter(|token| !token.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn drops_punctuation_spaces_and_case() {
        assert_eq!(normalise_name("O'Brien-Smith"), "obriensmith");
        assert_eq!(normalise_name("O’Brien"), "obrien");
        assert_eq!(normalise_name("  Mary Ann  "), "maryann");
        assert_eq!(normalise_name("St. John"), "stjohn");
        assert_eq!(normalise_name(""), "");
        assert_eq!(normalise_name("-- ' --"), "");
    }

    #[test]
    fn folds_common_latin_diacritics() {
        assert_eq!(normalise_name("Zoë"), "zoe");
        assert_eq!(normalise_name("Renée"), "renee");
        assert_eq!(normalise_name("Łukasz Wójcik"), "lukaszwojcik");
        assert_eq!(normalise_name("Ștefan Țurcanu"), "stefanturcanu");
        assert_eq!(normalise_name("Straße"), "strasse");
        assert_eq!(normalise_name("ÆSIR"), "aesir");
        assert_eq!(normalise_name("Şükrü Çelik"), "sukrucelik");
        assert_eq!(normalise_name("Dvořák"), "dvorak");
    }

    #[test]
    fn decomposed_accents_fold_like_precomposed_ones() {
        let decomposed = "Zoe\u{0308}";
        assert_eq!(normalise_name(decomposed), normalise_name("Zoë"));
    }

    #[test]
    fn keeps_letters_of_other_scripts() {
        assert_eq!(normalise_name("Ольга"), "ольга");
        assert_eq!(normalise_name("محمد"), "محمد");
    }

    #[test]
    fn phonetic_keys_match_spelling_variants() {
        assert_eq!(phonetic_key("Smith"), phonetic_key("Smyth"));
        assert_eq!(phonetic_key("Catherine"), phonetic_key("Kathryn"));
        assert_eq!(phonetic_key("O'Brien"), phonetic_key("obrien"));
        assert_ne!(phonetic_key("Smith"), phonetic_key("Jones"));
        assert_eq!(phonetic_key("Smith"), "SM0");
    }

    #[test]
    fn phonetic_key_is_empty_without_latin_letters() {
        assert_eq!(phonetic_key(""), "");
        assert_eq!(phonetic_key("  -' "), "");
        assert_eq!(phonetic_key("Ольга"), "");
    }

    #[test]
    fn similarity_ranks_close_spellings_above_different_names() {
        assert!((name_similarity("O'Brien", "obrien") - 1.0).abs() < f64::EPSILON);
        let close = name_similarity("Jon", "John");
        let far = name_similarity("Jon", "Priya");
        assert!(close > 0.85, "close was {close}");
        assert!(far < 0.6, "far was {far}");
        assert!(close > far);
    }

    #[test]
    fn empty_names_are_similar_to_nothing() {
        assert_eq!(name_similarity("", ""), 0.0);
        assert_eq!(name_similarity("Smith", " "), 0.0);
    }

    #[test]
    fn search_text_splits_into_normalised_tokens() {
        assert_eq!(name_tokens("Jon Smyth"), vec!["jon", "smyth"]);
        assert_eq!(name_tokens("  Smith,Jane  "), vec!["smith", "jane"]);
        assert_eq!(
            name_tokens("O'Brien-Smith  Zoë"),
            vec!["obriensmith", "zoe"]
        );
        assert!(name_tokens(" , - ").is_empty());
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(name in any::<String>()) {
            let once = normalise_name(&name);
            prop_assert_eq!(normalise_name(&once), once);
        }

        #[test]
        fn phonetic_key_never_panics_and_is_deterministic(name in any::<String>()) {
            prop_assert_eq!(phonetic_key(&name), phonetic_key(&name));
        }

        #[test]
        fn similarity_stays_in_range(a in any::<String>(), b in any::<String>()) {
            let s = name_similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }
}
