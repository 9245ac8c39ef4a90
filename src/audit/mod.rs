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
}
