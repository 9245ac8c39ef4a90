//! What a conversion says back: the problem that stops it, the notes on
//! what it could not carry over; and the options it is run with.

/// Why a file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Problem {
    pub fn at(line: u32, col: u32, message: String) -> Problem {
        Problem { line, col, message }
    }
}

/// Something the conversion could not carry over as it was, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: u32,
    pub col: u32,
    pub message: String,
    /// The municipality whose own copy it is about (`None`: the base flow).
    pub municipality: Option<String>,
}

#[derive(Debug, Default)]
pub struct Notes(pub Vec<Note>);

impl Notes {
    pub fn warn(&mut self, (line, col): (u32, u32), message: String) {
        self.0.push(Note {
            line,
            col,
            message,
            municipality: None,
        });
    }
}

/// How a flow becomes a package.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The version instead of the flow's own.
    pub version: Option<String>,
    /// The municipalities taking part (empty: every one in the registry).
    pub municipalities: Vec<String>,
    /// Municipalities' own copies of the flow (municipality, file): each
    /// becomes its overlay.
    pub variants: Vec<(String, std::path::PathBuf)>,
}
