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
        "checklist.proposal" => "Föreslog en regional hållning i en checklista",
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
    detail_words_named(detail, &|_, _| None)
}

/// As [`detail_words`], with ids named by `name(key, id)`: municipalities'
/// and versions' (the log's own leaf knows neither).
pub fn detail_words_named(detail: &str, name: &dyn Fn(&str, &str) -> Option<String>) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(v) => value_words(None, &v, name),
        Err(_) => detail.to_string(),
    }
}

/// The stored words of the vocabularies (statuses, classes, roles,
/// decisions) as people say them; `tests/reviews/accounts.rs` checks that every
/// vocabulary's every value is here.
pub const SLUG_WORDS: &[(&str, &str)] = &[
    ("atgardad", "åtgärdad"),
    ("onskemal", "önskemål"),
    ("juridisk", "juridisk fråga"),
    ("hog", "hög"),
    ("lag", "låg"),
    ("ej_uppfyllt", "ej uppfyllt"),
    ("ej_tillampligt", "ej tillämpligt"),
    ("behover_utredas", "behöver utredas"),
    ("reviewer", "granskare"),
    ("legal_adviser", "juridisk rådgivare"),
    ("e_kontoret", "e-kontoret"),
    ("approved", "godkänd"),
    ("flagged", "flaggad"),
];

/// Keys whose values are a vocabulary's stored words or municipalities' ids.
/// ("before" and "after" hold a status where that is all that changed; free
/// text there is left alone unless it is exactly a stored word.)
const WORD_KEYS: &[&str] = &[
    "status", "class", "priority", "role", "decision", "answer", "before", "after",
];
const NAMED_KEYS: &[&str] = &["municipality", "municipalities", "kommun", "version_id"];
/// Keys kept in the stored detail (for exports) but not shown: checksums
/// say nothing to a person reading the log.
const HIDDEN_KEYS: &[&str] = &["content_hash"];

fn value_words(
    key: Option<&str>,
    v: &serde_json::Value,
    name: &dyn Fn(&str, &str) -> Option<String>,
) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "–".into(),
        Value::String(s) => match key {
            Some(k) if WORD_KEYS.contains(&k) => SLUG_WORDS
                .iter()
                .find(|(slug, _)| slug == s)
                .map(|(_, w)| w.to_string())
                .unwrap_or_else(|| s.clone()),
            Some(k) if NAMED_KEYS.contains(&k) => name(k, s).unwrap_or_else(|| s.clone()),
            _ => s.clone(),
        },
        Value::Bool(b) => if *b { "ja" } else { "nej" }.into(),
        Value::Number(n) => match key {
            Some(k) if NAMED_KEYS.contains(&k) => {
                name(k, &n.to_string()).unwrap_or_else(|| n.to_string())
            }
            _ => n.to_string(),
        },
        Value::Array(items) => items
            .iter()
            .map(|x| value_words(key, x, name))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => {
            // Before, after and the note first, as people read a change.
            let rank = |k: &str| {
                ["before", "after", "note"]
                    .iter()
                    .position(|x| *x == k)
                    .unwrap_or(3)
            };
            let mut entries: Vec<_> = map
                .iter()
                .filter(|(k, v)| !v.is_null() && !HIDDEN_KEYS.contains(&k.as_str()))
                .collect();
            entries.sort_by_key(|(k, _)| rank(k));
            entries
                .into_iter()
                .map(|(k, v)| format!("{}: {}", key_words(k), value_words(Some(k), v, name)))
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
        "version_id" => "version",
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
        "annotation" => "kommentar",
        "refs" => "referenser",
        "position" => "hållning",
        "checklist" => "checklista",
        "item" => "punkt",
        "decision" => "beslut",
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
            "Före: status: ny. Efter: status: åtgärdad. Anteckning: Klart"
        );
        assert_eq!(super::detail_words("inte json"), "inte json");
        let named = super::detail_words_named(
            r#"{"after":{"class":"onskemal","municipality":"kil","role":"legal_adviser","text":"atgardad"},"content_hash":"973dd5"}"#,
            &|k, m| (k == "municipality" && m == "kil").then(|| "Kil".to_string()),
        );
        assert_eq!(
            named,
            "Efter: typ: önskemål, kommun: Kil, roll: juridisk rådgivare, text: atgardad"
        );
    }
}
