//! Accounts and roles. Three roles: reviewers act for the municipalities
//! they are bound to; legal advisers assess legal checklist items;
//! e-kontoret administers (triage, deviations, rounds, releases, users).
//! Every handler asks `may` before it changes anything.

pub mod limiter;
pub mod password;
pub mod store;
pub mod web;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reviewer,
    LegalAdviser,
    EKontoret,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Reviewer, Role::LegalAdviser, Role::EKontoret];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::LegalAdviser => "legal_adviser",
            Role::EKontoret => "e_kontoret",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "reviewer" | "granskare" => Some(Role::Reviewer),
            "legal_adviser" | "legal-adviser" | "jurist" => Some(Role::LegalAdviser),
            "e_kontoret" | "e-kontoret" | "ekontoret" => Some(Role::EKontoret),
            _ => None,
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            Role::Reviewer => "Granskare",
            Role::LegalAdviser => "Juridisk rådgivare",
            Role::EKontoret => "E-kontoret",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Role,
    /// For reviewers: the municipalities they speak for.
    pub municipalities: Vec<String>,
    pub active: bool,
}

/// What someone may try to do. Each state-changing handler names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Start a scenario run or a comparison (no decision, only evidence;
    /// e-kontoret's, since each costs a browser per variant).
    ProduceEvidence,
    /// Comment on a service version, for this municipality (None: regional).
    Comment(Option<&'a str>),
    /// Endorse a comment on behalf of this municipality.
    Endorse(&'a str),
    /// Answer a review round for this municipality.
    AnswerRound(&'a str),
    /// Assess a legal checklist item.
    Assess,
    /// Propose the regional reading where municipalities differ (the legal
    /// advisers know the law; e-kontoret decides).
    ProposePosition,
    /// Take the regional position (e-kontoret, on a proposal or its own).
    DecidePosition,
    /// Read the sandbox cases sent to this municipality's variant.
    ReadCases(&'a str),
    Triage,
    DecideDeviation,
    OpenRound,
    Release,
    ManageUsers,
    ReadAudit,
    /// Record that the region's meeting was held (the brief's period).
    RecordMeeting,
    /// Import a service (with its catalogue entry) from another region.
    ImportService,
}

impl User {
    pub fn speaks_for(&self, municipality: &str) -> bool {
        self.role == Role::Reviewer && self.municipalities.iter().any(|m| m == municipality)
    }

    /// Whether this user may do `action`: the single place the rules live.
    pub fn may(&self, action: Action) -> bool {
        if !self.active {
            return false;
        }
        // The comparison reference (`<kommun>~bas`) is the test room's own
        // rendering of the base: nobody comments, endorses or answers for it
        // as if it were a municipality. Staff may read its cases.
        let reference = |m: &str| m.ends_with(crate::services::reference::BASE_SUFFIX);
        match action {
            Action::Comment(Some(m)) | Action::Endorse(m) | Action::AnswerRound(m)
                if reference(m) =>
            {
                return false;
            }
            _ => {}
        }
        match action {
            Action::ReadCases(m) => match self.role {
                Role::Reviewer => {
                    self.speaks_for(m.trim_end_matches(crate::services::reference::BASE_SUFFIX))
                }
                Role::LegalAdviser | Role::EKontoret => true,
            },
            Action::Comment(Some(m)) => match self.role {
                Role::Reviewer => self.speaks_for(m),
                // Legal advisers and e-kontoret comment as themselves, on any variant.
                Role::LegalAdviser | Role::EKontoret => true,
            },
            Action::Comment(None) => self.role != Role::Reviewer || !self.municipalities.is_empty(),
            Action::Endorse(m) | Action::AnswerRound(m) => self.speaks_for(m),
            Action::Assess | Action::ProposePosition => self.role == Role::LegalAdviser,
            // Runs and comparisons are e-kontoret's tools: what a run costs
            // (a Chromium per cell) is theirs to spend.
            Action::ProduceEvidence
            | Action::Triage
            | Action::DecidePosition
            | Action::DecideDeviation
            | Action::OpenRound
            | Action::Release
            | Action::ManageUsers
            | Action::ReadAudit
            | Action::RecordMeeting
            | Action::ImportService => self.role == Role::EKontoret,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, m: &[&str]) -> User {
        User {
            id: 1,
            username: "u".into(),
            name: "U".into(),
            role,
            municipalities: m.iter().map(|s| s.to_string()).collect(),
            active: true,
        }
    }

    #[test]
    fn reviewers_act_only_for_their_municipalities() {
        let r = user(Role::Reviewer, &["arvika"]);
        assert!(r.may(Action::Endorse("arvika")));
        assert!(!r.may(Action::Endorse("eda")));
        assert!(r.may(Action::Comment(Some("arvika"))));
        assert!(!r.may(Action::Comment(Some("eda"))));
        assert!(!r.may(Action::Triage));
        assert!(!r.may(Action::Assess));
    }

    #[test]
    fn only_legal_advisers_assess_and_only_e_kontoret_administers() {
        let l = user(Role::LegalAdviser, &[]);
        let e = user(Role::EKontoret, &[]);
        assert!(l.may(Action::Assess) && !e.may(Action::Assess));
        assert!(l.may(Action::ProposePosition) && !e.may(Action::ProposePosition));
        assert!(e.may(Action::DecidePosition) && !l.may(Action::DecidePosition));
        let r = user(Role::Reviewer, &["arvika"]);
        assert!(!r.may(Action::ProposePosition) && !r.may(Action::DecidePosition));
        for a in [
            Action::ProduceEvidence,
            Action::Triage,
            Action::DecideDeviation,
            Action::OpenRound,
            Action::Release,
            Action::ManageUsers,
            Action::ReadAudit,
        ] {
            assert!(e.may(a) && !l.may(a), "{a:?}");
        }
        assert!(
            !e.may(Action::Endorse("arvika")),
            "endorsing is for municipalities"
        );
    }

    #[test]
    fn cases_are_read_by_staff_and_nobody_speaks_for_the_reference() {
        let r = user(Role::Reviewer, &["arvika"]);
        let l = user(Role::LegalAdviser, &[]);
        let e = user(Role::EKontoret, &[]);
        assert!(r.may(Action::ReadCases("arvika")) && r.may(Action::ReadCases("arvika~bas")));
        assert!(!r.may(Action::ReadCases("eda")));
        assert!(l.may(Action::ReadCases("eda")) && e.may(Action::ReadCases("eda")));
        for u in [&r, &l, &e] {
            assert!(!u.may(Action::Comment(Some("arvika~bas"))), "{:?}", u.role);
            assert!(!u.may(Action::Endorse("arvika~bas")));
            assert!(!u.may(Action::AnswerRound("arvika~bas")));
        }
    }

    #[test]
    fn a_deactivated_user_may_do_nothing() {
        let mut e = user(Role::EKontoret, &[]);
        e.active = false;
        assert!(!e.may(Action::Triage) && !e.may(Action::ProduceEvidence));
    }
}
