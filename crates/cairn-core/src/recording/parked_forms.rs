//! Forms parked when a session expired, handed back to their author after sign-in.
