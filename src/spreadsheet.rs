//! CSV for spreadsheets: UTF-8 with a BOM, `;`-separated, CRLF, so that
//! Excel opens Swedish text correctly, and cells that can never run as a
//! formula.

/// One CSV cell: quoted when it must be, and never a formula. The file is
/// `;`-separated, but Excel in a comma locale splits on `,` and ignores
/// quotes that do not open its own field, so every place a spreadsheet
/// could start a cell (the start, and after `,` `;` tab, newline or `"`)
/// gets a `'` before `=`, `+`, `-` or `@`; and a cell holding any separator
/// is quoted.
pub fn cell(s: &str) -> String {
    let mut safe = String::with_capacity(s.len() + 2);
    let mut boundary = true;
    for c in s.chars() {
        if boundary && matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r') {
            safe.push('\'');
        }
        boundary = matches!(c, ',' | ';' | '\t' | '\n' | '\r' | '"');
        safe.push(c);
    }
    if safe.contains([';', ',', '"', '\n', '\r', '\t']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// A whole file: a header row and the rows, each cell made safe.
pub fn file(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}
