//! What a deviation is about. Stored, decided on and shown in the JSON
//! report as text ("text", "structure", "page", "declared", "capture",
//! "pixels:1280x800"); in code a type, so a misspelt kind cannot compile
//! and every `match` says what it does with each.

use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The visible text of a page changed.
    Text,
    /// The form changed: a field added, removed, renamed, retyped, reordered.
    Structure,
    /// A page exists on one side only.
    Page,
    /// A local adaptation the overlay declares: shown, never decided.
    Declared,
    /// The variant could not be captured: an error, never decided.
    Capture,
    /// The rendering differs in one viewport ("1280x800").
    Pixels(String),
}

const PIXELS: &str = "pixels:";

impl Kind {
    /// The stored form.
    pub fn as_str(&self) -> Cow<'static, str> {
        match self {
            Kind::Pixels(viewport) => Cow::Owned(format!("{PIXELS}{viewport}")),
            other => Cow::Borrowed(other.word()),
        }
    }

    fn sort_key(&self) -> (&'static str, &str) {
        match self {
            Kind::Pixels(viewport) => (PIXELS, viewport),
            other => (other.word(), ""),
        }
    }

    /// The stored word, or its prefix for pixels.
    fn word(&self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Structure => "structure",
            Kind::Page => "page",
            Kind::Declared => "declared",
            Kind::Capture => "capture",
            Kind::Pixels(_) => PIXELS,
        }
    }

    /// Read the stored form; `None` for a word no version of Provrum wrote.
    pub fn parse(stored: &str) -> Option<Kind> {
        Some(match stored {
            "text" => Kind::Text,
            "structure" => Kind::Structure,
            "page" => Kind::Page,
            "declared" => Kind::Declared,
            "capture" => Kind::Capture,
            other => Kind::Pixels(other.strip_prefix(PIXELS)?.to_string()),
        })
    }

    /// The viewport of a pixel deviation.
    pub fn viewport(&self) -> Option<&str> {
        match self {
            Kind::Pixels(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_pixels(&self) -> bool {
        matches!(self, Kind::Pixels(_))
    }

    /// Whether e-kontoret approves or flags it: declared adaptations and
    /// capture errors are not theirs to decide.
    pub fn decidable(&self) -> bool {
        !matches!(self, Kind::Declared | Kind::Capture)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// In the order of the stored words, as when kinds were text: lists sorted
/// by kind keep their order. No other word starts like "pixels:", so the
/// prefix and then the viewport order as the whole word would.
impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

/// `base` for the base, `version` for any other version.
pub fn reference_kind(reference: &str) -> &'static str {
    if reference == "base" {
        "base"
    } else {
        "version"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_itself_and_unknown_words_are_refused() {
        for k in [
            Kind::Text,
            Kind::Structure,
            Kind::Page,
            Kind::Declared,
            Kind::Capture,
            Kind::Pixels("390x844".into()),
        ] {
            assert_eq!(Kind::parse(&k.as_str()), Some(k.clone()), "{k}");
            assert_eq!(serde_json::to_value(&k).unwrap(), k.as_str().as_ref());
        }
        assert_eq!(Kind::parse("txt"), None);
        assert_eq!(Kind::parse("pixel:1280x800"), None);
        assert!(!Kind::Declared.decidable() && Kind::Pixels("x".into()).decidable());
        assert!(Kind::Page < Kind::Pixels("1".into()) && Kind::Structure < Kind::Text);
    }
}
