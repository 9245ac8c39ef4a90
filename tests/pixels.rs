//! The pixel diff on real Chromium captures (issue 28): what sub-pixel
//! placement explains is forgiven, a changed word is not, and one inserted
//! or removed block is one band of its height — not a dozen phantom
//! one-pixel bands from text re-rasterised below it.

mod common;

use image::RgbaImage;
use provrum::browser::{Browser, BrowserOptions};
use provrum::compare::{diff, pixels};

/// A form step much like the sandbox's, `extra` inserted near its top and
/// `style` applied to its body's content.
fn form(extra: &str, style: &str, word: &str) -> String {
    format!(
        "<!doctype html><html lang=sv><body style='margin:0;font:16px sans-serif;width:800px'>\
         <main style='margin:24px;{style}'><h1 style='font-size:28px'>Anmälan om {word}</h1>\
         <p>Steg 2 av 4 – Fastighet och sökande</p>{extra}\
         <label style='display:block;font-weight:bold;margin-top:16px'>Fastighetsbeteckning</label>\
         <input style='width:300px;padding:6px;border:1px solid %23555;border-radius:4px' value='Karlstad Gräsdalen 1:2'>\
         <label style='display:block;font-weight:bold;margin-top:16px'>Beskriv olägenheten</label>\
         <textarea style='width:500px;height:90px;border:1px solid %23555'>Buller från fläkten nattetid.</textarea>\
         <fieldset style='margin-top:16px'><legend>Hur ofta förekommer den?</legend>\
         <label><input type=radio name=o checked> Dagligen</label><br><label><input type=radio name=o> Varje vecka</label></fieldset>\
         <p style='color:%231f5f99'>Vi behandlar dina personuppgifter enligt dataskyddsförordningen.</p>\
         <button style='background:%231f5f99;color:%23fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px'>Nästa steg</button>\
         <ul><li>Buller från fläkt</li><li>Lukt från avlopp</li><li>Fukt i lägenheten</li></ul></main></body></html>"
    )
}

/// An information text of a fractional height, as a notice with padding
/// and a line height often gives: what follows lands between pixels.
const NOTICE: &str = "<div style='height:134.4px;background:%23eef4fa;border-left:4px solid %231f5f99;padding:0 12px;box-sizing:border-box'>\
    <p>Tänk på att du kan behöva bifoga en bullermätning. Kontakta miljöförvaltningen om du är osäker.</p></div>";

struct Shots {
    browser: Browser,
}

impl Shots {
    fn start() -> Option<Shots> {
        let chromium = common::chromium()?;
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..BrowserOptions::default()
        })
        .expect("browser");
        Some(Shots { browser })
    }

    fn shot(&self, html: &str) -> RgbaImage {
        let page = self.browser.new_page(vec![]).expect("page");
        page.set_viewport(900, 300, false).expect("viewport");
        page.goto(&format!("data:text/html;charset=utf-8,{html}"))
            .expect("load");
        let png = page.screenshot(true).expect("shot");
        page.close();
        image::load_from_memory(&png).expect("png").to_rgba8()
    }
}

fn floor() -> u64 {
    diff::Options::default().min_changed_pixels
}

#[test]
fn text_re_laid_a_fraction_of_a_pixel_along_is_not_a_change_and_a_changed_word_is() {
    let Some(s) = Shots::start() else {
        return;
    };
    // The whole step laid out a little further right (the text moves by
    // sub-pixels, the boxes round to whole pixels: the button grows one),
    // and a text moved 0.3 px as a compositor draws it.
    let same = s.shot(&form("", "", "olägenhet"));
    let text = |shift: &str| {
        format!(
            "<!doctype html><html lang=sv><body style='margin:0;font:16px sans-serif'>\
             <p style='margin:40px;transform:translateX({shift})'>Anmälan om olägenhet – Karlstads kommun</p>\
             <h2 style='margin:40px;transform:translateY({shift})'>Om störningen</h2></body></html>"
        )
    };
    let cases = [
        (
            same.clone(),
            s.shot(&form("", "position:relative;left:0.1px", "olägenhet")),
            "0.1 px",
        ),
        (
            same.clone(),
            s.shot(&form("", "position:relative;left:0.25px", "olägenhet")),
            "0.25 px",
        ),
        (s.shot(&text("0px")), s.shot(&text("0.3px")), "0.3 px"),
    ];
    for (same, moved, shift) in cases {
        assert_ne!(same.as_raw(), moved.as_raw(), "{shift} must change pixels");
        let d = pixels::diff(&same, &moved, pixels::Options::default());
        assert!(d.antialiased > 0, "{shift}: {d:?}");
        assert!(
            d.changed < floor() && d.added.is_empty() && d.removed.is_empty(),
            "moved {shift}: {} changed ({} anti-aliased), bands {:?} {:?}",
            d.changed,
            d.antialiased,
            d.added,
            d.removed
        );
    }
    for word in ["olägenheter", "oläganhet", "buller"] {
        let d = pixels::diff(
            &same,
            &s.shot(&form("", "", word)),
            pixels::Options::default(),
        );
        assert!(d.changed >= floor(), "”{word}” must be a change: {d:?}");
    }
    s.browser.close();
}

