//! Scenarios for server kinds: the judge drives the submission's server from outside the
//! box, and what it observes becomes the case's observation.

pub mod tcp;
