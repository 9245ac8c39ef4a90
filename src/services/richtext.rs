//! Rich texts: a service's description, receipt text, and its fields' help
//! and information texts may carry a small Markdown subset — paragraphs
//! (a blank line), line breaks (a backslash at the end of a line), `- ` and
//! `1. ` lists, `**strong**`, `*emphasis*` and `[links](https://…)` to
//! http(s) or mailto. That is what an e-service's texts need (Open
//! ePlatform's HTML descriptions carry over into it) and it stays readable
//! in a package's YAML.
//!
//! Safe by construction: the text is parsed by pulldown-cmark and only an
//! allow-list of its events reaches the HTML writer, which escapes every text
//! and address. Raw HTML in a text is shown as the characters typed, a link
//! anywhere else than http(s) or mailto keeps only its words, images keep
//! their alternative text, and headings become strong paragraphs so a help
//! text cannot break the page's heading order.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Whether a link may go to `address`: the web or an e-mail address.
pub fn safe_link(address: &str) -> bool {
    let lower = address.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// The HTML for a rich text: only `p`, `br`, `strong`, `em`, `ul`, `ol`,
/// `li` and `a href` (http, https, mailto) around escaped text.
pub fn to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + text.len() / 4);
    pulldown_cmark::html::push_html(&mut html, allowed(text).into_iter());
    html
}

/// The words of a rich text as a reader sees them, markup gone: for places
/// that show a text in one line (a table cell, a comparison's note).
pub fn to_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for event in allowed(text) {
        match event {
            Event::Text(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Item) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The parser's events, kept to the allow-list above.
fn allowed(text: &str) -> Vec<Event<'_>> {
    let mut out = Vec::new();
    // For each open link or image: whether its end is kept.
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new_ext(text, Options::empty()) {
        match event {
            Event::Start(
                Tag::Paragraph | Tag::List(_) | Tag::Item | Tag::Emphasis | Tag::Strong,
            ) => out.push(event),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::Emphasis
                | TagEnd::Strong,
            ) => out.push(event),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                id,
                ..
            }) => {
                let keep = safe_link(&dest_url);
                links.push(keep);
                if keep {
                    out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title: CowStr::Borrowed(""),
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                let kept = links.pop().unwrap_or(false);
                out.extend(kept.then_some(event));
            }
            Event::Start(Tag::Image { .. }) => links.push(false),
            Event::End(TagEnd::Image) => {
                links.pop();
            }
            Event::Start(Tag::Heading { .. }) => {
                out.push(Event::Start(Tag::Paragraph));
                out.push(Event::Start(Tag::Strong));
            }
            Event::End(TagEnd::Heading(_)) => {
                out.push(Event::End(TagEnd::Strong));
                out.push(Event::End(TagEnd::Paragraph));
            }
            // Code is shown as its text, in a paragraph of its own when a block.
            Event::Start(Tag::CodeBlock(_)) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::CodeBlock) => out.push(Event::End(TagEnd::Paragraph)),
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push(Event::Text(t))
            }
            Event::SoftBreak | Event::HardBreak => out.push(event),
            // Block quotes, raw HTML blocks, rules and the like: their
            // contents (if any) stay, the construct goes.
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{to_html, to_plain};

    #[test]
    fn the_subset_renders_and_nothing_else_gets_through() {
        assert_eq!(
            to_html(
                "Vi behöver **dina** uppgifter.\n\n- Ett\n- Två & tre\n\nLäs [mer](https://exempel.se/x)."
            ),
            "<p>Vi behöver <strong>dina</strong> uppgifter.</p>\n<ul>\n<li>Ett</li>\n<li>Två &amp; tre</li>\n</ul>\n<p>Läs <a href=\"https://exempel.se/x\">mer</a>.</p>\n"
        );
        let hostile = to_html(
            "<script>alert(1)</script>\n\n[klick](javascript:alert(1)) [x](JaVaScRiPt:alert(2)) ![bild](https://x/y.png \"t\") <img src=x onerror=alert(3)> [t](https://a.se \"title\")\n\n# Rubrik",
        );
        for bad in [
            "<script",
            "<img",
            "javascript",
            "JaVa",
            "onerror=\"",
            "<h1",
            "title=",
        ] {
            assert!(!hostile.contains(bad), "{bad} in {hostile}");
        }
        assert!(hostile.contains("&lt;script&gt;"), "{hostile}");
        assert!(hostile.contains("<strong>Rubrik</strong>"), "{hostile}");
        assert!(
            hostile.contains("<a href=\"https://a.se\">t</a>"),
            "{hostile}"
        );
        assert_eq!(to_html("a\\\nb"), "<p>a<br />\nb</p>\n");
        assert_eq!(
            to_plain("**Viktigt:** läs\n\n1. ett\n2. [två](mailto:a@b.se)"),
            "Viktigt: läs ett två"
        );
    }
}
