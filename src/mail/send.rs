//! The SMTP side: one transport per configuration, and sending a mail once.

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
use crate::store::Store;

use super::outgoing::Outgoing;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("e-post är felinställd ([mail] {field}): {message}")]
    Config {
        field: &'static str,
        message: String,
    },
    #[error("SMTP-servern tog inte emot brevet till {to}: {message}")]
    Smtp { to: String, message: String },
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

pub struct Mailer(AsyncSmtpTransport<Tokio1Executor>);

impl Mailer {
    pub fn new(cfg: &MailConfig) -> Result<Mailer, MailError> {
        let bad = |field, e: &dyn std::fmt::Display| MailError::Config {
            field,
            message: e.to_string(),
        };
        let builder = match cfg.tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .map_err(|e| bad("host", &e))?,
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| bad("host", &e))?,
            other => return Err(bad("tls", &format!("`{other}`: use starttls, tls or none"))),
        };
        let mut builder = builder.port(cfg.port);
        if let Some(user) = &cfg.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                cfg.password.clone().unwrap_or_default(),
            ));
        }
        cfg.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| bad("from", &e))?;
        Ok(Mailer(builder.build()))
    }
}

/// Send `m` unless its key was sent already. The key is claimed first (a
/// short write, so no database lock is held while the SMTP server answers);
/// a refused or failed send gives it back so the next round tries again.
/// A crash between claim and send loses that one mail rather than sending
/// it twice: people get each notice at most once.
pub async fn once(
    db: &Store,
    mailer: &Mailer,
    cfg: &MailConfig,
    m: &Outgoing,
) -> Result<bool, MailError> {
    let fresh = sqlx::query(
        "insert into mail_sent (key, recipient, subject, sent_at) values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(&m.key)
    .bind(&m.to)
    .bind(&m.subject)
    .bind(crate::store::now())
    .execute(&db.pool)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        return Ok(false);
    }
    match deliver(mailer, cfg, m).await {
        Ok(()) => Ok(true),
        Err(e) => {
            sqlx::query("delete from mail_sent where key = $1")
                .bind(&m.key)
                .execute(&db.pool)
                .await?;
            Err(e)
        }
    }
}

async fn deliver(mailer: &Mailer, cfg: &MailConfig, m: &Outgoing) -> Result<(), MailError> {
    let smtp = |e: &dyn std::fmt::Display| MailError::Smtp {
        to: m.to.clone(),
        message: e.to_string(),
    };
    let to =
        m.to.parse::<lettre::message::Mailbox>()
            .map_err(|e| smtp(&e))?;
    let from = cfg
        .from
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| smtp(&e))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| smtp(&e))?;
    mailer.0.send(message).await.map_err(|e| smtp(&e))?;
    Ok(())
}
