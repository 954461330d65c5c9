//! National and local identifiers for children, with the validation the NHS, the DfE and
//! Royal Mail define for them (NHS Digital, the DfE and Royal Mail).
//!
//! Every parser accepts what people actually type (spaces, hyphens, lower case) and returns
//! a normalised value, or an error whose message can be shown to the user as it is.

mod la_child_id;
mod la_code;
mod nhs_number;
mod postcode;
mod upn;

pub use la_child_id::{LaChildId, LaChildIdError};
pub use la_code::{LaCode, LaCodeError, is_recognised_upn_la};
pub use nhs_number::{NhsNumber, NhsNumberError, nhs_check_digit};
pub use postcode::{Postcode, PostcodeError, normalise_postcode_for_search};
pub use upn::{Upn, UpnError, UpnKind, upn_check_letter};

/// Implements serde for an identifier as its canonical string, re-validating on the way in
/// so that a stored or posted value can never bypass the checks.
macro_rules! serde_as_validated_string {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

pub(crate) use serde_as_validated_string;
