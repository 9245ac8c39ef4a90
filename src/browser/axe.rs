//! axe-core on a page: the vendored script (see vendor/axe-core/README.md) is
//! added to every new document of a page, and run on demand with the WCAG 2.1
//! A/AA tags. Results keep each node's selector, HTML and its box on the page
//! (document coordinates, to outline it on a full-page screenshot).

pub const AXE_VERSION: &str = "4.14.1";
pub const AXE_SOURCE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// Runs axe and returns `{ violations, incomplete }`, each a list of
/// `{ id, impact, help, helpUrl, wcag: [...], nodes: [{ target, html, summary, box }] }`.
pub const RUN: &str = r#"(async () => {
  if (!window.axe) return null;
  const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations', 'incomplete'], preload: false, iframes: false });
  const slim = (list) => list.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    wcag: v.tags.filter(t => /^wcag\d/.test(t)),
    nodes: v.nodes.slice(0, 20).map(n => {
      let box = null;
      try {
        const el = document.querySelector(n.target[0]);
        if (el) { const b = el.getBoundingClientRect(); box = { x: Math.round(b.left + scrollX), y: Math.round(b.top + scrollY), w: Math.round(b.width), h: Math.round(b.height) }; }
      } catch (e) {}
      return { target: n.target.join(' '), html: (n.html || '').slice(0, 300), summary: n.failureSummary || '', box };
    }),
  }));
  return { version: axe.version, violations: slim(r.violations), incomplete: slim(r.incomplete) };
})()"#;
