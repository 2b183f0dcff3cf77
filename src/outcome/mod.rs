//! The data that crosses stages: what a run observed, what grading concluded, and the events
//! reporters hear. Every stage may use it; it uses no stage.
pub mod observation;
pub use observation::*;
