//! Open ePlatform's descriptions and help texts are HTML (escaped text at
//! flow level, CDATA in queries). They become Provrum's rich texts
//! (`services::richtext`, a small Markdown subset rendered safely):
//! paragraphs, line breaks, lists, strong and emphasis, and links to http(s)
//! or mailto keep their form; headings become strong paragraphs; other tags
//! keep their text. What cannot be carried (scripts, images, frames, other
//! links, the source installation's `${…}` text tags) is named, so the
//! conversion report can say so.

use crate::services::richtext;

/// The rich text (`services::richtext`) for `html`, and what was dropped on
/// the way.
pub fn to_rich(html: &str) -> (String, Vec<String>) {
    let mut w = Writer::default();
    let mut dropped: Vec<String> = Vec::new();
    let mut skip_until: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                w.text(rest);
            }
            break;
        };
        if skip_until.is_none() {
            w.text(&rest[..lt]);
        }
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            // A lone `<`: text, as a browser shows it.
            if skip_until.is_none() {
                w.text(after);
            }
            break;
        };
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(until) = &skip_until {
            if closing && &name == until {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "iframe" | "object" | "embed" | "template" if !closing => {
                dropped.push(format!("<{name}>"));
                if !tag.ends_with('/') {
                    skip_until = Some(name);
                }
            }
            "ul" | "ol" if !closing => w.open_list(name == "ol"),
            "ul" | "ol" => w.close_list(),
            "li" if !closing => w.item(),
            "p" | "div" | "table" | "tr" | "blockquote" => w.paragraph(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                w.paragraph();
                w.mark("**", closing);
                if closing {
                    w.paragraph();
                }
            }
            "td" | "th" => w.space(),
            "strong" | "b" => w.mark("**", closing),
            "em" | "i" => w.mark("*", closing),
            "br" => w.hard_break(),
            "img" => dropped.push("en bild".into()),
            "a" if !closing => {
                let href = attribute(tag, "href").unwrap_or_default();
                if richtext::safe_link(&href) {
                    w.open_link(href);
                } else if !href.is_empty() {
                    dropped.push(format!("länken till ”{href}”"));
                }
            }
            "a" => w.close_link(),
            _ => {}
        }
    }
    let text = w.finish();
    if text.contains("${") {
        dropped.push("textmallar från källinstallationen (${…})".into());
    }
    (text, dropped)
}

/// Builds the rich text: collapses whitespace as HTML does, escapes what
/// Markdown would read as markup, and keeps lists, emphasis and links.
#[derive(Default)]
struct Writer {
    out: String,
    /// A space seen and not yet written (it goes before the next word, not
    /// inside an emphasis marker or at a line's start).
    space: bool,
    /// At the start of a line or list item, where `#`, `-`, `1.` mean markup.
    line_start: bool,
    /// Open lists: ordered?, items so far.
    lists: Vec<(bool, u32)>,
    /// Open emphasis markers and where their text began.
    marks: Vec<(&'static str, usize)>,
    /// An open link's address and where its words began.
    link: Option<(String, usize)>,
}

impl Writer {
    fn text(&mut self, raw: &str) {
        for c in entities(raw).chars() {
            if c.is_whitespace() {
                self.space = true;
                continue;
            }
            if std::mem::take(&mut self.space) && !self.line_start && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.escaped(c);
        }
    }

    fn escaped(&mut self, c: char) {
        let at_start = std::mem::take(&mut self.line_start);
        let escape = match c {
            '\\' | '*' | '_' | '`' | '[' | ']' => true,
            '#' | '>' | '-' | '+' | '=' => at_start,
            // "2024. " at a line's start is an ordered list.
            '.' | ')' => self.after_line_start_digits(),
            _ => false,
        };
        if escape {
            self.out.push('\\');
        }
        self.out.push(c);
    }

    /// Whether the current line holds only digits so far (after its indent
    /// and list marker).
    fn after_line_start_digits(&self) -> bool {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        let body = line.trim_start();
        let body = body
            .strip_prefix("- ")
            .or_else(|| {
                let n = body.find(". ")?;
                body[..n]
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    .then(|| &body[n + 2..])
            })
            .unwrap_or(body);
        !body.is_empty() && body.chars().all(|c| c.is_ascii_digit())
    }

