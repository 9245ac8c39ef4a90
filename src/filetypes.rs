//! File types a service may accept, and sniffing uploads so that a renamed
//! file is refused like the real service would refuse it.

pub const KNOWN_EXTENSIONS: &[&str] = &[
    "pdf", "jpg", "jpeg", "png", "gif", "heic", "txt", "doc", "docx", "odt", "xls", "xlsx",
];

pub fn content_type_for(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "txt" => "text/plain",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => return None,
    })
}

pub fn extension(filename: &str) -> String {
    filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether the bytes look like the type the extension claims. Every
/// accepted type has a signature to check (a renamed HTML or SVG file is
/// refused, whatever it is called); an extension without one is refused.
pub fn content_matches(ext: &str, bytes: &[u8]) -> bool {
    match ext {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "gif" => bytes.starts_with(b"GIF8"),
        "docx" | "xlsx" | "odt" => bytes.starts_with(b"PK\x03\x04"),
        // Word 97–2003 and Excel 97–2003: an OLE2 compound file.
        "doc" | "xls" => bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        // HEIC: an ISO media file whose `ftyp` box names a HEIF brand.
        "heic" => {
            bytes.len() >= 12
                && &bytes[4..8] == b"ftyp"
                && matches!(
                    &bytes[8..12],
                    b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1"
                )
        }
        "txt" => std::str::from_utf8(bytes).is_ok_and(|t| !looks_like_markup(t)),
        _ => false,
    }
}

/// Text that a browser could run as a page or image (HTML, SVG, XML).
fn looks_like_markup(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "<!doctype",
        "<html",
        "<svg",
        "<?xml",
        "<script",
        "<body",
        "<head",
        "<iframe",
    ]
    .iter()
    .any(|tag| head.starts_with(tag))
}

/// The type to serve a stored attachment with: its own for types a browser
/// shows safely, else a download of opaque bytes.
pub fn safe_served_type(content_type: &str) -> &str {
    match content_type {
        "application/pdf" | "image/jpeg" | "image/png" | "image/gif" | "text/plain" => content_type,
        _ => "application/octet-stream",
    }
}

/// A file name safe to show and to put in a download header.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "bilaga".into()
    } else {
        cleaned
    }
}

/// A size limit as people read it: `5 MB`, `300 kB`.
pub fn human_size(kb: u64) -> String {
    if kb >= 1024 && kb.is_multiple_of(1024) {
        format!("{} MB", kb / 1024)
    } else {
        format!("{kb} kB")
    }
}

/// A file's size as people read it: `512 byte`, `68 kB`, `2,4 MB`.
pub fn human_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} byte")
    } else if bytes < 1024 * 1024 {
        format!("{} kB", bytes.div_ceil(1024))
    } else {
        let tenths = (bytes * 10).div_ceil(1024 * 1024);
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_read_in_their_unit() {
        assert_eq!(human_bytes(512), "512 byte");
        assert_eq!(human_bytes(68 * 1024), "68 kB");
        assert_eq!(human_bytes(1000 * 1024 + 1), "1001 kB");
        assert_eq!(human_bytes(2_500_000), "2,4 MB");
    }

    #[test]
    fn sniffs_renamed_files() {
        assert!(content_matches("pdf", b"%PDF-1.7\n"));
        assert!(!content_matches("pdf", b"\x89PNG\r\n\x1a\n"));
        // What the hardening review got through: HTML as .doc, SVG as .heic.
        assert!(!content_matches(
            "doc",
            b"<html><script>alert(1)</script></html>"
        ));
        assert!(!content_matches(
            "heic",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"
        ));
        assert!(!content_matches("txt", b"  <!DOCTYPE html><p>hi"));
        assert!(!content_matches("exe", b"MZ"));
        assert!(content_matches(
            "doc",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]
        ));
        assert!(content_matches("heic", b"\0\0\0\x18ftypheic\0\0\0\0"));
        assert!(content_matches("txt", "Hej, här är min bilaga.".as_bytes()));
        assert_eq!(
            safe_served_type("application/msword"),
            "application/octet-stream"
        );
        assert_eq!(clean_filename("C:\\Users\\x\\foto \"1\".jpg"), "foto 1.jpg");
    }
}