#[test]
fn one_inserted_or_removed_block_is_one_band_of_its_height() {
    let Some(s) = Shots::start() else {
        return;
    };
    let before = s.shot(&form("", "", "olägenhet"));
    let after = s.shot(&form(NOTICE, "", "olägenhet"));
    let grown = after.height() - before.height();
    assert!(grown > 130, "the page grew {grown} px");
    let d = pixels::diff(&before, &after, pixels::Options::default());
    assert_eq!(d.added.len(), 1, "one added band: {:?}", d.added);
    assert!(d.removed.is_empty(), "nothing removed: {:?}", d.removed);
    assert!(
        d.added[0].h.abs_diff(grown) <= 2,
        "the band is the notice's height: {:?}",
        d.added
    );
    assert!(
        d.changed < floor(),
        "the rest is the same page: {} changed at {:?}",
        d.changed,
        d.regions
    );
    // Taken away again: one removed band, where it was.
    let d = pixels::diff(&after, &before, pixels::Options::default());
    assert_eq!(d.removed.len(), 1, "one removed band: {:?}", d.removed);
    assert!(d.added.is_empty(), "nothing added: {:?}", d.added);
    assert!(d.removed[0].h.abs_diff(grown) <= 2, "{:?}", d.removed);
    assert!(d.changed < floor(), "{} changed", d.changed);
    // A removed block much taller than the notice, and a change below it,
    // both found: one band and the changed word.
    let tall = NOTICE.replace("134.4px", "408.3px");
    let with_tall = s.shot(&form(&tall, "", "olägenhet"));
    let d = pixels::diff(&with_tall, &before, pixels::Options::default());
    assert_eq!(d.removed.len(), 1, "{:?}", d.removed);
    assert!(d.added.is_empty(), "{:?}", d.added);
    let changed_below = s.shot(&form("", "", "olägenhet").replace("Fukt i", "Mögel i"));
    let d = pixels::diff(&with_tall, &changed_below, pixels::Options::default());
    assert_eq!((d.removed.len(), d.added.len()), (1, 0), "{:?}", d.removed);
    assert!(
        d.changed >= floor(),
        "the changed list item is found: {d:?}"
    );
    s.browser.close();
}

#[test]
fn a_changed_brand_colour_is_named_with_both_colours() {
    let Some(s) = Shots::start() else {
        return;
    };
    let blue = s.shot(&form("", "", "olägenhet"));
    let green = s.shot(&form("", "", "olägenhet").replace("%231f5f99", "%232b7a3d"));
    let d = pixels::diff(&blue, &green, pixels::Options::default());
    assert!(d.changed >= floor(), "{d:?}");
    let swap = d.colour_swap(&blue, &green).expect("the swap is named");
    assert_eq!(
        (swap.from.as_str(), swap.to.as_str()),
        ("#1f5f99", "#2b7a3d")
    );
    // A notice inserted is not a colour swap, nor is a word changed.
    let notice = s.shot(&form(NOTICE, "", "olägenhet"));
    let d = pixels::diff(&blue, &notice, pixels::Options::default());
    assert_eq!(d.colour_swap(&blue, &notice), None);
    let other = s.shot(&form("", "", "buller"));
    let d = pixels::diff(&blue, &other, pixels::Options::default());
    assert_eq!(d.colour_swap(&blue, &other), None);
    s.browser.close();
}
