//! What shows a deviation on a page: its text diff read from the evidence,
//! the structural changes, the three images, and how many variants have
//! exactly the same one. Used by the cell page and the review queue.

use crate::compare::{Judged, Kind, Status, store, text};
use crate::web::AppState;

pub(in crate::compare) struct DeviationView {
    pub judged: Judged,
    /// What the heading calls the kind, and the status as a CSS class.
    pub kind_label: String,
    pub status_class: &'static str,
    /// Escaped HTML with `<ins>`/`<del>`.
    pub text_html: Option<String>,
    pub structure: Vec<String>,
    pub images: Option<(String, String, String)>,
    /// The diff's size, and its boxes in the candidate's (and the diff's)
    /// coordinates: changed regions and added bands, for outlining.
    pub size: (u64, u64),
    pub changed_boxes: Vec<(u64, u64, u64, u64)>,
    pub added_boxes: Vec<(u64, u64, u64, u64)>,
    /// The reference's height and its changed regions and removed bands in
    /// its own coordinates (none for captures compared before they were kept).
    pub reference_height: u64,
    pub reference_boxes: Vec<(u64, u64, u64, u64)>,
    pub identical: usize,
    /// The colour swap the pixels are, when they are one.
    pub colour: Option<SwapView>,
}

/// "#1f5f99 → #2b7a3d" with the contrast of white text on each.
pub(in crate::compare) struct SwapView {
    pub from: String,
    pub to: String,
    pub white_on_from: String,
    pub white_on_to: String,
    /// Whether white text on the new colour still reaches WCAG AA.
    pub to_passes: bool,
}

impl SwapView {
    fn of(d: &serde_json::Value) -> Option<SwapView> {
        let c = d.get("colour").filter(|c| !c.is_null())?;
        let ratio = |k: &str| c[k].as_f64();
        let words = |r: Option<f64>| {
            r.map(|r| format!("{}:1", format!("{r:.1}").replace('.', ",")))
                .unwrap_or_else(|| "okänd".into())
        };
        Some(SwapView {
            from: c["from"].as_str()?.to_string(),
            to: c["to"].as_str()?.to_string(),
            white_on_from: words(ratio("white_on_from")),
            white_on_to: words(ratio("white_on_to")),
            to_passes: ratio("white_on_to").is_some_and(|r| r >= crate::services::contrast::AA),
        })
    }
}

/// Each deviation with what shows it: the text diff read from its evidence,
/// the structural changes, the three images, and how many variants have
/// exactly the same one.
pub(in crate::compare) async fn evidence_views(
    state: &AppState,
    list: Vec<Judged>,
    stored: &[store::StoredDeviation],
) -> Vec<DeviationView> {
    let mut views = Vec::new();
    for j in list {
        let d = &j.deviation.detail;
        let evidence = strings(&d["evidence"]);
        let text_html = if j.deviation.kind == Kind::Text && evidence.len() == 2 {
            let read = |h: &str| {
                let arts = state.artifacts.clone();
                let h = h.to_string();
                async move {
                    arts.read(&h)
                        .await
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default()
                }
            };
            let (a, b) = (read(&evidence[0]).await, read(&evidence[1]).await);
            Some(text::to_html(&text::diff(&a, &b), 80))
        } else {
            None
        };
        let structure = strings(&d["described"]);
        let images = match (
            d["reference"].as_str(),
            d["candidate"].as_str(),
            d["diff"].as_str(),
        ) {
            (Some(a), Some(b), Some(c)) => Some((a.to_string(), b.to_string(), c.to_string())),
            _ => None,
        };
        let boxes = |key: &str| -> Vec<(u64, u64, u64, u64)> {
            d[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some((
                        r["x"].as_u64()?,
                        r["y"].as_u64()?,
                        r["w"].as_u64()?,
                        r["h"].as_u64()?,
                    ))
                })
                .collect()
        };
        let size = (
            d["width"].as_u64().unwrap_or(0),
            d["height"].as_u64().unwrap_or(0),
        );
        let (changed_boxes, added_boxes) = (boxes("regions"), boxes("added"));
        let reference_boxes = boxes("reference_regions");
        let reference_height = d["reference_height"].as_u64().unwrap_or(0);
        let identical = stored
            .iter()
            .filter(|s| {
                s.kind == j.deviation.kind
                    && s.step == j.deviation.step
                    && s.reference == j.deviation.reference
                    && s.fingerprint == j.deviation.fingerprint
            })
            .count();
        let colour = SwapView::of(d);
        let kind_label = match &j.deviation.kind {
            Kind::Text => "text".to_string(),
            Kind::Structure => "formulärets uppbyggnad".into(),
            Kind::Page => "sidor".into(),
            Kind::Declared => "deklarerade anpassningar".into(),
            Kind::Capture => "fångst".into(),
            Kind::Pixels(viewport) => format!(
                "bild, {}",
                crate::services::ignores::viewport_words(viewport)
            ),
        };
        let status_class = match j.status {
            Status::Declared | Status::Approved => "approved",
            Status::Pending => "review",
            Status::Flagged => "changed",
            Status::Error => "error",
        };
        views.push(DeviationView {
            kind_label,
            status_class,
            judged: j,
            text_html,
            structure,
            images,
            size,
            changed_boxes,
            added_boxes,
            reference_height,
            reference_boxes,
            identical,
            colour,
        });
    }
    views
}

/// The strings of a JSON array (none when it is not one).
pub(super) fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}
