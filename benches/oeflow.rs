//! Reading Open ePlatform flows: a 200-question flow (20 steps of 10
//! questions of every core type, a rule on every choice question, Latin-1
//! encoded as many installations write it) read, mapped and checked as the
//! package it becomes — what `provrum validate FLOW.oeflow` and `import`
//! do before touching the database. Goal: ≤ 20 ms.
//!
//! Run: `scripts/bench-oeflow` (= `cargo bench --bench oeflow`).

use std::time::Instant;

use provrum::municipalities::Registry;
use provrum::services::oeflow::{self, Options};

fn alternatives(item: &str, n: u32, base: u32) -> String {
    (0..n)
        .rev()
        .map(|i| format!("<{item}><alternativeID>{}</alternativeID><name>Alternativ nummer {i} för frågan</name><sortIndex>{i}</sortIndex></{item}>", base + i))
        .collect()
}

/// One question of each kind in turn; every choice question shows the next.
fn question(id: u32, sort: u32) -> String {
    let (state, body, rules) = match id % 5 {
        0 => (
            "VISIBLE_REQUIRED",
            format!(
                "<RadioButtonQuery><queryID>{id}</queryID><Alternatives>{}</Alternatives><freeTextAlternative>Annat</freeTextAlternative><helpText><![CDATA[<p>Välj <strong>ett</strong> alternativ. Läs <a href=\"https://exempel.se/hjalp\">mer</a>.</p>]]></helpText><QueryDescriptor><queryID>{id}</queryID></QueryDescriptor></RadioButtonQuery>",
                alternatives("RadioButtonAlternative", 6, id * 100)
            ),
            format!(
                "<EvaluatorDescriptors><EvaluatorDescriptor><evaluatorID>{id}</evaluatorID><name>Regel {id}</name><enabled>true</enabled><TargetQueryIDs><queryID>{}</queryID></TargetQueryIDs><QueryStateEvaluator><selectionMode>ANY</selectionMode><RequiredAlternativeIDs><alternativeID>{}</alternativeID></RequiredAlternativeIDs><queryState>VISIBLE_REQUIRED</queryState><EvaluatorDescriptor><evaluatorID>{id}</evaluatorID></EvaluatorDescriptor></QueryStateEvaluator></EvaluatorDescriptor></EvaluatorDescriptors>",
                id + 1,
                id * 100 + 2
            ),
        ),
        1 => (
            "HIDDEN",
            format!(
                "<CheckboxQuery><queryID>{id}</queryID><minChecked>1</minChecked><Alternatives>{}</Alternatives><QueryDescriptor><queryID>{id}</queryID></QueryDescriptor></CheckboxQuery>",
                alternatives("CheckboxAlternative", 5, id * 100)
            ),
            String::new(),
        ),
        2 => (
            "VISIBLE",
            format!(
                "<TextFieldQuery><queryID>{id}</queryID><Fields><TextField><label>Postnummer</label><required>true</required><sortIndex>1</sortIndex><maxContentLength>6</maxContentLength><formatValidator>se.unlogic.standardutils.populators.SwedishPostalCodePopulator</formatValidator><invalidFormatMessage>Fem siffror</invalidFormatMessage></TextField><TextField><label>Gatuadress</label><required>true</required><sortIndex>0</sortIndex></TextField><TextField><label>E-post</label><sortIndex>2</sortIndex><formatValidator>se.unlogic.emailutils.validation.StringEmailValidator</formatValidator></TextField></Fields><QueryDescriptor><queryID>{id}</queryID></QueryDescriptor></TextFieldQuery>"
            ),
            String::new(),
        ),
        3 => (
            "VISIBLE_REQUIRED",
            format!(
                "<TextAreaQuery><queryID>{id}</queryID><maxLength>4000</maxLength><description><![CDATA[<p>Beskriv så utförligt du kan.</p><ul><li>När</li><li>Var</li></ul>]]></description><QueryDescriptor><queryID>{id}</queryID></QueryDescriptor></TextAreaQuery>"
            ),
            String::new(),
        ),
        _ => (
            "VISIBLE",
            format!(
                "<FileUploadQuery><queryID>{id}</queryID><maxFileCount>5</maxFileCount><maxFileSize>10485760</maxFileSize><allowedFileExtensions><value>pdf</value><value>jpg</value><value>png</value></allowedFileExtensions><QueryDescriptor><queryID>{id}</queryID></QueryDescriptor></FileUploadQuery>"
            ),
            String::new(),
        ),
    };
    format!(
        "<QueryDescriptor><queryID>{id}</queryID><name>Fråga nummer {id} i flödet</name><sortIndex>{sort}</sortIndex><defaultQueryState>{state}</defaultQueryState><queryTypeID>x</queryTypeID>{rules}<mergeWithPreviousQuery>false</mergeWithPreviousQuery>{body}</QueryDescriptor>"
    )
}

fn flow(steps: u32, per_step: u32) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"no\"?>\n<Flow><name>Ansökan om stort flöde</name><version>7</version><requireAuthentication>true</requireAuthentication><usePreview>true</usePreview><Steps>",
    );
    for s in (0..steps).rev() {
        xml.push_str(&format!(
            "<Step><name>Steg {s} av flödet</name><sortIndex>{s}</sortIndex><QueryDescriptors>"
        ));
        for q in 0..per_step {
            xml.push_str(&question(s * per_step + q, q));
        }
        xml.push_str("</QueryDescriptors></Step>");
    }
    xml.push_str("</Steps><submittedMessage>&lt;p&gt;Tack!&lt;/p&gt;</submittedMessage></Flow>");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&xml);
    bytes.into_owned()
}

fn main() {
    let bytes = flow(20, 10);
    let registry = Registry::builtin();
    let opts = Options::default();
    let once = || {
        let c = oeflow::convert(&bytes, registry, &opts).expect("converts");
        let pkg =
            provrum::services::from_files(std::path::Path::new("bench.oeflow"), c.files, registry)
                .unwrap_or_else(|e| panic!("{e}"));
        (c.questions, pkg.variants.len())
    };
    let (questions, variants) = once();
    assert_eq!(questions, 200);
    let time = |f: &dyn Fn()| {
        let mut times: Vec<f64> = (0..30)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(|a, b| a.total_cmp(b));
        (times[times.len() / 2], times[times.len() - 1])
    };
    let (read, read_worst) = time(&|| {
        std::hint::black_box(oeflow::convert(&bytes, registry, &opts).expect("converts"));
    });
    let (all, all_worst) = time(&|| {
        std::hint::black_box(once());
    });
    println!(
        "oeflow: {questions} questions, {} KB Latin-1: read + map median {read:.1} ms (slowest {read_worst:.1}; goal ≤ 20 ms); with the package check of its {variants} variants median {all:.1} ms (slowest {all_worst:.1})",
        bytes.len() / 1024
    );
}
