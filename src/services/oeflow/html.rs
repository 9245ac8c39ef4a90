//! Open ePlatform's descriptions and help texts are HTML (escaped text at
//! flow level, CDATA in queries). Provrum's texts are plain text, escaped
//! where they are shown, so the HTML becomes readable text: paragraphs and
//! list items on lines of their own, links as "text (address)" when they go
//! to http(s) or mailto, everything else as its text. What cannot be carried
//! (scripts, images, frames, other links, the source installation's `${…}`
//! text tags) is named, so the conversion report can say so.

/// Plain text from `html`, and what was dropped on the way.
pub fn to_text(html: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut dropped: Vec<String> = Vec::new();
    let mut skip_until: Option<String> = None;
    let mut link: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                push_text(&mut out, rest);
            }
            break;
        };
        if skip_until.is_none() {
            push_text(&mut out, &rest[..lt]);
        }
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            // A lone `<`: text, as a browser shows it.
            if skip_until.is_none() {
                push_text(&mut out, after);
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
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table"
            | "tr" | "blockquote" => paragraph(&mut out),
            "br" => line(&mut out),
            "li" if !closing => {
                line(&mut out);
                out.push_str("- ");
            }
            "img" => dropped.push("en bild".into()),
            "a" if !closing => {
                let href = attribute(tag, "href").unwrap_or_default();
                let safe = href.starts_with("https://")
                    || href.starts_with("http://")
                    || href.starts_with("mailto:");
                if safe {
                    link = Some(href);
                } else if !href.is_empty() {
                    dropped.push(format!("länken till ”{href}”"));
                }
            }
            "a" => {
                if let Some(href) = link.take() {
                    let shown = href.trim_start_matches("mailto:");
                    if !out.trim_end().ends_with(shown) {
                        out.push_str(&format!(" ({shown})"));
                    }
                }
            }
            _ => {}
        }
    }
    let text = tidy(&out);
    if text.contains("${") {
        dropped.push("textmallar från källinstallationen (${…})".into());
    }
    (text, dropped)
}

fn push_text(out: &mut String, raw: &str) {
    let decoded = entities(raw);
    for c in decoded.chars() {
        if c.is_whitespace() {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

fn paragraph(out: &mut String) {
    let trimmed = out.trim_end_matches([' ', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

fn line(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Paragraphs separated by one blank line, no trailing spaces.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for l in s.lines().map(str::trim) {
        if l.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(l);
    }
    out
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
    use super::to_text;

    #[test]
    fn html_becomes_plain_text_and_says_what_it_dropped() {
        let (t, dropped) = to_text(
            "<p>Vi behöver <strong>dina</strong> uppgifter.</p><ul><li>Ett</li><li>Två &amp; tre</li></ul><p>Läs <a href=\"https://exempel.se/x\">mer</a>.<script>alert(1)</script><img src=x></p>",
        );
        assert_eq!(
            t,
            "Vi behöver dina uppgifter.\n\n- Ett\n- Två & tre\n\nLäs mer (https://exempel.se/x)."
        );
        assert_eq!(dropped, ["<script>", "en bild"]);
        let (t, dropped) = to_text("<a href=\"javascript:alert(1)\">klicka</a> ${global.text}");
        assert_eq!(t, "klicka ${global.text}");
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        assert_eq!(to_text("a < b &#229; &#xE4;").0, "a < b å ä");
    }
}
