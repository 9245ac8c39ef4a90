#[path = "../../src/sandbox/answers.rs"]
mod answers;

pub use answers::parts;
