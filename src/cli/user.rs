//! `provrum user add|list|unlock`: accounts from the command line. The password is
//! read from standard input (never from argv, which other users can see in
//! the process list); on a terminal it is asked for without echo.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Subcommand;

use super::{StoreArgs, config, open};
use crate::accounts::store::{self, NewUser};
use crate::accounts::{Role, password};

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create an account; the password is read from standard input.
    Add {
        /// Login name: a–z, 0–9, `.`, `-`, `_`.
        #[arg(long)]
        name: String,
        /// The person's name as shown in the test room [default: the login name].
        #[arg(long)]
        full_name: Option<String>,
        /// reviewer (granskare), legal-adviser (jurist) or e-kontoret.
        #[arg(long)]
        role: String,
        /// For reviewers: the municipalities they speak for (e.g. arvika).
        #[arg(long = "municipality", num_args = 1..)]
        municipalities: Vec<String>,
        /// Where the review rounds' e-mail goes (the person can change it).
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List accounts: login name, role, municipalities, active, e-mail.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Lift the lock failed logins put on an account (when nobody of
    /// e-kontoret can log in to lift it on the users page).
    Unlock {
        /// The account's login name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A line from stdin; without echo when it is a terminal.
fn read_password() -> std::io::Result<String> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    let mut saved: Option<libc::termios> = None;
    if tty {
        eprint!("Lösenord (minst {} tecken): ", password::MIN_LENGTH);
        let _ = std::io::stderr().flush();
        // SAFETY: plain termios calls on fd 0, restored below.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) == 0 {
                saved = Some(t);
                t.c_lflag &= !libc::ECHO;
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = saved {
        // SAFETY: restores the attributes read above.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub async fn run(cmd: UserCmd) -> Result<ExitCode, ExitCode> {
    match cmd {
        UserCmd::Add {
            name,
            full_name,
            role,
            municipalities,
            email,
            store: args,
        } => {
            let Some(role) = Role::parse(&role) else {
                eprintln!("error: --role {role}: use reviewer, legal-adviser or e-kontoret");
                return Err(ExitCode::from(2));
            };
            let pw = read_password().map_err(|e| {
                eprintln!("error: reading the password from stdin: {e}");
                ExitCode::from(2)
            })?;
            let config = config(&args)?;
            let db = open(&config).await?;
            let new = NewUser {
                username: &name,
                name: full_name.as_deref().unwrap_or(&name),
                role,
                municipalities: &municipalities,
                password: &pw,
                email: email.as_deref(),
            };
            let result = store::create(&db, &new, "cli").await;
            db.close().await;
            match result {
                Ok(id) => {
                    println!("created user {name} ({}) with id {id}", role.swedish());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Err(ExitCode::from(1))
                }
            }
        }
        UserCmd::Unlock { name, store: args } => {
            let config = config(&args)?;
            let db = open(&config).await?;
            let name = name.trim().to_lowercase();
            let result = async {
                if store::for_login(&db, &name).await?.is_none() {
                    return Ok(false);
                }
                crate::accounts::limiter::lift(&db, &name).await?;
                store::audit_lift(&db, "cli", &name).await?;
                Ok::<_, sqlx::Error>(true)
            }
            .await;
            db.close().await;
            match result {
                Ok(true) => {
                    println!("unlocked {name}: its failed logins are forgotten");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(false) => {
                    eprintln!(
                        "error: there is no account named {name:?} (see `provrum user list`)"
                    );
                    Err(ExitCode::from(1))
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Err(ExitCode::from(2))
                }
            }
        }
        UserCmd::List { store: args } => {
            let config = config(&args)?;
            let db = open(&config).await?;
            let read = async {
                Ok::<_, sqlx::Error>((store::list(&db).await?, store::emails(&db).await?))
            };
            let (users, mut emails) = read.await.map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(2)
            })?;
            for u in users {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.role.as_str(),
                    u.municipalities.join(","),
                    if u.active { "active" } else { "inactive" },
                    emails.remove(&u.id).unwrap_or_default()
                );
            }
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The demo's accounts: one per role and a reviewer for two municipalities,
/// all with one fresh random password, printed at start.
///
/// The password is kept in `<data_dir>/demo-password` (readable by its
/// owner only), so a restart neither changes it nor signs anyone out: only
/// an account that is new, or a data folder without the file, gets it set.
pub async fn demo_users(
    db: &crate::store::Store,
    data_dir: &std::path::Path,
) -> Result<(String, Vec<(String, String)>), String> {
    let file = data_dir.join("demo-password");
    let kept = std::fs::read_to_string(&file)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() >= password::MIN_LENGTH);
    let fresh = kept.is_none();
    let pw = kept.unwrap_or_else(|| format!("demo-{}", hex::encode(rand::random::<[u8; 5]>())));
    if fresh {
        write_private(&file, &pw).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let users: [(&str, &str, Role, &[&str]); 4] = [
        ("ekontoret", "Eva på e-kontoret", Role::EKontoret, &[]),
        (
            "jurist",
            "Jonas, juridisk rådgivare",
            Role::LegalAdviser,
            &[],
        ),
        (
            "granskare-arvika",
            "Anna i Arvika",
            Role::Reviewer,
            &["arvika"],
        ),
        (
            "granskare-karlstad",
            "Karl i Karlstad och Hammarö",
            Role::Reviewer,
            &["karlstad", "hammaro"],
        ),
    ];
    let mut out = Vec::new();
    for (username, name, role, ms) in users {
        let ms: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
        let new = NewUser {
            username,
            name,
            role,
            municipalities: &ms,
            password: &pw,
            email: None,
        };
        match store::create(db, &new, "demo").await {
            Ok(_) => {}
            Err(store::AccountError::Taken(_)) if fresh => {
                store::set_password(db, username, &pw, "demo")
                    .await
                    .map_err(|e| e.to_string())?
            }
            Err(store::AccountError::Taken(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
        out.push((
            username.to_string(),
            format!("{} – {}", role.swedish(), name),
        ));
    }
    Ok((pw, out))
}

/// Write `text` to a new file only its owner may read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}
