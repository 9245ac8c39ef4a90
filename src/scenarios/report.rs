//! Reports of a run: JSON (schema in docs/formats.md) and JUnit XML (one
//! testcase per scenario × variant).

use serde_json::{Value, json};

use super::runner::{CellOutcome, Status};
use super::store::Counts;

pub fn json(
    run_id: i64,
    service: &str,
    version: &str,
    status: &str,
    counts: &Counts,
    cells: &[CellOutcome],
) -> Value {
    let reused = cells.iter().filter(|c| c.reused_from_run.is_some()).count();
    json!({
        "schema": "provrum-run/1",
        "run_id": run_id,
        "service": service,
        "version": version,
        "status": status,
        "counts": counts,
        "cells_run": cells.len() - reused,
        "cells_reused": reused,
        "cells": cells,
    })
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

pub fn junit(service: &str, version: &str, cells: &[CellOutcome]) -> String {
    let mut scenarios: Vec<&str> = cells.iter().map(|c| c.scenario.as_str()).collect();
    scenarios.sort();
    scenarios.dedup();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |s: Status| cells.iter().filter(|c| c.status == s).count();
    out.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        xml(&format!("{service} {version}")),
        cells.len(),
        count(Status::Failed),
        count(Status::Error),
        count(Status::Skipped)
    ));
    for sc in scenarios {
        let mine: Vec<&CellOutcome> = cells.iter().filter(|c| c.scenario == sc).collect();
        let time: f64 = mine.iter().map(|c| c.duration_ms as f64 / 1000.0).sum();
        let failures = mine.iter().filter(|c| c.status == Status::Failed).count();
        let errors = mine.iter().filter(|c| c.status == Status::Error).count();
        out.push_str(&format!("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n", xml(sc), mine.len()));
        for c in mine {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml(&format!("{service}.{sc}")),
                xml(&c.municipality),
                c.duration_ms as f64 / 1000.0
            ));
            let reason = xml(c.reason.as_deref().unwrap_or(""));
            let mut inner = String::new();
            if let Some(run) = c.reused_from_run {
                // Not run again: the same inputs' result from that run.
                inner.push_str(&format!("      <properties><property name=\"reused_from_run\" value=\"{run}\"/></properties>\n"));
            }
            match c.status {
                Status::Passed => {}
                Status::Failed => inner.push_str(&format!(
                    "      <failure message=\"{reason}\">{reason}</failure>\n"
                )),
                Status::Error => inner.push_str(&format!(
                    "      <error message=\"{reason}\">{reason}</error>\n"
                )),
                Status::Skipped => {
                    inner.push_str(&format!("      <skipped message=\"{reason}\"/>\n"))
                }
            }
            if inner.is_empty() {
                out.push_str("/>\n");
            } else {
                out.push_str(&format!(">\n{inner}    </testcase>\n"));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
