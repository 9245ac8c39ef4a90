//! The audit log page: who did what, when, with what evidence. Writing to
//! the log is `store::audit`, used inside each domain's transactions.

pub mod web;

/// A logged action in Swedish words for the log page and its filter; the
/// stored name stays the key (it is what exports and queries use).
pub fn in_words(action: &str) -> String {
    let said = match action {
        "import" => "Importerade en version",
        "release" => "Släppte en version",
        "release.waive" => "Gav undantag från ett hinder",
        "release.waiver.withdraw" => "Återkallade ett undantag",
        "comment.create" => "Lämnade en synpunkt",
        "comment.reply" => "Svarade på en synpunkt",
        "comment.edit" => "Ändrade en synpunkt",
        "comment.triage" => "Tog ställning till en synpunkt",
        "comment.reclassify" => "Ändrade en synpunkts klass",
        "comment.endorse" => "Instämde i en synpunkt",
        "comment.endorse.withdraw" => "Tog tillbaka ett instämmande",
        "comment.carry_over" => "Förde över synpunkter till en ny version",
        "round.open" => "Öppnade en granskningsomgång",
        "round.deadline" => "Flyttade sista svarsdagen",
        "round.answer" => "Svarade i en granskningsomgång",
        "checklist.assess" => "Bedömde en punkt i en checklista",
        "checklist.position" => "Tog regional ställning i en checklista",
        "deviation.approved" => "Godkände en avvikelse som lokal anpassning",
        "deviation.flagged" => "Flaggade en avvikelse",
        "meeting.record" => "Registrerade ett möte",
        "user.create" => "Skapade ett konto",
        "user.password" => "Bytte lösenord",
        "user.activate" => "Aktiverade ett konto",
        "user.deactivate" => "Inaktiverade ett konto",
        "user.unlock" => "Hävde en spärr",
        other => return other.replace(['.', '_'], " "),
    };
    said.to_string()
}

/// A logged detail (stored as JSON) in words for the log page: "Före:
/// status ny. Efter: status åtgärdad. Anteckning: …" — keys in Swedish,
/// values as written, nothing left out; a detail that is not JSON as it is.
pub fn detail_words(detail: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(v) => value_words(&v),
        Err(_) => detail.to_string(),
    }
}

fn value_words(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "–".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "ja" } else { "nej" }.into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(value_words).collect::<Vec<_>>().join(", "),
        Value::Object(map) => {
            // Before, after and the note first, as people read a change.
            let rank = |k: &str| {
                ["before", "after", "note"]
                    .iter()
                    .position(|x| *x == k)
                    .unwrap_or(3)
            };
            let mut entries: Vec<_> = map.iter().filter(|(_, v)| !v.is_null()).collect();
            entries.sort_by_key(|(k, _)| rank(k));
            entries
                .into_iter()
                .map(|(k, v)| format!("{}: {}", key_words(k), value_words(v)))
                .collect::<Vec<_>>()
                .join(if map.values().any(Value::is_object) {
                    ". "
                } else {
                    ", "
                })
        }
    }
}

/// The keys the log's details use, in Swedish; others as they are.
fn key_words(key: &str) -> &str {
    match key {
        "before" => "Före",
        "after" => "Efter",
        "note" => "Anteckning",
        "class" => "typ",
        "priority" => "prioritet",
        "municipality" => "kommun",
        "step" => "steg",
        "body" => "text",
        "reason" => "skäl",
        "version_id" => "version (nummer)",
        "service" => "tjänst",
        "deadline" => "sista dag",
        "answer" => "svar",
        "until" => "till och med",
        "blocker" => "hinder",
        "name" => "namn",
        "role" => "roll",
        "email" => "e-post",
        "username" => "användarnamn",
        "municipalities" => "kommuner",
        "files" => "filer",
        "changes" => "ändringar",
        "planned" => "planerat",
        "held_on" => "hölls",
        "error" => "fel",
        "url" => "adress",
        "field" => "fält",
        "values" => "värden",
        "variants" => "varianter",
        "content_hash" => "innehållets kontrollsumma",
        "comments_carried_over" => "synpunkter som följde med",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_logged_action_has_words() {
        for a in [
            "import",
            "comment.triage",
            "deviation.flagged",
            "user.unlock",
        ] {
            assert!(!super::in_words(a).contains('.'), "{a}");
        }
        assert_eq!(super::in_words("ny.sak"), "ny sak");
    }

    #[test]
    fn a_detail_reads_as_words() {
        assert_eq!(
            super::detail_words(
                r#"{"after":{"status":"atgardad"},"before":{"status":"ny"},"note":"Klart"}"#
            ),
            "Före: status: ny. Efter: status: atgardad. Anteckning: Klart"
        );
        assert_eq!(super::detail_words("inte json"), "inte json");
    }
}
