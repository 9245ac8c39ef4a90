//! Open ePlatform flows (issue 26): flows written here from the format note
//! (several encodings, sortIndex out of document order, rules whose target
//! comes first in the document, legacy files, unknown query types, broken
//! files) and the shared example (copied into tests/data, so the tests need
//! nothing outside the repository), read into packages that validate, import
//! and run in the sandbox.

mod commands;
#[path = "../common/mod.rs"]
mod common;
mod reading;
mod round_trip;
mod web;

use provrum::municipalities::Registry;
use provrum::services::oeflow::{self, Options};
use provrum::services::{FieldKind, Variant};

fn shared_example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/anmalan-om-olagenhet.oeflow")
}

/// A flow around `steps` (the `<Steps>` children), with UTF-8 prolog.
fn flow(steps: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<Flow>
  <flowID>1</flowID>
  <name>Ansökan om bygglov för altan</name>
  <version>3</version>
  <usePreview>true</usePreview>
  <requireAuthentication>true</requireAuthentication>
  <requireSigning>false</requireSigning>
  <FlowFamily><Aliases><Alias>altan</Alias></Aliases><contactName>Bygglov</contactName><contactEmail>bygg@exempel.se</contactEmail></FlowFamily>
  <Steps>{steps}</Steps>
  <shortDescription>&lt;p&gt;Sök bygglov för din &lt;strong&gt;altan&lt;/strong&gt;.&lt;/p&gt;</shortDescription>
  <submittedMessage>&lt;p&gt;Tack, vi hör av oss.&lt;/p&gt;</submittedMessage>
</Flow>
"#
    )
}

fn query(id: u32, sort: u32, state: &str, name: &str, body: &str, rules: &str) -> String {
    format!(
        "<QueryDescriptor><queryID>{id}</queryID><name>{name}</name><sortIndex>{sort}</sortIndex><defaultQueryState>{state}</defaultQueryState><queryTypeID>x</queryTypeID>{rules}<mergeWithPreviousQuery>false</mergeWithPreviousQuery>{body}</QueryDescriptor>"
    )
}

fn radio(id: u32, alternatives: &[(u32, &str, u32)]) -> String {
    let alts: String = alternatives
        .iter()
        .map(|(a, n, s)| format!("<RadioButtonAlternative><alternativeID>{a}</alternativeID><name>{n}</name><sortIndex>{s}</sortIndex></RadioButtonAlternative>"))
        .collect();
    format!(
        "<RadioButtonQuery><queryID>{id}</queryID><Alternatives>{alts}</Alternatives><QueryDescriptor><queryID>{id}</queryID><name>kopia</name></QueryDescriptor></RadioButtonQuery>"
    )
}

fn rule(targets: &[u32], alternatives: &[u32], mode: &str, state: &str) -> String {
    let t: String = targets
        .iter()
        .map(|t| format!("<queryID>{t}</queryID>"))
        .collect();
    let a: String = alternatives
        .iter()
        .map(|a| format!("<alternativeID>{a}</alternativeID>"))
        .collect();
    format!(
        "<EvaluatorDescriptors><EvaluatorDescriptor><evaluatorID>9</evaluatorID><name>Visa följdfråga</name><enabled>true</enabled><TargetQueryIDs>{t}</TargetQueryIDs><QueryStateEvaluator><selectionMode>{mode}</selectionMode><RequiredAlternativeIDs>{a}</RequiredAlternativeIDs><queryState>{state}</queryState><EvaluatorDescriptor><evaluatorID>9</evaluatorID><TargetQueryIDs><queryID>999</queryID></TargetQueryIDs></EvaluatorDescriptor></QueryStateEvaluator></EvaluatorDescriptor></EvaluatorDescriptors>"
    )
}

fn area(id: u32) -> String {
    format!(
        "<TextAreaQuery><queryID>{id}</queryID><maxLength>500</maxLength><description><![CDATA[<p>Beskriv <em>kort</em>.</p>]]></description></TextAreaQuery>"
    )
}

fn variant_of(bytes: &[u8]) -> (Variant, Vec<oeflow::Note>) {
    let opts = Options {
        municipalities: vec!["kil".into()],
        ..Options::default()
    };
    let c = oeflow::convert(bytes, Registry::builtin(), &opts).unwrap_or_else(|p| panic!("{p:?}"));
    let pkg = provrum::services::from_files(
        std::path::Path::new("test.oeflow"),
        c.files.clone(),
        Registry::builtin(),
    )
    .unwrap_or_else(|e| match e {
        provrum::services::LoadError::Invalid(d) => panic!(
            "{}\n{}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            c.files[0].1
        ),
        e => panic!("{e}"),
    });
    (pkg.variants.into_iter().next().expect("kil"), c.notes)
}
