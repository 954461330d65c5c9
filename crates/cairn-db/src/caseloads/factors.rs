//! Case weighting factors set by managers.
