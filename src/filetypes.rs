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

/// Whether the bytes look like the type the extension claims. Types without
/// a reliable signature are accepted on their extension.
pub fn content_matches(ext: &str, bytes: &[u8]) -> bool {
    match ext {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "gif" => bytes.starts_with(b"GIF8"),
        "docx" | "xlsx" | "odt" => bytes.starts_with(b"PK\x03\x04"),
        "txt" => std::str::from_utf8(bytes).is_ok(),
        _ => true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_renamed_files() {
        assert!(content_matches("pdf", b"%PDF-1.7\n"));
        assert!(!content_matches("pdf", b"\x89PNG\r\n\x1a\n"));
        assert_eq!(clean_filename("C:\\Users\\x\\foto \"1\".jpg"), "foto 1.jpg");
    }
}
