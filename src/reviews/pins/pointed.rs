//! What a reviewer pointed at on a sandbox page, as it arrives from the
//! page's script: checked before anything is rendered.

/// The narrowest and widest page a shot is rendered at.
const WIDTHS: std::ops::RangeInclusive<u32> = 320..=1920;
/// At most this many typed values are carried over to the render.
const MAX_VALUES: usize = 400;

/// What was pointed at, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Pointed {
    /// Element positions from `<body>`, as "3.0.2" (empty: the body).
    pub path: String,
    /// Where in the element, as fractions of its width and height.
    pub at: (f64, f64),
    /// The reviewer's window width, clamped to [`WIDTHS`].
    pub width: u32,
    /// What the step's form held when they pointed: (name, value), and the
    /// names of every control, so an unticked box is unticked in the render.
    pub values: Vec<(String, String)>,
    pub names: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PointError {
    #[error("the element path must be numbers joined by dots, at most 64 deep")]
    Path,
    #[error("the typed values must be a JSON list of [name, value] pairs (at most {MAX_VALUES})")]
    Values,
}

impl Pointed {
    /// From the sandbox page's script: `path`, `fx`/`fy`, `width`, and the
    /// form's values as JSON.
    pub fn parse(
        path: &str,
        fx: &str,
        fy: &str,
        width: &str,
        values: &str,
        names: &str,
    ) -> Result<Pointed, PointError> {
        let path = path.trim();
        let parts: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').collect()
        };
        if parts.len() > 64
            || parts
                .iter()
                .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(PointError::Path);
        }
        let fraction = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map_or(0.5, |f| f.clamp(0.0, 1.0))
        };
        let width = width
            .trim()
            .parse::<u32>()
            .unwrap_or(1280)
            .clamp(*WIDTHS.start(), *WIDTHS.end());
        let values: Vec<(String, String)> = if values.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(values).map_err(|_| PointError::Values)?
        };
        let names: Vec<String> = if names.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(names).map_err(|_| PointError::Values)?
        };
        if values.len() > MAX_VALUES || names.len() > MAX_VALUES {
            return Err(PointError::Values);
        }
        Ok(Pointed {
            path: parts.join("."),
            at: (fraction(fx), fraction(fy)),
            width,
            values,
            names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_pointed_at_is_checked() {
        let p = Pointed::parse("3.0.12", "0.25", "2", "390", r#"[["a","b"]]"#, r#"["a"]"#)
            .expect("valid");
        assert_eq!(p.path, "3.0.12");
        assert_eq!(p.at, (0.25, 1.0), "fractions are clamped");
        assert_eq!(p.width, 390);
        assert_eq!(p.values, vec![("a".to_string(), "b".to_string())]);
        assert_eq!(
            Pointed::parse("", "x", "", "99999", "", "").unwrap().width,
            1920
        );
        for bad in ["1..2", "a.b", "1.2.", "12345", "1);alert(1"] {
            assert_eq!(
                Pointed::parse(bad, "0", "0", "1280", "", ""),
                Err(PointError::Path),
                "{bad}"
            );
        }
        let deep = vec!["1"; 65].join(".");
        assert_eq!(
            Pointed::parse(&deep, "0", "0", "1280", "", ""),
            Err(PointError::Path)
        );
        assert_eq!(
            Pointed::parse("1", "0", "0", "1280", "{\"a\":1}", ""),
            Err(PointError::Values)
        );
    }
}
