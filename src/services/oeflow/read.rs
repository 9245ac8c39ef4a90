//! Reading the `.oeflow` XML: the encoding its prolog declares, the
//! document with positions, and small accessors that walk exact child paths
//! (never descendants: every type element holds a second copy of its
//! `QueryDescriptor`, every evaluator a copy of its descriptor).

use roxmltree::{Document, Node};

use super::Problem;

/// The file's text, decoded as its prolog says (UTF-8 without one).
pub fn decode(bytes: &[u8]) -> Result<String, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let label = declared_encoding(bytes).unwrap_or_else(|| "UTF-8".into());
    let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
        return Err(Problem::at(
            1,
            1,
            format!("filen säger att den är kodad som ”{label}”, en teckenkodning som inte finns"),
        ));
    };
    if encoding == encoding_rs::UTF_8 {
        return String::from_utf8(bytes.to_vec()).map_err(|e| {
            let (line, col) = line_col(bytes, e.utf8_error().valid_up_to());
            Problem::at(
                line,
                col,
                "filen är inte UTF-8 som den säger; exportera flödet på nytt".into(),
            )
        });
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(text.into_owned()),
        None => Err(Problem::at(
            1,
            1,
            format!("filen kan inte läsas som {}", encoding.name()),
        )),
    }
}

/// `encoding="…"` of an XML prolog, read as ASCII (every encoding a prolog
/// may name writes the prolog itself in ASCII).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(200))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let prolog = std::str::from_utf8(&head[..end]).ok()?;
    let at = prolog.find("encoding")? + "encoding".len();
    let rest = prolog[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    Some(body[..body.find(quote)?].to_string())
}

fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
    (line, col)
}

/// Parse the decoded text; a document that is not XML is refused where it breaks.
pub fn parse(text: &str) -> Result<Document<'_>, Problem> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        Problem::at(p.row, p.col, format!("filen är inte giltig XML: {e}"))
    })
}

/// Where a node starts, as (line, column).
pub fn pos(n: Node) -> (u32, u32) {
    let p = n.document().text_pos_at(n.range().start);
    (p.row, p.col)
}

/// The child element named `name`.
pub fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The trimmed text of the child `name` (CDATA included); `None` when
/// absent or empty.
pub fn text(n: Node, name: &str) -> Option<String> {
    let c = child(n, name)?;
    let t: String = c
        .children()
        .filter(|x| x.is_text())
        .filter_map(|x| x.text())
        .collect();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A boolean child: `true` only when it says so (a missing one is false).
pub fn flag(n: Node, name: &str) -> bool {
    text(n, name).is_some_and(|t| t == "true")
}

pub fn number(n: Node, name: &str) -> Option<i64> {
    text(n, name)?.parse().ok()
}

/// The `item` elements of the wrapper `list`, ordered by their `sortIndex`
/// (never by document order; a missing index sorts last, stably).
pub fn sorted<'a, 'i>(n: Node<'a, 'i>, list: &str, item: &str) -> Vec<Node<'a, 'i>> {
    let mut items: Vec<Node> = child(n, list)
        .map(|l| {
            l.children()
                .filter(|c| c.is_element() && c.tag_name().name() == item)
                .collect()
        })
        .unwrap_or_default();
    items.sort_by_key(|c| number(*c, "sortIndex").unwrap_or(i64::MAX));
    items
}

/// The texts of the `item` children of the wrapper `list`.
pub fn values(n: Node, list: &str, item: &str) -> Vec<String> {
    child(n, list)
        .map(|l| {
            l.children()
                .filter(|c| c.is_element() && c.tag_name().name() == item)
                .filter_map(|c| c.text().map(|t| t.trim().to_string()))
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_encoding_is_honoured() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?><Flow><name>Anm\xe4lan</name></Flow>";
        let text = decode(latin1).expect("latin-1");
        assert!(text.contains("Anmälan"), "{text}");
        let utf8 = "<?xml version='1.0' encoding='UTF-8'?><Flow><name>Anmälan</name></Flow>";
        assert!(decode(utf8.as_bytes()).unwrap().contains("Anmälan"));
        let bad = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Flow>\xe4</Flow>";
        let e = decode(bad).unwrap_err();
        assert_eq!((e.line, e.col), (2, 7), "{e:?}");
        assert!(decode(b"<?xml version=\"1.0\" encoding=\"klingon\"?><Flow/>").is_err());
    }

    #[test]
    fn children_are_ordered_by_sort_index_not_document_order() {
        let doc = Document::parse(
            "<S><L><I><sortIndex>2</sortIndex><n>c</n></I><I><sortIndex>0</sortIndex><n>a</n></I><I><n>z</n></I><I><sortIndex>1</sortIndex><n>b</n></I></L></S>",
        )
        .unwrap();
        let names: Vec<String> = sorted(doc.root_element(), "L", "I")
            .into_iter()
            .filter_map(|n| text(n, "n"))
            .collect();
        assert_eq!(names, ["a", "b", "c", "z"]);
    }
}
