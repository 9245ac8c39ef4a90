//! Configuration: defaults, then `provrum.toml` (or the file named by
//! `PROVRUM_CONFIG`), then `PROVRUM_…` environment variables, then flags.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://FILE` (default, under the data dir) or `postgres://…`.
    pub database_url: Option<String>,
    /// Where artifacts (attachments, screenshots) live.
    pub data_dir: PathBuf,
    /// Artifacts in S3-compatible storage instead (`s3://bucket/prefix`;
    /// endpoint and keys from `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, …).
    pub artifacts_url: Option<String>,
    pub addr: String,
    pub chromium_path: PathBuf,
    /// Mark cookies `Secure`; set when served behind TLS.
    pub secure_cookies: bool,
    /// Scenario files for runs started from the web.
    pub scenarios_dir: PathBuf,
    /// The region's service catalogue and term list.
    pub catalogue: PathBuf,
    /// A Chromium running elsewhere, e.g. `http://chromium:9222` (docker-compose).
    pub chromium_url: Option<String>,
    /// The test room's address as that remote browser reaches it, e.g. `http://provrum:3000`.
    pub browser_origin: Option<String>,
    /// The test room's address as people reach it (`https://provrum.example.se`):
    /// links in the downloaded release report and in mail. Without it the
    /// report names each place by its path, never a local address.
    pub public_url: Option<String>,
    /// Review-round e-mail over SMTP (`[mail]`); nothing is sent without it.
    pub mail: Option<MailConfig>,
    /// Browser threads of the worker inside `serve` (default: one per core;
    /// 0: a web-only replica, cells run by `provrum worker` processes).
    pub workers: Option<usize>,
}

/// How review-round e-mail leaves the test room.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (a relay on
    /// the same host or a test server only).
    #[serde(default = "default_tls")]
    pub tls: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Provrum <provrum@ekontoret.varmland.se>`.
    pub from: String,
    /// The test room's address for the links in mail; defaults to the
    /// top-level `public_url`, and one of them must be set.
    #[serde(default)]
    pub public_url: String,
    /// Remind those who have not answered this many days before the deadline.
    #[serde(default = "default_reminder_days")]
    pub reminder_days: i64,
}

fn default_port() -> u16 {
    587
}
fn default_tls() -> String {
    "starttls".into()
}
fn default_reminder_days() -> i64 {
    3
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            data_dir: PathBuf::from("data"),
            artifacts_url: None,
            addr: "127.0.0.1:3000".into(),
            chromium_path: crate::browser::default_chromium(),
            secure_cookies: false,
            scenarios_dir: PathBuf::from("scenarios"),
            catalogue: PathBuf::from("fixtures/catalogue.yaml"),
            chromium_url: None,
            browser_origin: None,
            public_url: None,
            mail: None,
            workers: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

impl Config {
    pub fn load() -> Result<Config, ConfigError> {
        let explicit = std::env::var_os("PROVRUM_CONFIG").map(PathBuf::from);
        let path = explicit
            .clone()
            .unwrap_or_else(|| PathBuf::from("provrum.toml"));
        let mut config = if path.exists() || explicit.is_some() {
            Self::from_file(&path)?
        } else {
            Config::default()
        };
        config.apply_env()?;
        config.settle_mail_url()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Mail's links use the top-level `public_url` unless `[mail]` names
    /// its own; one of them must be set when mail is.
    fn settle_mail_url(&mut self) -> Result<(), ConfigError> {
        let top = self.public_base().unwrap_or_default();
        if let Some(mail) = &mut self.mail {
            if mail.public_url.is_empty() {
                mail.public_url = top;
            }
            if mail.public_url.is_empty() {
                return Err(ConfigError::Env {
                    name: "PROVRUM_PUBLIC_URL",
                    message: "[mail] needs the test room's address for its links: set `public_url = \"https://…\"` at the top of provrum.toml (or this variable)".into(),
                });
            }
        }
        Ok(())
    }

    /// The public address without a trailing slash, if one is set.
    pub fn public_base(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = var("PROVRUM_DATABASE_URL") {
            self.database_url = Some(v);
        }
        // A secret from a file (docker-compose's and Kubernetes' secrets),
        // so the password is in no process's environment.
        if let Some(path) = var("PROVRUM_DATABASE_URL_FILE") {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Env {
                name: "PROVRUM_DATABASE_URL_FILE",
                message: format!("{path}: {e}"),
            })?;
            self.database_url = Some(text.trim().to_string());
        }
        if let Some(v) = var("PROVRUM_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("PROVRUM_ARTIFACTS_URL") {
            self.artifacts_url = Some(v);
        }
        if let Some(v) = var("PROVRUM_ADDR") {
            self.addr = v;
        }
        if let Some(v) = var("PROVRUM_CHROMIUM_URL") {
            self.chromium_url = Some(v);
        }
        if let Some(v) = var("PROVRUM_BROWSER_ORIGIN") {
            self.browser_origin = Some(v);
        }
        if let Some(v) = var("PROVRUM_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = var("PROVRUM_SCENARIOS_DIR") {
            self.scenarios_dir = v.into();
        }
        if let Some(v) = var("PROVRUM_WORKERS") {
            self.workers = Some(v.parse().map_err(|_| ConfigError::Env {
                name: "PROVRUM_WORKERS",
                message: format!("`{v}` is not a number of browser threads (0: none)"),
            })?);
        }
        if let Some(v) = var("PROVRUM_CATALOGUE") {
            self.catalogue = v.into();
        }
        if let Some(v) = var("PROVRUM_CHROMIUM") {
            self.chromium_path = v.into();
        }
        if let Some(v) = var("PROVRUM_SECURE_COOKIES") {
            self.secure_cookies = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => {
                    return Err(ConfigError::Env {
                        name: "PROVRUM_SECURE_COOKIES",
                        message: format!("`{v}` is not true/false"),
                    });
                }
            };
        }
        Ok(())
    }

    /// The database URL, defaulting to an SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("provrum.db").display()))
    }
}
