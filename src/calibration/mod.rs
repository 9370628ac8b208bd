//! Calibration: the free parameters' values with which the model
//! reproduces observed figures (issue 13, in progress: the algorithm only).

pub mod apmc;
pub mod targets;
