//! Forms submitted after their session expired, kept until their author signs in again.
