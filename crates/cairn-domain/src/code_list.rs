//! The one macro behind every closed list of codes (CIN census lists, roles, actions,
//! relationship kinds), so that the code ↔ label ↔ variant mapping is written exactly once
//! per value and cannot drift between `code`, `label`, `from_code` and `ALL`.

/// Declares a `Copy` enum whose variants each carry a stable code (what is stored and
/// exported) and a human label (what is shown).
///
/// Generated for each enum: `code()`, `label()`, `from_code()`, `ALL`, `Display` (the label),
/// `FromStr` (the code), serde as the code string, and an implementation of
/// [`crate::codes::CodeList`] so forms can render any list generically.
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $code:literal => $label:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[doc = concat!("`", $code, "`: ", $label)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order the list is usually presented.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable code, as stored and exported.
            pub const fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// The human-readable description.
            pub const fn label(&self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }

            /// The value with exactly this code. Codes are case-sensitive because the
            /// exports must reproduce them byte for byte.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::codes::UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s).ok_or_else(|| $crate::codes::UnknownCode {
                    list: stringify!($name),
                    code: s.to_owned(),
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::from_code(&code).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::invalid_value(
                        ::serde::de::Unexpected::Str(&code),
                        &concat!("a ", stringify!($name), " code"),
                    )
                })
            }
        }

        impl $crate::codes::CodeList for $name {
            const ALL: &'static [Self] = $name::ALL;

            fn code(&self) -> &'static str {
                $name::code(self)
            }

            fn label(&self) -> &'static str {
                $name::label(self)
            }

            fn from_code(code: &str) -> Option<Self> {
                $name::from_code(code)
            }
        }
    };
}

pub(crate) use code_list;