    fn space(&mut self) {
        self.space = true;
    }

    fn mark(&mut self, marker: &'static str, closing: bool) {
        if !closing {
            self.flush_space();
            self.marks.push((marker, self.out.len()));
            self.out.push_str(marker);
            return;
        }
        let Some(at) = self.marks.iter().rposition(|(m, _)| *m == marker) else {
            return;
        };
        let (_, start) = self.marks.remove(at);
        if self.out.len() == start + marker.len() {
            // Nothing inside: no marker at all.
            self.out.truncate(start);
        } else {
            self.out.push_str(marker);
        }
    }

    fn open_link(&mut self, href: String) {
        self.flush_space();
        self.out.push('[');
        self.link = Some((href, self.out.len()));
    }

    fn close_link(&mut self) {
        let Some((href, start)) = self.link.take() else {
            return;
        };
        let address: String = href
            .chars()
            .map(|c| match c {
                ' ' => "%20".to_string(),
                '(' => "%28".to_string(),
                ')' => "%29".to_string(),
                '<' => "%3C".to_string(),
                '>' => "%3E".to_string(),
                c => c.to_string(),
            })
            .collect();
        if self.out.len() == start {
            // A link without words shows its address.
            self.out.truncate(start - 1);
            let shown = href.trim_start_matches("mailto:").to_string();
            self.out
                .push_str(&format!("[{}]({address})", escape_all(&shown)));
        } else {
            self.out.push_str(&format!("]({address})"));
        }
    }

    fn flush_space(&mut self) {
        if std::mem::take(&mut self.space) && !self.line_start && !self.out.is_empty() {
            self.out.push(' ');
        }
    }

    fn indent(&self) -> String {
        // Each enclosing list but the innermost indents by its marker's width.
        let outer = self.lists.len().saturating_sub(1);
        self.lists[..outer]
            .iter()
            .map(|(ordered, _)| if *ordered { "   " } else { "  " })
            .collect()
    }

    fn end_line(&mut self) {
        self.space = false;
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
    }

    fn paragraph(&mut self) {
        if !self.lists.is_empty() {
            // Paragraphs inside a list item stay in the item.
            self.space = true;
            return;
        }
        self.close_marks();
        self.end_line();
        let trimmed = self.out.trim_end_matches(['\n', '\\']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
        self.line_start = true;
    }

    fn open_list(&mut self, ordered: bool) {
        if self.lists.is_empty() {
            self.paragraph();
        }
        self.lists.push((ordered, 0));
    }

    fn close_list(&mut self) {
        if self.lists.pop().is_some() && self.lists.is_empty() {
            self.paragraph();
        }
    }

    fn item(&mut self) {
        if self.lists.is_empty() {
            self.open_list(false);
        }
        self.close_marks();
        self.end_line();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        let indent = self.indent();
        let last = self.lists.last_mut().expect("a list is open");
        last.1 += 1;
        let marker = if last.0 {
            format!("{}. ", last.1)
        } else {
            "- ".to_string()
        };
        self.out.push_str(&indent);
        self.out.push_str(&marker);
        self.line_start = true;
    }

    fn hard_break(&mut self) {
        self.end_line();
        if self.out.is_empty() || self.out.ends_with('\n') || self.line_start {
            return;
        }
        self.out.push_str("\\\n");
        // A continuation line is indented past every list marker around it.
        let all: String = self
            .lists
            .iter()
            .map(|(ordered, _)| if *ordered { "   " } else { "  " })
            .collect();
        self.out.push_str(&all);
        self.line_start = true;
    }

    /// Emphasis does not run over a paragraph or list item.
    fn close_marks(&mut self) {
        while let Some((marker, _)) = self.marks.last().copied() {
            self.mark(marker, true);
        }
        if self.link.is_some() {
            self.close_link();
        }
    }

    fn finish(mut self) -> String {
        self.lists.clear();
        self.paragraph();
        self.out
            .trim_end()
            .trim_end_matches('\\')
            .trim_end()
            .to_string()
    }
}

/// `s` with every Markdown punctuation that could be markup escaped.
fn escape_all(s: &str) -> String {
    let mut w = Writer::default();
    w.text(s);
    w.out
}

/// The value of `name="…"` (or '…') in a tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[at..];
    let (quote, body) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    let end = body.find(quote).unwrap_or(body.len());
    Some(entities(body[..end].trim()))
}

/// The character references HTML texts use.
fn entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let name = &after[1..semi];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            "aring" => Some('å'),
            "auml" => Some('ä'),
            "ouml" => Some('ö'),
            "Aring" => Some('Å'),
            "Auml" => Some('Ä'),
            "Ouml" => Some('Ö'),
            "eacute" => Some('é'),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::to_rich;
    use crate::services::richtext;

