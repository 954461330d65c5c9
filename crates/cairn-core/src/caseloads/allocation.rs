//! Allocating and reallocating a child's case or a piece of work, with the allocation screen's candidates and their loads.
