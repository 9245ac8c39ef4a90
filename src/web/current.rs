//! What the session middleware found for the current request, kept in a
//! task-local: the user, the path, the session token and whether cookies
//! are Secure. Page chrome reads it here; `session` fills it and turns it
//! into refusals.

use crate::accounts::User;

#[derive(Clone)]
pub(super) struct Current {
    pub(super) user: Option<User>,
    pub(super) path: String,
    pub(super) token: Option<String>,
    pub(super) secure: bool,
}

tokio::task_local! {
    pub(super) static CURRENT: Current;
}

/// The logged-in user, if any.
pub fn user() -> Option<User> {
    CURRENT.try_with(|c| c.user.clone()).ok().flatten()
}

/// A confirmation asked for by the page's address (`?klart=CODE`, see
/// `page::confirmation`), after a save that came back here.
pub fn confirmation_code() -> Option<String> {
    CURRENT
        .try_with(|c| {
            let (_, query) = c.path.split_once('?')?;
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "klart")
                .map(|(_, v)| v.into_owned())
        })
        .ok()
        .flatten()
}

/// Whether cookies are Secure (and so carry the `__Host-` prefix).
pub fn secure_cookies() -> bool {
    CURRENT.try_with(|c| c.secure).unwrap_or(false)
}

/// The session token of this request, when it belongs to a logged-in user
/// (for logging out, and to bind CSRF tokens to the session).
pub fn token() -> Option<String> {
    CURRENT.try_with(|c| c.token.clone()).ok().flatten()
}

/// The path and query of the request (where a login comes back to).
pub(super) fn path() -> String {
    CURRENT
        .try_with(|c| c.path.clone())
        .unwrap_or_else(|_| "/".into())
}
