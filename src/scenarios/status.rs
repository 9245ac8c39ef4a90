//! A run's status as `runs.status` stores it: still running, or how it
//! ended. A cell's own status is `runner::Status`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    /// Every cell passed.
    Passed,
    /// A cell failed (and none ended in a browser error).
    Failed,
    /// A cell could not be carried out, or nothing ran at all.
    Error,
    /// Stopped before every cell ran: asked to, or its process died.
    Interrupted,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Passed,
        RunStatus::Failed,
        RunStatus::Error,
        RunStatus::Interrupted,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::Error => "error",
            RunStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        Self::ALL.into_iter().find(|x| x.slug() == s)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// Read from the database's text (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for RunStatus {
    type Error = String;
    fn try_from(s: String) -> Result<RunStatus, String> {
        RunStatus::parse(&s).ok_or_else(|| format!("unknown run status `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::RunStatus;

    #[test]
    fn every_status_reads_back_from_its_slug() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.slug()), Some(s));
            assert_eq!(RunStatus::try_from(s.to_string()), Ok(s));
        }
        assert!(RunStatus::try_from("done".to_string()).is_err());
    }
}