    #[test]
    fn html_becomes_rich_text_and_says_what_it_dropped() {
        let (t, dropped) = to_rich(
            "<p>Vi behöver <strong>dina</strong> uppgifter.</p><ul><li>Ett</li><li>Två &amp; tre</li></ul><p>Läs <a href=\"https://exempel.se/x\">mer</a>.<script>alert(1)</script><img src=x></p>",
        );
        assert_eq!(
            t,
            "Vi behöver **dina** uppgifter.\n\n- Ett\n- Två & tre\n\nLäs [mer](https://exempel.se/x)."
        );
        assert_eq!(dropped, ["<script>", "en bild"]);
        let (t, dropped) = to_rich("<a href=\"javascript:alert(1)\">klicka</a> ${global.text}");
        assert_eq!(t, "klicka ${global.text}");
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        assert_eq!(to_rich("a < b &#229; &#xE4;").0, "a < b å ä");
    }

    #[test]
    fn what_looks_like_markup_in_the_text_stays_text() {
        for (html, words) in [
            ("<p>1. april *inte* [x]</p>", "1. april *inte* [x]"),
            (
                "<p># 5 - och_så</p><p>- streck</p>",
                "# 5 - och_så - streck",
            ),
            ("2024. Året", "2024. Året"),
            ("a\\b `c`", "a\\b `c`"),
        ] {
            let (rich, _) = to_rich(html);
            assert_eq!(richtext::to_plain(&rich), words, "{rich}");
            let shown = richtext::to_html(&rich);
            assert!(
                !shown.contains("<em>") && !shown.contains("<li>") && !shown.contains("<a"),
                "{shown}"
            );
        }
    }

    #[test]
    fn rich_text_survives_a_round_trip_through_its_html() {
        for html in [
            "<p>Vi behöver <strong>dina</strong> uppgifter.</p><ul><li>Ett</li><li>Två &amp; <em>tre</em></li></ul>",
            "<h2>Rubrik</h2><p>rad ett<br>rad två<br></p><ol><li><p>a</p></li><li>b<ul><li>c<br>d</li></ul></li></ol><p>slut</p>",
            "<p><strong> mellanslag </strong>och <a href=\"mailto:a@b.se\"></a> <a href=\"https://x.se/a b(c)\">länk</a></p>",
            "<div>1. inte lista</div><div>- inte heller</div><p>*stjärna* _under_ [hak] &lt;b&gt;</p>",
        ] {
            let (rich, _) = to_rich(html);
            let (again, dropped) = to_rich(&richtext::to_html(&rich));
            assert_eq!(again, rich, "from {html}");
            assert!(dropped.is_empty(), "{dropped:?}");
        }
        let (rich, _) = to_rich(
            "<h2>Rubrik</h2><p>rad ett<br>rad två</p><ol><li>a</li><li>b<ul><li>c</li></ul></li></ol>",
        );
        assert_eq!(
            rich,
            "**Rubrik**\n\nrad ett\\\nrad två\n\n1. a\n2. b\n   - c"
        );
        let shown = richtext::to_html(&rich);
        assert!(
            shown.contains("<ol>") && shown.contains("<ul>") && shown.contains("<br />"),
            "{shown}"
        );
    }
}
