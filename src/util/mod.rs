//! Small helpers every stage may use: text neutralising and cutting, units, digests.
pub mod digest;
pub mod socket;
pub mod text;
pub mod units;
