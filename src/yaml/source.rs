//! Reading a human-written file safely: only regular files, bounded in size,
//! UTF-8 checked with the position of the first bad byte.
//!
//! Package folders come from package authors, so a folder may hold a FIFO
//! (reading it blocks for ever), a symbolic link out of the package or back
//! into it, a 50 MB file or a binary file. Each becomes a [`Diagnostic`]
//! that points at the file, never a hang or a crash, and the caller goes on
//! with the other files.

use std::io::Read;
use std::path::Path;

use super::{Diagnostic, Pos};

/// Largest file Provrum reads: the biggest real package file is far under
/// 100 KB, and parsing and checking stay fast at this size.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Read `path` as text, refusing anything but a bounded regular UTF-8 file.
/// Line endings are normalised to `\n` (they must not change a version's
/// identity).
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let start = Pos { line: 1, col: 1 };
    let fail = |msg: String, hint: &str| Diagnostic::new(path, start, "", msg).with_hint(hint);
    // `symlink_metadata` does not follow a link, and does not open the file:
    // opening a FIFO would block.
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        fail(
            format!("cannot read the file: {e}"),
            "check that it exists and is readable",
        )
    })?;
    if meta.file_type().is_symlink() {
        return Err(fail(
            "is a symbolic link; Provrum reads only regular files in a package".into(),
            "copy the file into the package instead of linking to it",
        ));
    }
    if !meta.is_file() {
        return Err(fail(
            "is not a regular file (a folder, device or pipe)".into(),
            "a package holds only regular text files",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path, meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            fail(
                format!("cannot read the file: {e}"),
                "check that it is readable",
            )
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    let text = decode(path, bytes)?;
    Ok(text.replace("\r\n", "\n"))
}

fn too_large(path: &Path, len: u64) -> Diagnostic {
    Diagnostic::new(
        path,
        Pos { line: 1, col: 1 },
        "",
        format!(
            "the file is {} KB; Provrum reads files of at most {} KB",
            len.div_ceil(1024),
            MAX_FILE_BYTES / 1024
        ),
    )
    .with_hint("split the file, or check that it is the file you meant")
}

/// UTF-8 text, or a problem at the line and column of the first bad byte.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `good` is valid UTF-8 by construction.
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic::new(
            path,
            Pos { line, col },
            "",
            "not UTF-8 text (a binary file, or text saved in another encoding)",
        )
        .with_hint("save the file as UTF-8 text")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_files_are_reported_at_the_first_bad_byte() {
        let d = decode(Path::new("x.yaml"), b"a: 1\nb: \xff\xfe".to_vec()).unwrap_err();
        assert_eq!((d.line, d.col), (2, 4));
        assert!(
            d.to_string().starts_with("x.yaml:2:4: not UTF-8 text"),
            "{d}"
        );
        let d = decode(Path::new("x.yaml"), b"\x89PNG".to_vec()).unwrap_err();
        assert_eq!((d.line, d.col), (1, 1));
    }

    #[test]
    fn fifos_links_and_large_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let d = read_text(&fifo).unwrap_err();
        assert!(d.message.contains("not a regular file"), "{d}");

        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "a: 1\r\n").unwrap();
        assert_eq!(read_text(&real).unwrap(), "a: 1\n");
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(
            read_text(&link)
                .unwrap_err()
                .message
                .contains("symbolic link")
        );

        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(read_text(&big).unwrap_err().message.contains("at most"));
    }
}
