//! Generators: pure functions from the model to the text of each output.

pub mod probe_sites;
