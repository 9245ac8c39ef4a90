//! One e-mail to send, and the footer every one of them ends with.

use crate::config::MailConfig;

/// One e-mail to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub key: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub(super) fn footer(cfg: &MailConfig) -> String {
    format!(
        "\n\n-- \nProvrum, Värmlands gemensamma provrum för e-tjänster\n{}\nDu får det här för att du granskar e-tjänster i provrummet.",
        cfg.public_url.trim_end_matches('/')
    )
}
