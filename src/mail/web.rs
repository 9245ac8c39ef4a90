//! Mail as the server is configured: the review-round mailing of a running
//! test room, or none when `[mail]` is not set.

use super::Mailing;
use crate::web::AppState;

/// The server's mailing (`None`: mail is not configured, nothing is sent).
pub fn mailing(state: &AppState) -> Option<Mailing> {
    Some(Mailing {
        store: state.store.clone(),
        cache: state.cache.clone(),
        cfg: state.mail.clone()?,
    })
}
